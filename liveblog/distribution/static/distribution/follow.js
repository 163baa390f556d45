/* The Follow control of a live blog (templates/distribution/_follow.html): shown only where the
   browser can receive push notices; asks for permission only when the reader presses Follow;
   the choice (key events only, or every update) is sent with the browser's subscription, and
   Unfollow forgets it. Without this script (or without push) the page is unchanged. */
(function () {
  'use strict';
  const box = document.getElementById('follow');
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window)
      || !('Notification' in window)) {
    return;
  }
  const followButton = document.getElementById('follow-button');
  const unfollowButton = document.getElementById('unfollow-button');
  const status = document.getElementById('follow-status');
  const modes = box.querySelector('.follow__modes');
  const remembered = 'liveblog-follow:' + box.dataset.followUrl;

  function key(base64url) {
    const padded = (base64url + '='.repeat((4 - base64url.length % 4) % 4))
      .replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function show(mode, message) {
    const following = Boolean(mode);
    followButton.hidden = following;
    unfollowButton.hidden = !following;
    modes.disabled = following;
    if (mode) {
      const chosen = box.querySelector('input[value="' + mode + '"]');
      if (chosen) chosen.checked = true;
    }
    status.textContent = message || '';
  }

  function send(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body),
      credentials: 'omit',
    });
  }

  async function subscription(create) {
    const registration = await navigator.serviceWorker.register(box.dataset.workerUrl, {scope: '/'});
    await navigator.serviceWorker.ready;
    const current = await registration.pushManager.getSubscription();
    if (current || !create) return current;
    return registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key(box.dataset.key),
    });
  }

  followButton.addEventListener('click', async () => {
    followButton.disabled = true;
    try {
      // The one place the browser asks the reader: after they pressed Follow.
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        show(null, box.dataset.blocked);
        return;
      }
      const mode = box.querySelector('input[name="follow-mode"]:checked').value;
      const pushing = await subscription(true);
      const answer = await send(box.dataset.followUrl, {subscription: pushing.toJSON(), mode: mode});
      if (!answer.ok) throw new Error('follow: ' + answer.status);
      localStorage.setItem(remembered, mode);
      show(mode, box.dataset.following);
    } catch (error) {
      show(null, box.dataset.failed);
    } finally {
      followButton.disabled = false;
    }
  });

  unfollowButton.addEventListener('click', async () => {
    unfollowButton.disabled = true;
    try {
      const pushing = await subscription(false);
      if (pushing) await send(box.dataset.unfollowUrl, {endpoint: pushing.endpoint});
    } catch (error) {
      // Forgotten here either way; the server drops the subscription when it next fails.
    }
    localStorage.removeItem(remembered);
    show(null, box.dataset.unfollowed);
    unfollowButton.disabled = false;
  });

  box.hidden = false;
  const mode = localStorage.getItem(remembered);
  if (mode && Notification.permission === 'granted') show(mode);
})();
