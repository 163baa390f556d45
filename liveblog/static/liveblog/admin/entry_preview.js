// Live preview of the entry body while an editor types. Mirrors liveblog/body.py parse():
// blocks separated by blank lines; "- " lists; [text](address) links; [interactive: title].
// Pictures are captions, so only the server preview (after saving) shows them. A moment after
// typing stops, the server's rendering (EntryAdmin.body_preview_view, the full grammar of
// docs/desk.md) replaces this one.
// Its sentences go through gettext: the form loads the project's script catalogue in the
// editor's language (without it they read as written).
"use strict";
(function () {
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate
    || ((text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name])));
  const LINK = /^\[([\s\S]*)\]\(([^\s()]*)\)$/;
  const INTERACTIVE = /^\[interactive:\s*([\s\S]*)\]$/;
  // liveblog/body.py safe_url(), the URL policy of every renderer: http(s) with a host, mailto:,
  // or a path on this site. Controls, spaces and backslashes are refused outright, since browsers
  // drop or rewrite them before reading the scheme ("java\tscript:", "/\\host").
  const UNSAFE_URL_CHARS = /[\x00-\x20\x7f\\]/;

  function safeUrl(url) {
    if (!url || UNSAFE_URL_CHARS.test(url)) return "";
    if (url.startsWith("/")) return url.startsWith("//") ? "" : url;
    const colon = url.indexOf(":");
    if (colon < 0) return "";
    const scheme = url.slice(0, colon).toLowerCase();
    const rest = url.slice(colon + 1);
    if (scheme === "http" || scheme === "https") {
      return rest.startsWith("//") && rest.length > 2 && rest[2] !== "/" ? url : "";
    }
    if (scheme === "mailto") return rest ? url : "";
    return "";
  }

  function parse(body) {
    const blocks = [];
    const text = body.replace(/\r\n?/g, "\n").trim();
    for (const chunk of text.split(/\n[ \t]*\n/)) {
      const lines = chunk.split("\n").map((line) => line.trim()).filter(Boolean);
      if (!lines.length) continue;
      if (lines.every((line) => line.startsWith("- ") || line === "-")) {
        blocks.push({ type: "list", items: lines.map((line) => line.slice(2).trim()) });
        continue;
      }
      const joined = lines.join(" ");
      let match;
      if (joined.startsWith("\\")) blocks.push({ type: "paragraph", text: joined.slice(1) });
      else if ((match = LINK.exec(joined))) blocks.push({ type: "link", text: match[1], url: match[2] });
      else if ((match = INTERACTIVE.exec(joined))) blocks.push({ type: "interactive", title: match[1].trim() });
      else blocks.push({ type: "paragraph", text: joined });
    }
    return blocks;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function render(blocks, target) {
    target.replaceChildren();
    for (const block of blocks) {
      if (block.type === "paragraph") target.append(element("p", block.text));
      else if (block.type === "list") {
        const list = element("ul");
        for (const item of block.items) list.append(element("li", item));
        target.append(list);
      } else if (block.type === "link") {
        const para = element("p", undefined, "lb-preview__link");
        if (safeUrl(block.url)) {
          const link = element("a", block.text);
          link.href = safeUrl(block.url);
          link.rel = "noopener";
          link.target = "_blank";
          para.append(link);
        } else if (block.url) {
          para.classList.add("lb-preview__stub");
          para.title = gettext("Readers will see this link without an address");
          para.append(
            block.text + " ",
            element(
              "strong",
              gettext("(address refused: use http, https, mailto or a path on this site)"),
            ),
          );
        } else {
          para.classList.add("lb-preview__stub");
          para.append(block.text + " ", element("strong", gettext("(link without address)")));
        }
        target.append(para);
      } else if (block.type === "interactive") {
        const label = interpolate(
          gettext("[Interactive graphic: %(title)s]"), { title: block.title }, true
        );
        target.append(element("p", label, "lb-preview__interactive"));
      }
    }
    if (!blocks.length) target.append(element("p", gettext("The body is empty.")));
  }

  document.addEventListener("DOMContentLoaded", function () {
    const body = document.getElementById("id_body");
    if (!body) return;
    const title = element(
      "p",
      gettext("Live preview (text only; pictures appear in the preview below after saving)"),
      "lb-live-preview-title",
    );
    const target = element("div", undefined, "lb-preview");
    target.id = "lb-live-preview";
    const wrapper = document.createElement("div");
    wrapper.className = "form-row";
    wrapper.append(title, target);
    (body.closest(".form-row") || body).after(wrapper);
    // The server renders the whole grammar (inline links, emphasis, quotes, embeds) with the one
    // parser, liveblog/body.py; this script's own rendering shows at once while it answers.
    const config = document.getElementById("lb-body-preview-url");
    const token = document.querySelector("[name=csrfmiddlewaretoken]");
    let timer = null;
    async function fromServer() {
      if (!config || !token) return;
      const typed = body.value;
      const data = new FormData();
      data.append("body", typed);
      try {
        const response = await fetch(JSON.parse(config.textContent), {
          method: "POST",
          body: data,
          headers: { "X-CSRFToken": token.value },
          credentials: "same-origin",
        });
        // Only while the text is still the one sent: a late answer must not undo newer typing.
        if (response.ok && body.value === typed) target.innerHTML = await response.text();
      } catch (error) {
        // The local rendering stays.
      }
    }
    const update = () => {
      render(parse(body.value), target);
      window.clearTimeout(timer);
      timer = window.setTimeout(fromServer, 300);
    };
    body.addEventListener("input", update);
    update();
  });
})();
