// The image form refuses a picture over the limit as soon as it is chosen, naming the limit
// and keeping everything typed (the server refuses it too, but a file far beyond the limit
// would never reach it). The sentences come from the field's data attributes (translated).
"use strict";
(function () {
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
  }

  for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
    input.addEventListener("change", function () {
      const old = input.parentNode.querySelector(".lb-upload-refused");
      if (old) old.remove();
      const file = input.files[0];
      if (!file || file.size <= Number(input.dataset.maxBytes)) return;
      const megabytes = (file.size / 1048576).toLocaleString(document.documentElement.lang || undefined, {
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      });
      const message = fill(input.dataset.tooLarge, { size: fill(input.dataset.megabytes, { size: megabytes }) });
      const note = document.createElement("p");
      note.className = "errornote lb-upload-refused";
      note.setAttribute("role", "alert");
      note.textContent = message;
      input.value = "";
      input.after(note);
    });
  }
})();
