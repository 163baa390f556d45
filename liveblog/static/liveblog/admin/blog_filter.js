// Entry changelist: choosing a blog in the autocomplete filter shows that blog's entries.
"use strict";
window.addEventListener("load", function () {
  const $ = window.django && window.django.jQuery;
  if (!$) return;
  $(".lb-blog-filter").on("change", function () {
    if (!this.value) return;
    const url = new URL(window.location.href);
    url.searchParams.set(this.dataset.queryParam, this.value);
    url.searchParams.delete("p");
    window.location.assign(url.toString());
  });
});
