// Embedded posts and videos (liveblog/body.py EMBED_PROVIDERS): the page shows a placeholder and
// asks nothing of the provider until the reader presses "Load content"; only then is the
// provider's player framed. One listener on the document, so entries that arrive live work too.
"use strict";
(function () {
  // The origins the Content-Security-Policy lets the page frame (frame-src, config/settings.py).
  const ORIGINS = [
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://platform.twitter.com",
    "https://www.instagram.com",
    "https://www.tiktok.com",
    "https://www.facebook.com",
    "https://embed.bsky.app",
  ];

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-embed-load]");
    if (!button) return;
    const figure = button.closest(".embed");
    const address = figure && figure.dataset.embedFrame;
    let url;
    try {
      url = new URL(address);
    } catch (error) {
      return;
    }
    if (!ORIGINS.includes(url.origin)) return;
    const frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = figure.dataset.embedTitle || "";
    frame.className = "embed__frame";
    frame.loading = "lazy";
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-presentation");
    frame.setAttribute("allow", "fullscreen; picture-in-picture; encrypted-media");
    const placeholder = figure.querySelector(".embed__placeholder");
    placeholder.replaceWith(frame);
    frame.focus();
  });
})();
