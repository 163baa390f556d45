/* Liveblog's service worker: shows the notices of the live blogs this browser follows, and
   opens the update (#entry-N on the blog's page) when one is clicked. Nothing else: pages are
   not cached here. */
'use strict';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let notice = {};
  try {
    notice = event.data ? event.data.json() : {};
  } catch (error) {
    notice = {};
  }
  if (!notice.title) return;
  event.waitUntil(self.registration.showNotification(notice.title, {
    body: notice.body || '',
    tag: notice.tag,
    lang: notice.lang || '',
    dir: notice.dir || 'auto',
    data: {url: notice.url},
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  if (!url) return;
  event.waitUntil(self.clients.matchAll({type: 'window', includeUncontrolled: true}).then((open) => {
    const page = url.split('#')[0];
    for (const client of open) {
      if (client.url.split('#')[0] === page && 'focus' in client) {
        return client.navigate(url).then((shown) => (shown || client).focus());
      }
    }
    return self.clients.openWindow(url);
  }));
});
