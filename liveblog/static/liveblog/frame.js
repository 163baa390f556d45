/* Inside an embedded blog: tell the page framing it how tall the content is, whenever that
 * changes (entries arrive, pictures load, the frame is resized), so it can size the iframe.
 * The height is no secret, so any framing page may hear it; embed.js there checks the sender. */
(function () {
  "use strict";

  if (window.parent === window) return;
  let last = 0;

  function report(force) {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last && !force) return;
    last = height;
    window.parent.postMessage({ type: "liveblog:height", height }, "*");
  }

  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => report(false)).observe(document.documentElement);
  }
  window.addEventListener("load", () => report(true));
  // The framing page's script may load after the first report: it asks again.
  window.addEventListener("message", (event) => {
    if (event.source === window.parent && event.data && event.data.type === "liveblog:measure") {
      report(true);
    }
  });
  report(true);
}());
