/* For partner pages embedding a live blog: sizes each embedded blog's iframe to the height its
 * content reports (frame.js inside the frame), so the blog reads as part of the page with no
 * inner scroll bar, up to the iframe's data-max-height (2400 px unless it says): past that the
 * frame scrolls inside, ending with a link to the whole blog. Load it once per page, after or
 * before the iframes. */
(function () {
  "use strict";

  if (window.liveblogEmbedReady) return;
  window.liveblogEmbedReady = true;
  const script = document.currentScript;
  const origin = script ? new URL(script.src, window.location.href).origin : null;
  const MAX_HEIGHT = 2400;

  function frames() {
    return Array.from(document.querySelectorAll("iframe[data-liveblog-embed]"));
  }

  function prepare(frame) {
    if (frame.dataset.liveblogReady) return;
    frame.dataset.liveblogReady = "1";
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.maxWidth = (frame.getAttribute("width") || "640") + "px";
    frame.style.display = "block";
    frame.addEventListener("load", () => {
      frame.contentWindow.postMessage({ type: "liveblog:measure" }, origin || "*");
    });
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: "liveblog:measure" }, "*");
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "liveblog:height" || typeof data.height !== "number") return;
    if (origin && event.origin !== origin) return;
    frames().forEach((frame) => {
      if (frame.contentWindow === event.source) {
        const most = Number(frame.dataset.maxHeight) || MAX_HEIGHT;
        frame.style.height = Math.min(most, Math.max(50, Math.ceil(data.height))) + "px";
      }
    });
  });

  frames().forEach(prepare);
  document.addEventListener("DOMContentLoaded", () => frames().forEach(prepare));
}());
