// The live desk (liveblog/desk/views.py): posting from the composer, the photo in one step, the
// preview, the stream that follows colleagues' work (a poll that slows down while nothing
// changes and stops in a hidden tab), the approval queue, one-click labels, editing in place
// with the version check and a public correction, presence, and autosave. Every sentence shown
// comes from the page (#desk-strings): none here.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("desk-config").textContent);
  const strings = JSON.parse(document.getElementById("desk-strings").textContent);
  const form = document.getElementById("desk-composer");
  const status = document.getElementById("desk-status");
  const streamBox = document.getElementById("desk-stream");
  const olderBox = document.getElementById("desk-older");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  // One editor's unsaved composer per blog: the next person to sign in at this browser never
  // gets it (and logging out clears the site's storage: Clear-Site-Data).
  const storageKey = "liveblog-desk:" + config.user + ":" + config.blog;
  const saved = ["headline", "body", "alt_text", "caption", "credit", "photo_position",
    "publish_at", "existing_image", "is_key_event", "is_pinned", "is_file_photo"];
  // What Ctrl+Enter does: publish for editors, submit for contributors.
  const primary = document.getElementById("desk-submit") ? "submit" : "publish";
  const photoBox = document.getElementById("desk-photo");
  const queueCount = document.getElementById("desk-queue-count");

  // A sentence from the page with its %(name)s placeholders filled in.
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
  }

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("desk-status--error", Boolean(isError));
  }

  function post(url, data) {
    const body = data instanceof FormData ? data : new FormData();
    if (!(data instanceof FormData)) {
      for (const [key, value] of Object.entries(data || {})) body.append(key, value);
    }
    return fetch(url, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      credentials: "same-origin",
    });
  }

  async function answer(response) {
    try {
      return await response.json();
    } catch (error) {
      return { ok: false, errors: { __all__: [strings.failed] } };
    }
  }

  // --- autosave: what is typed survives a reload or a crashed tab ------------------------------
  let saveTimer = null;
  function autosave() {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(function () {
      const state = {};
      for (const name of saved) {
        const field = form.elements[name];
        if (!field) continue;
        state[name] = field.type === "checkbox" ? field.checked : field.value;
      }
      try {
        window.localStorage.setItem(storageKey, JSON.stringify(state));
      } catch (error) {
        // Storage full or refused: nothing to do but keep the text in the page.
      }
    }, 250);
  }

  function restore() {
    let state = null;
    try {
      state = JSON.parse(window.localStorage.getItem(storageKey) || "null");
    } catch (error) {
      state = null;
    }
    if (!state) return;
    let any = false;
    for (const name of saved) {
      const field = form.elements[name];
      if (!(name in state) || !field) continue;
      if (field.type === "checkbox") field.checked = Boolean(state[name]);
      else field.value = state[name];
      any = any || (field.type !== "checkbox" && name !== "photo_position" && state[name]);
    }
    if (state.existing_image) showChosen(state.existing_image, state.chosen_alt || "");
    if (state.existing_image || state.alt_text || state.caption || state.credit) openPhoto();
    if (any) say(strings.restored);
  }

  function forget() {
    window.clearTimeout(saveTimer);
    try {
      window.localStorage.removeItem(storageKey);
    } catch (error) {
      // nothing kept
    }
  }

  form.addEventListener("input", autosave);
  form.addEventListener("change", autosave);

  // --- errors next to their fields --------------------------------------------------------------
  function clearErrors() {
    for (const box of form.querySelectorAll("[data-errors-for]")) box.replaceChildren();
    for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  }

  function showErrors(errors) {
    clearErrors();
    for (const [name, messages] of Object.entries(errors || {})) {
      let box = form.querySelector('[data-errors-for="' + name + '"]');
      if (!box) box = form.querySelector('[data-errors-for="__all__"]');
      // An error inside the closed photo section opens it.
      const section = box.closest("details");
      if (section) section.open = true;
      for (const message of messages) {
        const line = document.createElement("p");
        line.textContent = message;
        box.append(line);
      }
      const field = form.elements[name];
      if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
    }
    const first = form.querySelector("[aria-invalid]");
    if (first) first.focus();
  }

  // --- posting ----------------------------------------------------------------------------------
  let sending = false;
  async function send(action) {
    if (sending) return;
    if (!photoFits()) return;
    sending = true;
    const data = new FormData(form);
    data.set("action", action);
    if (!form.elements.photo.files.length) data.delete("photo");
    try {
      // Not form.action: the buttons named "action" shadow it.
      const response = await post(config.postUrl, data);
      const result = await answer(response);
      if (response.ok && result.ok) {
        forget();
        form.reset();
        clearChosen();
        dropName.textContent = "";
        photoBox.open = false;
        clearErrors();
        hidePreview();
        say(result.message);
        form.elements.headline.focus();
        refresh();
      } else {
        showErrors(result.errors);
        say(strings.failed, true);
      }
    } catch (error) {
      say(strings.offline, true);
    } finally {
      sending = false;
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const submitter = event.submitter;
    send(submitter && submitter.value ? submitter.value : "publish");
  });

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      send(primary);
    } else if (event.target === form.elements.headline) {
      // Enter after the headline goes on to the body; it does not publish a half-written update.
      event.preventDefault();
      form.elements.body.focus();
    }
  });

  // --- the photo: drop or choose, or one from the library ---------------------------------------
  const drop = document.getElementById("desk-drop");
  const fileInput = form.elements.photo;
  const dropName = document.createElement("p");
  dropName.className = "desk-drop__name";
  drop.append(dropName);

  function openPhoto() {
    photoBox.open = true;
  }

  // A picture over the limit is refused here, naming the limit, before anything is sent; the
  // server refuses it too (uploads.check_size) for callers without this script.
  function photoFits() {
    const file = fileInput.files.length ? fileInput.files[0] : null;
    if (!file || !config.maxImageBytes || file.size <= config.maxImageBytes) return true;
    const megabytes = (file.size / 1048576).toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    });
    fileInput.value = "";
    dropName.textContent = "";
    showErrors({ photo: [fill(strings.tooLarge, {
      size: fill(strings.megabytes, { size: megabytes }),
      max: config.maxImageSize,
    })] });
    openPhoto();
    say(strings.failed, true);
    return false;
  }

  function showFileName() {
    dropName.textContent = fileInput.files.length ? fileInput.files[0].name : "";
    if (fileInput.files.length) {
      clearChosen();
      openPhoto();
      if (photoFits()) clearErrors();
    }
  }
  fileInput.addEventListener("change", showFileName);
  // Dropping a picture anywhere on the composer (the body too) opens the photo section with it.
  form.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files")) {
      event.preventDefault();
    }
  });
  form.addEventListener("drop", function (event) {
    if (event.defaultPrevented || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    fileInput.files = event.dataTransfer.files;
    showFileName();
    form.elements.alt_text.focus();
  });
  drop.addEventListener("dragover", function (event) {
    event.preventDefault();
    drop.classList.add("desk-drop--over");
  });
  drop.addEventListener("dragleave", function () {
    drop.classList.remove("desk-drop--over");
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    drop.classList.remove("desk-drop--over");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      fileInput.files = event.dataTransfer.files;
      showFileName();
      form.elements.alt_text.focus();
    }
  });

  const search = document.getElementById("desk-library-q");
  const results = document.getElementById("desk-library-results");
  const chosen = document.getElementById("desk-library-chosen");
  let searchTimer = null;

  function showChosen(id, alt) {
    form.elements.existing_image.value = id;
    chosen.replaceChildren();
    const text = document.createElement("span");
    text.textContent = fill(strings.chosenImage, { alt: alt || "#" + id });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "desk-button";
    remove.textContent = strings.remove;
    remove.addEventListener("click", function () {
      clearChosen();
      autosave();
    });
    chosen.append(text, " ", remove);
    chosen.hidden = false;
  }

  function clearChosen() {
    form.elements.existing_image.value = "";
    chosen.hidden = true;
    chosen.replaceChildren();
  }

  search.addEventListener("input", function () {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(async function () {
      const query = search.value.trim();
      results.replaceChildren();
      if (!query) return;
      const response = await fetch(config.imagesUrl + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
      });
      const found = response.ok ? (await response.json()).results : [];
      if (!found.length) {
        const none = document.createElement("li");
        none.textContent = strings.noImages;
        results.append(none);
      }
      for (const image of found) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "desk-library__pick";
        if (image.thumbnail) {
          const thumb = document.createElement("img");
          thumb.src = image.thumbnail;
          thumb.alt = "";
          button.append(thumb);
        }
        button.append(image.alt + (image.credit ? " (" + image.credit + ")" : ""));
        button.addEventListener("click", function () {
          fileInput.value = "";
          dropName.textContent = "";
          showChosen(image.id, image.alt);
          openPhoto();
          results.replaceChildren();
          search.value = "";
          autosave();
          try {
            const state = JSON.parse(window.localStorage.getItem(storageKey) || "{}");
            state.chosen_alt = image.alt;
            window.localStorage.setItem(storageKey, JSON.stringify(state));
          } catch (error) {
            // not kept
          }
        });
        item.append(button);
        results.append(item);
      }
    }, 250);
  });

  // --- preview with the reader's template ------------------------------------------------------
  const preview = document.getElementById("desk-preview");
  const previewBody = document.getElementById("desk-preview-body");
  function hidePreview() {
    preview.hidden = true;
    previewBody.replaceChildren();
  }
  document.getElementById("desk-preview-button").addEventListener("click", async function () {
    const data = new FormData(form);
    data.delete("photo");
    if (fileInput.files.length) data.set("has_photo", "1");
    if (!data.get("headline") && !data.get("body")) {
      previewBody.textContent = strings.previewEmpty;
      preview.hidden = false;
      return;
    }
    const response = await post(config.previewUrl, data);
    if (!response.ok) {
      say(strings.failed, true);
      return;
    }
    previewBody.innerHTML = await response.text();
    preview.hidden = false;
  });

  // --- the stream: follows colleagues without disturbing what is typed -------------------------
  let pollTimer = null;
  let polling = false;
  let again = false;
  // Polls in a row that found nothing new (or failed): each waits half as long again as the
  // last, up to pollBackoff intervals. A change, a keystroke or a click starts again at one.
  let quiet = 0;

  function pollDelay() {
    const factor = Math.min(config.pollBackoff || 1, Math.pow(1.5, quiet));
    return config.pollSeconds * 1000 * factor;
  }

  function schedule(delay) {
    window.clearTimeout(pollTimer);
    // A hidden tab does not poll at all; it asks at once when it is shown again.
    pollTimer = document.hidden ? null : window.setTimeout(refresh, delay);
  }

  function wake() {
    if (quiet === 0) return;
    quiet = 0;
    if (!polling) schedule(pollDelay());
  }

  async function refresh() {
    if (polling) {
      // A change of ours may have landed after the poll under way was answered: ask once more.
      again = true;
      return;
    }
    if (document.hidden) {
      schedule(0);
      return;
    }
    polling = true;
    again = false;
    window.clearTimeout(pollTimer);
    try {
      const response = await fetch(config.streamUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "If-None-Match": streamBox.dataset.etag || "" },
      });
      if (response.status === 200) {
        const html = await response.text();
        streamBox.dataset.etag = response.headers.get("ETag") || "";
        replaceStream(html);
        quiet = 0;
      } else {
        quiet += 1;
      }
    } catch (error) {
      // Offline for a moment: the next poll tries again, later.
      quiet += 1;
    } finally {
      polling = false;
      document.documentElement.dataset.deskPollDelay = String(pollDelay());
      schedule(again ? 0 : pollDelay());
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      window.clearTimeout(pollTimer);
      pollTimer = null;
    } else {
      quiet = 0;
      refresh();
    }
  });
  document.addEventListener("keydown", wake);
  document.addEventListener("pointerdown", wake);

  function showQueueCount() {
    const queue = streamBox.querySelector("[data-queue-count]");
    if (queueCount) queueCount.textContent = queue ? queue.dataset.queueCount : "0";
  }

  function replaceStream(html) {
    const incoming = document.createElement("div");
    incoming.innerHTML = html;
    // Entries being edited keep their editor (and what is typed in it), even one gone from
    // this page of the stream (deleted by someone else, or pushed to the next page): it stays
    // on top, and saving it says which.
    for (const open of streamBox.querySelectorAll(".desk-entry[data-editing]")) {
      const fresh = incoming.querySelector("#" + open.id);
      if (!fresh) {
        incoming.prepend(open);
        continue;
      }
      fresh.replaceWith(open);
      const presence = fresh.querySelector("[data-presence]");
      const old = open.querySelector("[data-presence]");
      if (old) old.remove();
      if (presence) open.querySelector(".desk-entry__bar").insertBefore(presence, open.querySelector(".desk-entry__actions"));
    }
    if (olderBox.childElementCount) {
      for (const more of incoming.querySelectorAll(".desk-more")) more.remove();
    }
    streamBox.replaceChildren(...incoming.childNodes);
    showQueueCount();
  }

  async function more(button) {
    const response = await fetch(button.dataset.moreUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    button.closest(".desk-more").remove();
    olderBox.append(...holder.childNodes);
  }

  // --- one click each: verbs, edit in place ----------------------------------------------------
  async function verb(entry, name, data) {
    if (name === "delete" && !window.confirm(strings.confirmDelete)) return;
    const response = await post(entry.dataset.url + name + "/", data || {});
    const result = await answer(response);
    if (response.ok && result.ok) say(result.message);
    else say(Object.values(result.errors || {}).flat().join(" ") || strings.failed, true);
    refresh();
  }

  let heartbeat = null;
  function holdPresence(entry) {
    window.clearInterval(heartbeat);
    const every = Math.max(1, Math.floor(config.presenceSeconds / 3)) * 1000;
    heartbeat = window.setInterval(function () {
      if (!entry.isConnected) {
        window.clearInterval(heartbeat);
        return;
      }
      post(entry.dataset.url + "presence/", {});
    }, every);
  }

  function closeEditor(entry, release) {
    window.clearInterval(heartbeat);
    if (release) post(entry.dataset.url + "presence/", { release: "1" });
    delete entry.dataset.editing;
    const editor = entry.querySelector(".desk-entry__editor");
    editor.hidden = true;
    editor.replaceChildren();
    entry.querySelector(".desk-entry__view").hidden = false;
  }

  function field(tag, label, value, id) {
    const wrap = document.createElement("div");
    wrap.className = "desk-field";
    const caption = document.createElement("label");
    caption.textContent = label;
    caption.htmlFor = id;
    const input = document.createElement(tag);
    input.id = id;
    input.value = value;
    if (tag === "textarea") input.rows = 7;
    else input.type = "text";
    wrap.append(caption, input);
    return [wrap, input];
  }

  function button(label, primary) {
    const node = document.createElement("button");
    node.type = "button";
    node.className = primary ? "button default" : "button";
    node.textContent = label;
    return node;
  }

  async function edit(entry) {
    const response = await fetch(entry.dataset.url, { credentials: "same-origin" });
    if (!response.ok) return;
    const current = await response.json();
    openEditor(entry, current);
    holdPresence(entry);
  }

  // The editor's optional parts: the label's note and a public correction (editors), the full
  // form one click away, "Save and publish" for an entry waiting for approval.
  function openEditor(entry, current) {
    const id = entry.dataset.entryId;
    const editor = entry.querySelector(".desk-entry__editor");
    editor.replaceChildren();
    entry.dataset.editing = "1";
    const [headlineWrap, headlineInput] = field("input", strings.headline, current.headline, "edit-headline-" + id);
    const [bodyWrap, bodyInput] = field("textarea", strings.body, current.body, "edit-body-" + id);
    editor.append(headlineWrap, bodyWrap);
    const extras = {};
    if (current.verification_note !== null && current.verification_note !== undefined) {
      const [wrap, input] = field("input", strings.labelNote, current.verification_note, "edit-label-note-" + id);
      editor.append(wrap);
      extras.verification_note = input;
    }
    if (current.may_correct) {
      const [wrap, input] = field("textarea", strings.correction, "", "edit-correction-" + id);
      input.rows = 2;
      editor.append(wrap);
      extras.correction = input;
    }
    const errors = document.createElement("div");
    errors.className = "desk-errors";
    errors.setAttribute("role", "alert");
    const save = button(strings.save, !current.may_approve && !current.may_submit);
    const cancel = button(strings.cancel, false);
    const actions = document.createElement("div");
    actions.className = "desk-actions";
    if (current.may_approve || current.may_submit) {
      // One action: the fix and the entry's next step (an editor publishes, a contributor
      // sends it back to the queue).
      const next = button(current.may_approve ? strings.saveAndPublish : strings.saveAndSubmit, true);
      actions.append(next);
      next.addEventListener("click", function () {
        const more = Object.assign(values(extras), current.may_submit ? { submit: "1" } : {});
        saveEdit(entry, headlineInput.value, bodyInput.value, current.version, errors, more, current.may_approve);
      });
    }
    actions.append(save, cancel);
    if (current.form_url) {
      const full = document.createElement("a");
      full.href = current.form_url;
      full.className = "desk-full-form";
      full.textContent = strings.fullForm;
      actions.append(full);
    }
    editor.append(errors, actions);
    editor.hidden = false;
    entry.querySelector(".desk-entry__view").hidden = true;
    headlineInput.focus();
    cancel.addEventListener("click", function () {
      closeEditor(entry, true);
    });
    save.addEventListener("click", function () {
      saveEdit(entry, headlineInput.value, bodyInput.value, current.version, errors, values(extras), false);
    });
  }

  function values(inputs) {
    const found = {};
    for (const [name, input] of Object.entries(inputs)) found[name] = input.value;
    return found;
  }

  async function saveEdit(entry, headline, body, version, errors, extras, approve) {
    let response;
    const data = Object.assign({ headline: headline, body: body, loaded_version: version }, extras || {});
    if (approve) data.approve = "1";
    try {
      response = await post(entry.dataset.url, data);
    } catch (error) {
      errors.textContent = strings.offline;
      return;
    }
    const result = await answer(response);
    if (response.ok && result.ok) {
      closeEditor(entry, false);
      say(result.message);
      streamBox.dataset.etag = "";
      refresh();
    } else if (response.status === 409 && result.conflict) {
      showConflict(entry, result, extras || {}, approve);
    } else {
      errors.textContent = Object.values(result.errors || {}).flat().join(" ") || strings.failed;
    }
  }

  function showConflict(entry, result, extras, approve) {
    const id = entry.dataset.entryId;
    const editor = entry.querySelector(".desk-entry__editor");
    editor.replaceChildren();
    const note = document.createElement("p");
    note.className = "desk-conflict__note";
    note.setAttribute("role", "alert");
    // Names who saved the other version (the server read it from the entry's history).
    note.textContent = fill(strings.conflict, { who: result.who });
    const columns = document.createElement("div");
    columns.className = "desk-conflict";
    const theirs = document.createElement("section");
    theirs.className = "desk-conflict__theirs";
    const theirsTitle = document.createElement("h4");
    theirsTitle.textContent = strings.theirs;
    const [theirHeadWrap, theirHead] = field("input", strings.headline, result.theirs.headline, "theirs-headline-" + id);
    const [theirBodyWrap, theirBody] = field("textarea", strings.body, result.theirs.body, "theirs-body-" + id);
    theirHead.readOnly = true;
    theirBody.readOnly = true;
    theirs.append(theirsTitle, theirHeadWrap, theirBodyWrap);
    const mine = document.createElement("section");
    mine.className = "desk-conflict__mine";
    const mineTitle = document.createElement("h4");
    mineTitle.textContent = strings.yours;
    const [myHeadWrap, myHead] = field("input", strings.headline, result.mine.headline, "mine-headline-" + id);
    const [myBodyWrap, myBody] = field("textarea", strings.body, result.mine.body, "mine-body-" + id);
    mine.append(mineTitle, myHeadWrap, myBodyWrap);
    columns.append(theirs, mine);
    const errors = document.createElement("div");
    errors.className = "desk-errors";
    const keep = button(strings.keepTheirs, false);
    const saveMine = button(strings.saveMine, true);
    const actions = document.createElement("div");
    actions.className = "desk-actions";
    actions.append(saveMine, keep);
    editor.append(note, columns, errors, actions);
    keep.addEventListener("click", function () {
      closeEditor(entry, true);
      streamBox.dataset.etag = "";
      refresh();
    });
    saveMine.addEventListener("click", function () {
      saveEdit(entry, myHead.value, myBody.value, result.theirs.version, errors, extras, approve);
    });
    myBody.focus();
  }

  // --- the approval queue: schedule or return with a note, in the entry ------------------------
  function review(entry, kind) {
    const id = entry.dataset.entryId;
    const panel = entry.querySelector(".desk-entry__review");
    panel.replaceChildren();
    entry.dataset.editing = "1";
    const returning = kind === "return";
    const [wrap, input] = returning
      ? field("textarea", strings.returnNote, "", "review-note-" + id)
      : field("input", strings.scheduleFor, "", "review-time-" + id);
    if (returning) input.rows = 3;
    else input.type = "datetime-local";
    const errors = document.createElement("div");
    errors.className = "desk-errors";
    errors.setAttribute("role", "alert");
    const go = button(returning ? strings.sendBack : strings.schedule, true);
    const cancel = button(strings.cancel, false);
    const actions = document.createElement("div");
    actions.className = "desk-actions";
    actions.append(go, cancel);
    panel.append(wrap, errors, actions);
    panel.hidden = false;
    input.focus();
    function close() {
      delete entry.dataset.editing;
      panel.hidden = true;
      panel.replaceChildren();
    }
    cancel.addEventListener("click", close);
    go.addEventListener("click", async function () {
      const data = returning ? { note: input.value } : { publish_at: input.value };
      let response;
      try {
        response = await post(entry.dataset.url + (returning ? "return" : "approve") + "/", data);
      } catch (error) {
        errors.textContent = strings.offline;
        return;
      }
      const result = await answer(response);
      if (response.ok && result.ok) {
        close();
        say(result.message);
        streamBox.dataset.etag = "";
        refresh();
      } else {
        errors.textContent = Object.values(result.errors || {}).flat().join(" ") || strings.failed;
      }
    });
  }

  function onStreamClick(event) {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.moreUrl) {
      more(target);
      return;
    }
    const entry = target.closest(".desk-entry");
    if (!entry) return;
    if (target.dataset.verb === "verify") verb(entry, "verify", { verification: target.dataset.verification });
    else if (target.dataset.verb) verb(entry, target.dataset.verb);
    else if (target.dataset.review) review(entry, target.dataset.review);
    else if ("edit" in target.dataset) edit(entry);
  }
  streamBox.addEventListener("click", onStreamClick);
  olderBox.addEventListener("click", onStreamClick);

  // A closed tab frees the entries it had open at once, rather than when the note times out.
  window.addEventListener("pagehide", function () {
    for (const open of document.querySelectorAll(".desk-entry[data-editing]")) {
      const data = new FormData();
      data.append("release", "1");
      data.append("csrfmiddlewaretoken", csrf);
      navigator.sendBeacon(open.dataset.url + "presence/", data);
    }
  });

  restore();
  showQueueCount();
  schedule(config.pollSeconds * 1000);
  document.documentElement.dataset.deskReady = "1";
})();
