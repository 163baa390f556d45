/* Live updates and in-place paging for a live blog page.
 *
 * The page works without this script: "Older entries" is a link and a reload shows new updates.
 * With it, the page polls a check URL that is the same for every reader (so a CDN can answer it),
 * sending If-None-Match so an unchanged blog costs a 304. When the revision moves it fetches what
 * changed since its own revision: new entries wait behind a "N new updates" button so nothing moves
 * under the reader; edits and removals of entries already shown are applied in place.
 */
(function () {
  "use strict";

  const root = document.getElementById("liveblog");
  const entriesEl = document.getElementById("entries");
  if (!root || !entriesEl) return;

  const statusEl = document.getElementById("live-status");
  const button = document.getElementById("new-updates");
  const keyEventsOnly = root.dataset.keyEventsOnly === "1";
  const baseDelay = Math.max(1, Number(root.dataset.pollSeconds) || 15) * 1000;
  const maxDelay = 5 * 60 * 1000;
  const state = {
    revision: Number(root.dataset.revision),
    due: Number(root.dataset.due),
    status: root.dataset.status,
    // The page carries the check's ETag for the state it shows, so even the first poll is
    // conditional and costs a 304 when nothing changed since the page was built.
    etag: root.dataset.liveEtag || null,
  };
  const pending = new Map(); // entry id -> {order, is_pinned, html}, newest arrivals not yet shown
  let delay = baseDelay;
  let timer = null;
  let stopped = true;
  let reloadNeeded = false;

  function announce(text) {
    if (!statusEl) return;
    statusEl.textContent = "";
    window.setTimeout(() => { statusEl.textContent = text; }, 100);
  }

  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function articles() {
    return Array.from(entriesEl.querySelectorAll(":scope > article.entry"));
  }

  function sortKey(pinned, order, id) {
    return [pinned ? 1 : 0, Number(order), Number(id)];
  }

  function keyOf(article) {
    return sortKey(article.dataset.pinned === "1", article.dataset.order, article.dataset.entryId);
  }

  function sortsBefore(a, b) {
    for (let i = 0; i < a.length; i += 1) {
      if (a[i] !== b[i]) return a[i] > b[i];
    }
    return false;
  }

  function hasOlderPages() {
    return Boolean(document.querySelector(".older__link"));
  }

  /* Put an article where it belongs among the loaded ones; false if it belongs to a page not loaded. */
  function place(article) {
    const key = keyOf(article);
    const next = articles().find((other) => other !== article && sortsBefore(key, keyOf(other)));
    if (next) {
      entriesEl.insertBefore(article, next);
    } else if (!hasOlderPages()) {
      entriesEl.appendChild(article);
    } else {
      return false;
    }
    const empty = document.getElementById("entries-empty");
    if (empty) empty.remove();
    return true;
  }

  function newestLoadedOrder() {
    const stream = articles().filter((a) => a.dataset.pinned !== "1");
    return stream.length ? Number(stream[0].dataset.order) : -Infinity;
  }

  function removeEntry(id) {
    pending.delete(id);
    const article = document.getElementById("entry-" + id);
    if (article && entriesEl.contains(article)) article.remove();
  }

  function applyEntry(item) {
    if (keyEventsOnly && !item.is_key_event) {
      removeEntry(item.id);
      return;
    }
    const article = fragment(item.html).querySelector("article.entry");
    const current = document.getElementById("entry-" + item.id);
    if (current && entriesEl.contains(current)) {
      if (current.dataset.order === article.dataset.order
          && current.dataset.pinned === article.dataset.pinned) {
        current.replaceWith(article);
      } else {
        current.remove();
        place(article);
      }
    } else if (pending.has(item.id) || item.is_pinned || item.order > newestLoadedOrder()) {
      pending.set(item.id, item);
    } else {
      place(article); // published into the loaded range (e.g. a scheduled entry fell due)
    }
  }

  function updateButton() {
    if (!button) return;
    if (reloadNeeded) {
      button.textContent = "Many new updates: reload the page";
      button.hidden = false;
      return;
    }
    const count = pending.size;
    button.hidden = count === 0;
    button.textContent = count === 1 ? "1 new update" : count + " new updates";
  }

  function showPending() {
    if (reloadNeeded) {
      window.location.reload();
      return;
    }
    const items = Array.from(pending.values());
    items.sort((a, b) => (sortsBefore(sortKey(a.is_pinned, a.order, a.id),
                                      sortKey(b.is_pinned, b.order, b.id)) ? -1 : 1));
    pending.clear();
    let first = null;
    items.forEach((item) => {
      const article = fragment(item.html).querySelector("article.entry");
      const stale = document.getElementById("entry-" + item.id);
      if (stale) stale.remove();
      if (place(article)) {
        article.classList.add("entry--fresh");
        first = first || article;
      }
    });
    updateButton();
    fixKeyEventLinks();
    if (first) {
      first.tabIndex = -1;
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "start" });
    }
    announce(items.length === 1 ? "Showing 1 new update" : "Showing " + items.length + " new updates");
  }

  function fixKeyEventLinks() {
    document.querySelectorAll("#key-events a[data-entry-id]").forEach((link) => {
      const id = link.dataset.entryId;
      const target = document.getElementById("entry-" + id);
      if (target && entriesEl.contains(target)) link.setAttribute("href", "#entry-" + id);
    });
  }

  /* Keep the header in step with the blog's status as the check reports it: an upcoming blog
   * going live, or a blog closing. Without this the page would still say "Upcoming" while entries
   * arrive, or keep "LIVE:" in its title after the blog ended. */
  function showStatus(status) {
    const badge = document.querySelector(".blog-header__status .badge");
    const title = document.title.replace(/^LIVE: /, "");
    const upcoming = document.querySelector(".notice--upcoming");
    if (status === "live") {
      if (badge) {
        badge.className = "badge badge--live";
        badge.textContent = "Live";
      }
      if (upcoming) upcoming.remove();
      document.title = "LIVE: " + title;
      announce("Live coverage has started.");
    } else if (status === "closed") {
      if (badge) {
        badge.className = "badge";
        badge.textContent = "Ended";
      }
      if (upcoming) upcoming.remove();
      document.title = title;
      if (!document.getElementById("closed-notice")) {
        const notice = fragment('<div class="notice notice--closed" id="closed-notice">'
          + "<p><strong>This live blog has ended.</strong></p></div>").firstElementChild;
        const header = document.querySelector(".blog-header");
        if (header) header.appendChild(notice);
      }
      announce("This live blog has ended.");
    }
  }

  function applyChanges(data) {
    if (data.reload) {
      reloadNeeded = true;
      updateButton();
      return;
    }
    const before = pending.size;
    (data.removed || []).forEach((id) => removeEntry(id));
    (data.entries || []).forEach(applyEntry);
    if (data.key_events_html) {
      const nav = document.getElementById("key-events");
      const fresh = fragment(data.key_events_html).querySelector("#key-events");
      if (nav && fresh) nav.replaceWith(fresh);
      fixKeyEventLinks();
    }
    state.revision = data.revision;
    state.due = data.due;
    updateButton();
    if (pending.size > before) {
      announce(pending.size === 1 ? "1 new update" : pending.size + " new updates");
    }
  }

  /* `to` is the revision the check reported. The app ignores it, but it makes the URL name the
   * state wanted, so a cache in front (the edge, a CDN) never hands back changes it kept for an
   * older state: the page would take the new ETag and stay an entry behind until the next one. */
  async function fetchChanges(to) {
    const url = root.dataset.changesUrl + "?since=" + state.revision + "&due=" + state.due
      + "&to=" + to;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error("changes: HTTP " + response.status);
    applyChanges(await response.json());
  }

  async function poll() {
    timer = null;
    if (stopped || document.hidden) return;
    try {
      const headers = { Accept: "application/json" };
      if (state.etag) headers["If-None-Match"] = state.etag;
      const response = await fetch(root.dataset.liveUrl, { headers, cache: "no-store" });
      if (response.status === 404) {
        // Taken off the site (back to draft, or deleted): nothing more will come, stop asking.
        state.status = "draft";
      } else if (response.status !== 304) {
        if (!response.ok) throw new Error("check: HTTP " + response.status);
        const live = await response.json();
        if (live.revision !== state.revision || live.due !== state.due) await fetchChanges(live.revision);
        state.etag = response.headers.get("ETag");
        if (live.status !== state.status) {
          state.status = live.status;
          root.dataset.status = live.status;
          showStatus(live.status);
        }
      }
      delay = baseDelay;
    } catch (error) {
      delay = Math.min(delay * 2, maxDelay); // back off while the server or network struggles
    }
    if (state.status === "closed" || state.status === "draft") {
      stop();
    } else {
      schedule(delay);
    }
  }

  function schedule(ms) {
    if (stopped) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, ms);
  }

  function start() {
    stopped = false;
    root.dataset.polling = "on";
    schedule(delay);
  }

  function stop() {
    stopped = true;
    window.clearTimeout(timer);
    timer = null;
    root.dataset.polling = "off";
  }

  document.addEventListener("visibilitychange", () => {
    if (stopped) return;
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else {
      schedule(0); // catch up at once when the reader comes back
    }
  });

  if (button) button.addEventListener("click", showPending);

  /* "Older entries": load the next page in place instead of navigating. */
  document.addEventListener("click", async (event) => {
    const link = event.target.closest && event.target.closest(".older__link");
    if (!link || !link.dataset.fragment) return;
    event.preventDefault();
    const nav = link.closest(".older");
    if (nav.getAttribute("aria-busy") === "true") return;
    nav.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(link.dataset.fragment, { headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error("older: HTTP " + response.status);
      const page = fragment(await response.text());
      let first = null;
      let count = 0;
      page.querySelectorAll("article.entry").forEach((article) => {
        if (document.getElementById(article.id)) return;
        entriesEl.appendChild(article);
        first = first || article;
        count += 1;
      });
      const container = document.getElementById("older-container");
      const newer = page.querySelector(".older");
      container.replaceChildren();
      if (newer) container.appendChild(newer);
      fixKeyEventLinks();
      if (first) {
        first.tabIndex = -1;
        first.focus({ preventScroll: true });
      }
      announce(count === 1 ? "Loaded 1 older update" : "Loaded " + count + " older updates");
    } catch (error) {
      window.location.assign(link.href); // fall back to the plain link
    }
  });

  const pollable = root.dataset.preview !== "1" && root.dataset.firstPage === "1"
    && (state.status === "live" || state.status === "upcoming");
  root.dataset.polling = "off";
  if (pollable) start();
}());
