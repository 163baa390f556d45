/* Reader pages: entry tools, times, live updates and in-place paging.
 *
 * The pages work without this script: "Older entries" is a link, a reload shows new updates,
 * the order and filter are links, and "Link to this update" opens the entry's own page. With it:
 *
 * - every entry gets Copy link and Share buttons (the Web Share API where the browser has it),
 *   sharing the blog page's address with #entry-N;
 * - timed entries say how long ago they were posted ("5 min ago"), kept current, and a date line
 *   marks where the day changes as entries arrive;
 * - a #entry-N link to an entry that is not on the page opens the page that holds it;
 * - a live page polls a check URL that is the same for every reader (so a CDN can answer it),
 *   sending If-None-Match so an unchanged blog costs a 304. When the revision moves it fetches
 *   what changed since its own revision: new entries wait behind a "N new updates" button so
 *   nothing moves under the reader (an embedded blog shows them at once); edits and removals are
 *   applied in place, and the header (status, "last updated") is redrawn from the server's copy;
 * - the reader stays in control of what moves (WCAG 2.2): "Pause live updates" stops polling,
 *   edits, notices and the ticking of relative times until resumed (remembered per browser);
 *   an edit or removal of an entry the reader is looking at waits until it is out of view or
 *   the reader asks for the new updates, so nothing shifts under their eyes; revealed entries
 *   are announced through a role="log" region; while the tab is hidden its title counts the
 *   new updates; "Use my time zone" shows times in the reader's zone instead of the blog's.
 *
 * Every sentence shown goes through gettext/ngettext with %(name)s placeholders, so Django's
 * JavaScript catalogue can translate it; without one they read as written.
 */
(function () {
  "use strict";

  const gettext = window.gettext || ((text) => text);
  const ngettext = window.ngettext || ((one, many, count) => (count === 1 ? one : many));
  const interpolate = window.interpolate
    || ((text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name])));

  const root = document.getElementById("liveblog");
  const entriesEl = document.getElementById("entries");
  const statusEl = document.getElementById("live-status");
  const dataset = root ? root.dataset : {};
  const oldestFirst = dataset.order === "oldest";
  const embedded = dataset.embed === "1";
  const pauseButton = document.getElementById("live-pause");
  const zoneButton = document.getElementById("zone-switch");

  /* The reader's choices, kept in this browser (where storage is allowed). */
  function remembered(key) {
    try {
      return window.localStorage.getItem(key) === "1";
    } catch (error) {
      return false;
    }
  }

  function remember(key, on) {
    try {
      if (on) window.localStorage.setItem(key, "1");
      else window.localStorage.removeItem(key);
    } catch (error) {
      // Storage refused (private mode): the choice lasts as long as the page.
    }
  }

  const PAUSED_KEY = "liveblog:paused";
  const ZONE_KEY = "liveblog:my-time-zone";
  // Only a page with the control pauses (and only there do relative times tick).
  let paused = Boolean(pauseButton) && remembered(PAUSED_KEY);

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
    return entriesEl ? Array.from(entriesEl.querySelectorAll(":scope > article.entry")) : [];
  }

  /* --- sharing ------------------------------------------------------------------------------ */

  function enableTools(scope) {
    scope.querySelectorAll(".entry__share[hidden]").forEach((tools) => {
      tools.hidden = false;
      const share = tools.querySelector('[data-action="share"]');
      if (share && typeof navigator.share === "function") share.hidden = false;
    });
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    if (!copied) throw new Error("copy refused");
  }

  function confirmCopied(button) {
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = gettext("Link copied");
    announce(gettext("Link copied"));
    window.clearTimeout(Number(button.dataset.timer));
    button.dataset.timer = String(window.setTimeout(() => { button.textContent = label; }, 2500));
  }

  async function copyLink(button, url) {
    try {
      await copyText(url);
      confirmCopied(button);
    } catch (error) {
      window.prompt(gettext("Copy this link:"), url);
    }
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest && event.target.closest(".entry__share [data-action]");
    if (!button) return;
    const tools = button.closest(".entry__share");
    const url = tools.dataset.url;
    if (button.dataset.action === "copy") {
      await copyLink(button, url);
      return;
    }
    const article = button.closest("article");
    const headline = article && article.querySelector(".entry__headline");
    try {
      await navigator.share({ title: headline ? headline.textContent.trim() : document.title, url });
    } catch (error) {
      if (error && error.name === "AbortError") return; // the reader closed the share sheet
      await copyLink(tools.querySelector('[data-action="copy"]'), url);
    }
  });

  /* --- times ---------------------------------------------------------------------------------- */

  const MINUTE = 60;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;
  const lang = document.documentElement.lang || undefined;
  const relative = typeof Intl === "object" && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" })
    : null;

  /* "5 min ago" for a moment within the last week; "" otherwise (the clock time says it). */
  function ago(moment, now) {
    const seconds = Math.floor((now - moment) / 1000);
    if (!relative || Number.isNaN(seconds) || seconds < -MINUTE || seconds >= 7 * DAY) return "";
    if (seconds < 45) return relative.format(0, "second");
    if (seconds < HOUR) return relative.format(-Math.max(1, Math.round(seconds / MINUTE)), "minute");
    if (seconds < DAY) return relative.format(-Math.floor(seconds / HOUR), "hour");
    return relative.format(-Math.floor(seconds / DAY), "day");
  }

  function refreshTimes() {
    if (paused) return;
    const now = Date.now();
    document.querySelectorAll(".entry__time").forEach((line) => {
      const time = line.querySelector("time[datetime]");
      const label = line.querySelector(".entry__ago");
      if (!time || !label) return;
      const text = ago(Date.parse(time.getAttribute("datetime")), now);
      label.textContent = text;
      label.hidden = text === "";
    });
  }

  /* A date line on the first entry of each day, as the server marks them on a page (none on
   * the pinned entry: above the stream, out of its time order, it would split a day in two). */
  function redrawDays() {
    let previous = null;
    articles().forEach((article) => {
      const line = article.querySelector(":scope > .entry__header > .entry__day");
      const pinned = article.dataset.pinned === "1";
      const day = pinned ? null : article.dataset.day || null;
      if (line) line.hidden = !day || day === previous;
      if (day) previous = day;
    });
  }

  /* "Use my time zone": clock times in the reader's zone instead of the blog's (the server
   * writes them in the blog's; the original text is kept to switch back). */
  const barEl = document.getElementById("live-bar");
  const zoneLabel = document.getElementById("zone-label");
  const blogZone = barEl ? barEl.dataset.zone : "";
  const readerZone = typeof Intl === "object"
    ? Intl.DateTimeFormat().resolvedOptions().timeZone : "";
  let myZone = Boolean(zoneButton) && readerZone && readerZone !== blogZone
    && remembered(ZONE_KEY);
  const CLOCK = { hour: "2-digit", minute: "2-digit" };
  const ZONE_FORMATS = [
    [".entry__time time", { ...CLOCK, timeZoneName: "short" }],
    [".key-events time", CLOCK],
    [".blog-header__updated time, .correction time",
      { day: "numeric", month: "short", year: "numeric", ...CLOCK, timeZoneName: "short" }],
  ];

  const dayFormat = new Intl.DateTimeFormat(lang, {
    day: "numeric", month: "long", year: "numeric", timeZone: readerZone || undefined,
  });

  function showZone() {
    ZONE_FORMATS.forEach(([selector, options]) => {
      const format = new Intl.DateTimeFormat(lang, { ...options, timeZone: readerZone || undefined });
      document.querySelectorAll(selector).forEach((time) => {
        const value = time.getAttribute("datetime") || "";
        const text = time.firstChild;
        if (value.length <= 10 || !text || text.nodeType !== Node.TEXT_NODE) return; // a day only
        if (!("blogText" in time.dataset)) time.dataset.blogText = text.nodeValue;
        text.nodeValue = myZone ? format.format(new Date(value)) : time.dataset.blogText;
        // The day said to screen readers after a clock time (", 13 February 2025") too.
        const day = time.querySelector(".visually-hidden");
        if (!day) return;
        if (!("blogDay" in time.dataset)) time.dataset.blogDay = day.textContent;
        day.textContent = myZone ? ", " + dayFormat.format(new Date(value)) : time.dataset.blogDay;
      });
    });
    if (zoneLabel) {
      zoneLabel.textContent = interpolate(
        gettext("Times in %(zone)s"), { zone: myZone ? readerZone : blogZone }, true,
      );
    }
    if (zoneButton) {
      zoneButton.textContent = myZone
        ? gettext("Use the blog’s time zone") : gettext("Use my time zone");
    }
  }

  if (zoneButton && readerZone && readerZone !== blogZone) {
    zoneButton.hidden = false;
    zoneButton.addEventListener("click", () => {
      myZone = !myZone;
      remember(ZONE_KEY, myZone);
      showZone();
    });
  }

  function entriesChanged(scope) {
    enableTools(scope || document);
    redrawDays();
    refreshTimes();
    if (myZone) showZone();
  }

  entriesChanged(document);
  showZone();
  if (pauseButton) window.setInterval(refreshTimes, 30 * 1000);

  /* --- #entry-N beyond this page ---------------------------------------------------------- */

  async function followHash() {
    const match = /^#entry-(\d+)$/.exec(window.location.hash);
    if (!match || document.getElementById("entry-" + match[1]) || !dataset.locateUrl) return;
    const url = dataset.locateUrl.replace(/\/0\/locate\/$/, "/" + match[1] + "/locate/")
      + (dataset.listing || "");
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return; // not an entry readers can see: stay on this page
      const place = new URL((await response.json()).url, window.location.href);
      if (place.href !== window.location.href) window.location.replace(place.href);
    } catch (error) {
      // Offline or refused: the reader stays where they are.
    }
  }

  window.addEventListener("hashchange", followHash);
  followHash();

  if (!root || !entriesEl) return;

  /* --- live updates ---------------------------------------------------------------------------- */

  const button = document.getElementById("new-updates");
  const keyEventsOnly = dataset.keyEventsOnly === "1";
  const pageSize = Number(dataset.pageSize) || 0;
  const baseDelay = Math.max(1, Number(dataset.pollSeconds) || 15) * 1000;
  const maxDelay = 5 * 60 * 1000;
  const closedDelay = Math.min(4 * baseDelay, maxDelay);
  const hiddenDelay = closedDelay;
  const state = {
    revision: Number(dataset.revision),
    status: dataset.status,
    // The page carries the check's ETag for the state it shows, so even the first poll is
    // conditional and costs a 304 when nothing changed since the page was built.
    etag: dataset.liveEtag || null,
  };
  const pending = new Map(); // entry id -> {key, is_pinned, html}, newest arrivals not yet shown
  let delay = baseDelay;
  let timer = null;
  let stopped = true;
  let reloadNeeded = false;

  /* Stream order, as the server sorts: the pinned entry first, then by the entry's key (its
   * time, or below every timed entry its place in an imported sequence) and id, newest first
   * or oldest first as the reader chose. */
  function sortKey(pinned, key, id) {
    return [pinned ? 1 : 0, Number(key), Number(id)];
  }

  function keyOf(article) {
    return sortKey(article.dataset.pinned === "1", article.dataset.key, article.dataset.entryId);
  }

  function sortsBefore(a, b) {
    if (a[0] !== b[0]) return a[0] > b[0];
    for (let i = 1; i < a.length; i += 1) {
      if (a[i] !== b[i]) return oldestFirst ? a[i] < b[i] : a[i] > b[i];
    }
    return false;
  }

  function hasMorePages() {
    return Boolean(document.querySelector(".older__link"));
  }

  /* Put an article where it belongs among the loaded ones; false if it belongs to a page not loaded. */
  function place(article) {
    const key = keyOf(article);
    const next = articles().find((other) => other !== article && sortsBefore(key, keyOf(other)));
    if (next) {
      entriesEl.insertBefore(article, next);
    } else if (!hasMorePages()) {
      entriesEl.appendChild(article);
    } else {
      return false;
    }
    const empty = document.getElementById("entries-empty");
    if (empty) empty.remove();
    return true;
  }

  function newestLoadedKey() {
    const stream = articles().filter((a) => a.dataset.pinned !== "1");
    return stream.length ? Number(stream[0].dataset.key) : -Infinity;
  }

  /* Changes that would move what the reader is looking at (an edited or removed entry on
   * screen, the key events list) wait until it is out of view or the reader asks for the new
   * updates: nothing shifts without the reader's doing (a layout shift, CLS). Above the view,
   * the browser's scroll anchoring keeps the page still. */
  const held = new Map(); // element id -> the change to make
  const log = document.getElementById("live-log");

  function inView(element) {
    const box = element.getBoundingClientRect();
    if (box.height > 0) return box.bottom > 0 && box.top < window.innerHeight;
    // Not shown yet (an empty key events list): where it would appear is what counts.
    const next = element.nextElementSibling;
    const top = next ? next.getBoundingClientRect().top : box.top;
    return top >= 0 && top < window.innerHeight;
  }

  function whenOutOfView(id, change) {
    const element = document.getElementById(id);
    if (element && inView(element)) {
      held.set(id, change);
    } else {
      held.delete(id);
      change();
    }
  }

  function applyHeld({ all = false } = {}) {
    let changed = false;
    held.forEach((change, id) => {
      const element = document.getElementById(id);
      if (all || !element || !inView(element)) {
        held.delete(id);
        change();
        changed = true;
      }
    });
    if (changed) {
      fixKeyEventLinks();
      entriesChanged(entriesEl);
    }
  }

  let scrollCheck = 0;
  window.addEventListener("scroll", () => {
    if (!held.size || scrollCheck) return;
    scrollCheck = window.requestAnimationFrame(() => {
      scrollCheck = 0;
      applyHeld();
    });
  }, { passive: true });

  function removeEntry(id) {
    pending.delete(id);
    const article = document.getElementById("entry-" + id);
    if (article && entriesEl.contains(article)) {
      whenOutOfView(article.id, () => {
        const current = document.getElementById("entry-" + id);
        if (current && entriesEl.contains(current)) current.remove();
      });
    }
  }

  function applyEntry(item) {
    if (keyEventsOnly && !item.is_key_event) {
      removeEntry(item.id);
      return;
    }
    const article = fragment(item.html).querySelector("article.entry");
    const current = document.getElementById("entry-" + item.id);
    if (current && entriesEl.contains(current)) {
      whenOutOfView(current.id, () => {
        const now = document.getElementById("entry-" + item.id);
        if (!now || !entriesEl.contains(now)) return;
        if (now.dataset.key === article.dataset.key
            && now.dataset.pinned === article.dataset.pinned) {
          now.replaceWith(article);
        } else {
          now.remove();
          place(article);
        }
      });
    } else if (oldestFirst) {
      place(article); // new entries join the end of the stream, if the reader has reached it
    } else if (pending.has(item.id) || item.is_pinned || item.key > newestLoadedKey()) {
      pending.set(item.id, item);
    } else {
      place(article); // published into the loaded range (e.g. a scheduled entry fell due)
    }
  }

  function updateButton() {
    if (!button) return;
    if (reloadNeeded) {
      button.textContent = gettext("Many new updates: reload the page");
      button.hidden = false;
      return;
    }
    const count = pending.size;
    button.hidden = count === 0;
    button.textContent = interpolate(
      ngettext("%(count)s new update", "%(count)s new updates", count), { count }, true
    );
  }

  function showPending({ quiet = false } = {}) {
    if (reloadNeeded) {
      window.location.reload();
      return;
    }
    const items = Array.from(pending.values());
    items.sort((a, b) => (sortsBefore(sortKey(a.is_pinned, a.key, a.id),
                                      sortKey(b.is_pinned, b.key, b.id)) ? -1 : 1));
    pending.clear();
    applyHeld({ all: true }); // the reader asked: what waited for them moves now
    let first = null;
    items.forEach((item) => {
      const article = fragment(item.html).querySelector("article.entry");
      const stale = document.getElementById("entry-" + item.id);
      if (stale) stale.remove();
      if (place(article)) {
        article.classList.add("entry--fresh");
        first = first || article;
        logShown(article);
      }
    });
    if (pageSize) articles().slice(pageSize).forEach((article) => article.remove());
    updateButton();
    fixKeyEventLinks();
    entriesChanged(entriesEl);
    if (first && !quiet) {
      first.tabIndex = -1;
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "start" });
    }
    announce(interpolate(
      ngettext("Showing %(count)s new update", "Showing %(count)s new updates", items.length),
      { count: items.length },
      true,
    ));
  }

  /* Revealed entries, announced in order through the role="log" region. */
  function logShown(article) {
    if (!log) return;
    const headline = article.querySelector(".entry__headline");
    const line = document.createElement("p");
    line.textContent = interpolate(
      gettext("New update: %(headline)s"),
      { headline: headline ? headline.textContent.trim() : "" },
      true,
    );
    log.appendChild(line);
    while (log.childElementCount > 20) log.firstElementChild.remove();
  }

  /* While the tab is hidden its title counts the new updates ("(3) LIVE: ..."). */
  let baseTitle = document.title;
  let unread = 0;

  function showTitle() {
    document.title = (unread && document.hidden ? "(" + unread + ") " : "") + baseTitle;
  }

  function fixKeyEventLinks() {
    document.querySelectorAll("#key-events a[data-entry-id]").forEach((link) => {
      const id = link.dataset.entryId;
      const target = document.getElementById("entry-" + id);
      if (target && entriesEl.contains(target)) link.setAttribute("href", "#entry-" + id);
    });
    const nav = document.getElementById("key-events");
    const filter = document.getElementById("key-events-filter");
    if (nav && filter && !keyEventsOnly) filter.hidden = nav.hidden;
  }

  function replaceFrom(id, html) {
    const current = document.getElementById(id);
    const fresh = html && fragment(html).getElementById(id);
    if (current && fresh) current.replaceWith(fresh);
  }

  /* Tell the reader what a status change means; the header itself comes from the server. */
  function announceStatus(previous, status) {
    if (status === "live") {
      announce(previous === "closed"
        ? gettext("This live blog has reopened.")
        : gettext("Live coverage has started."));
    } else if (status === "closed") {
      announce(gettext("This live blog has ended."));
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
      whenOutOfView("key-events", () => {
        replaceFrom("key-events", data.key_events_html);
        fixKeyEventLinks();
        if (myZone) showZone();
      });
    }
    replaceFrom("blog-badge", data.badge_html);
    replaceFrom("blog-status", data.status_html);
    fixKeyEventLinks();
    entriesChanged(entriesEl);
    state.revision = data.revision;
    if (document.hidden) unread += Math.max(0, pending.size - before);
    if (data.title) baseTitle = data.title;
    showTitle();
    if (embedded && pending.size) {
      showPending({ quiet: true });
      return;
    }
    updateButton();
    if (pending.size > before) {
      announce(interpolate(
        ngettext("%(count)s new update", "%(count)s new updates", pending.size),
        { count: pending.size },
        true,
      ));
    }
  }

  /* `to` is the revision the check reported. The app ignores it, but it makes the URL name the
   * state wanted, so a cache in front (the edge, a CDN) never hands back changes it kept for an
   * older state: the page would take the new ETag and stay an entry behind until the next one. */
  async function fetchChanges(to) {
    const url = dataset.changesUrl + "?since=" + state.revision + "&to=" + to;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error("changes: HTTP " + response.status);
    applyChanges(await response.json());
  }

  async function poll() {
    timer = null;
    if (stopped) return;
    try {
      const headers = { Accept: "application/json" };
      if (state.etag) headers["If-None-Match"] = state.etag;
      const response = await fetch(dataset.liveUrl, { headers, cache: "no-store" });
      if (response.status === 404) {
        // Taken off the site (back to draft, or deleted): nothing more will come, stop asking.
        state.status = "draft";
      } else if (response.status !== 304) {
        if (!response.ok) throw new Error("check: HTTP " + response.status);
        const live = await response.json();
        if (live.revision !== state.revision) await fetchChanges(live.revision);
        // Only a page that caught up takes the check's ETag: changes answered for an older
        // state (another server a second behind) must not turn the next checks into 304s.
        if (state.revision >= live.revision) state.etag = response.headers.get("ETag");
        if (live.status !== state.status) {
          const previous = state.status;
          state.status = live.status;
          root.dataset.status = live.status;
          announceStatus(previous, live.status);
        }
      }
      delay = baseDelay;
    } catch (error) {
      delay = Math.min(delay * 2, maxDelay); // back off while the server or network struggles
    }
    if (state.status === "draft") {
      stop();
    } else if (document.hidden) {
      // A hidden tab still counts new updates in its title, asking less often.
      schedule(Math.max(delay, hiddenDelay));
    } else if (state.status === "closed") {
      // Ended blogs are still asked now and then: an editor may reopen one.
      schedule(Math.max(delay, closedDelay));
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
    schedule(state.status === "closed" ? closedDelay : delay);
  }

  function stop() {
    stopped = true;
    window.clearTimeout(timer);
    timer = null;
    root.dataset.polling = "off";
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      unread = 0;
      showTitle();
    }
    if (stopped) return;
    if (document.hidden) {
      schedule(hiddenDelay);
    } else {
      schedule(0); // catch up at once when the reader comes back
    }
  });

  if (button) button.addEventListener("click", () => showPending());

  /* "Older entries" ("Later entries" oldest first): load the next page in place instead of
   * navigating, and put its address in the address bar, so a refresh keeps the reader's place. */
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
      window.history.replaceState(window.history.state, "", link.href);
      fixKeyEventLinks();
      entriesChanged(entriesEl);
      if (first) {
        first.tabIndex = -1;
        first.focus({ preventScroll: true });
      }
      announce(interpolate(
        oldestFirst
          ? ngettext("Loaded %(count)s later update", "Loaded %(count)s later updates", count)
          : ngettext("Loaded %(count)s older update", "Loaded %(count)s older updates", count),
        { count },
        true,
      ));
    } catch (error) {
      window.location.assign(link.href); // fall back to the plain link
    }
  });

  // A newest-first page polls when it shows the newest entries; an oldest-first page always
  // does (edits, removals, the status), and adds new entries once the reader reaches the end.
  const pollable = dataset.preview !== "1" && state.status !== "draft"
    && (dataset.firstPage === "1" || oldestFirst);
  root.dataset.polling = "off";

  /* "Pause live updates": no polling, so no edits, notices or new entries, and relative times
   * hold still, until the reader resumes (then the page catches up at once). */
  function showPaused() {
    if (!pauseButton) return;
    pauseButton.textContent = paused
      ? gettext("Resume live updates") : gettext("Pause live updates");
    root.dataset.paused = paused ? "1" : "0";
  }

  if (pauseButton && pollable) {
    pauseButton.hidden = false;
    pauseButton.addEventListener("click", () => {
      paused = !paused;
      remember(PAUSED_KEY, paused);
      showPaused();
      if (paused) {
        stop();
        announce(gettext("Live updates paused."));
      } else {
        announce(gettext("Live updates resumed."));
        refreshTimes();
        start();
        schedule(0);
      }
    });
  }
  showPaused();
  if (pollable && !paused) start();
}());
