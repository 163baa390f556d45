"""The live desk's page and partials, inside the admin (its look, its login, its permissions).

Every write goes through the model verbs in one transaction; every read of entries through
`EntryQuerySet.visible_to()` (editors see drafts and scheduled entries too). Answers are HTML
partials rendered with the reader's own templates, or small JSON documents for the script
(liveblog/static/liveblog/admin/desk.js), with errors named by field and never a 500.
"""

import functools

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from liveblog import body as body_markup
from liveblog import freshness, renditions, stream
from liveblog.api.permissions import images_for
from liveblog.desk import presence
from liveblog.desk.forms import DRAFT, PUBLISH, SCHEDULE, ComposerForm, DeskEditForm
from liveblog.models import Blog, Caption, Entry, Image

# How many pictures an image search offers.
IMAGE_RESULTS = 8


def desk_view(permission: str = "change_entry"):
    """An admin view of one blog's desk: staff login (anonymous callers go to the login page),
    then the Editors' entry permission (403 without it). Passes the blog, read with its state."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, blog_id: int, *args, **kwargs):
            if not request.user.has_perm(f"liveblog.{permission}"):
                raise PermissionDenied(_("You may not use the live desk."))
            blog = get_object_or_404(freshness.with_overdue(Blog.objects.all()), pk=blog_id)
            # Announces scheduled entries that fell due, so the desk shows them published.
            freshness.state_of(blog)
            return view(request, blog, *args, **kwargs)

        return admin.site.admin_view(wrapped)

    return decorator


def urls() -> list:
    """The desk's URLs, mounted under each blog's admin page by BlogAdmin.get_urls()."""
    entry = "<int:blog_id>/desk/entries/<int:entry_id>/"
    return [
        path("<int:blog_id>/desk/", desk, name="liveblog_blog_desk"),
        path("<int:blog_id>/desk/stream/", desk_stream, name="liveblog_blog_desk_stream"),
        path("<int:blog_id>/desk/post/", desk_post, name="liveblog_blog_desk_post"),
        path("<int:blog_id>/desk/preview/", desk_preview, name="liveblog_blog_desk_preview"),
        path("<int:blog_id>/desk/images/", desk_images, name="liveblog_blog_desk_images"),
        path(entry, desk_entry, name="liveblog_blog_desk_entry"),
        path(f"{entry}presence/", desk_presence, name="liveblog_blog_desk_presence"),
        path(f"{entry}<slug:verb>/", desk_verb, name="liveblog_blog_desk_verb"),
    ]


# --- the stream ---------------------------------------------------------------------------------


def stream_context(request: HttpRequest, blog: Blog, cursor, editing: dict[int, list[str]]) -> dict:
    """What the desk's stream shows: on the first page, the entries readers do not see yet
    (drafts and scheduled entries, newest first) above the reader's first page; later pages
    continue the reader's stream after `cursor` (stream.entry_page, as the reader pages).

    Queries, whatever the blog's size: waiting entries, one page of the stream (both on
    indexes, LIMITed), then captions+images, authors and corrections for both at once (5).
    """
    waiting = []
    if cursor is None:
        waiting = list(Entry.objects.for_blog(blog).waiting()[: settings.LIVEBLOG_PAGE_SIZE])
    page = stream.entry_page(blog, stream.Listing(cursor=cursor), beside=waiting)
    for entry in waiting + page.entries:
        entry.editing_now = editing.get(entry.pk, [])
    more_url = ""
    if page.next is not None:
        more_url = reverse("admin:liveblog_blog_desk_stream", args=[blog.pk])
        more_url += f"?before={page.next}"
    return {
        "blog": blog,
        "waiting": waiting,
        "entries": page.entries,
        "is_first": cursor is None,
        "more_url": more_url,
        "can_delete": request.user.has_perm("liveblog.delete_entry"),
    }


def stream_etag(request: HttpRequest, blog: Blog, cursor, editing: dict[int, list[str]]) -> str:
    """Changes only when what the desk's stream shows could: the blog's state version (every
    change of its entries, readers' and editors' alike), who is editing what (`editing`, read
    once per request with the stream it describes, so the tag always names what was sent),
    who asks and which page. No query."""
    return freshness.digest_etag(
        "desk",
        blog.pk,
        blog.state_version,
        sorted(editing.items()),
        request.user.pk,
        str(cursor or ""),
    )


@desk_view()
@require_safe
def desk(request: HttpRequest, blog: Blog) -> HttpResponse:
    """The desk: composer on top, the stream below (its first page rendered in).

    Queries: session, user, permissions (2), blog with state, co-author choices, the stream
    (5): the same for a blog of 20 entries and of 50,000.
    """
    with timezone.override(blog.zone):
        form = ComposerForm()
    field = form.fields["co_authors"]
    editing = presence.editors(blog.pk, besides=request.user)
    context = {
        **admin.site.each_context(request),
        **stream_context(request, blog, None, editing),
        "title": _("Live desk: %(blog)s") % {"blog": blog.title},
        "subtitle": None,
        "opts": Blog._meta,
        "original": blog,
        "has_view_permission": True,
        "form": form,
        # Everyone but the author, by full name (one query).
        "co_authors": [
            (user.pk, field.label_from_instance(user))
            for user in field.queryset
            if user.pk != request.user.pk
        ],
        "zone_name": blog.time_zone,
        "stream_etag": stream_etag(request, blog, None, editing),
        "desk_config": {
            "blog": blog.pk,
            "user": request.user.pk,
            "pollSeconds": settings.LIVEBLOG_DESK_POLL_SECONDS,
            "presenceSeconds": settings.LIVEBLOG_DESK_PRESENCE_SECONDS,
            "streamUrl": reverse("admin:liveblog_blog_desk_stream", args=[blog.pk]),
            "postUrl": reverse("admin:liveblog_blog_desk_post", args=[blog.pk]),
            "previewUrl": reverse("admin:liveblog_blog_desk_preview", args=[blog.pk]),
            "imagesUrl": reverse("admin:liveblog_blog_desk_images", args=[blog.pk]),
        },
        "desk_strings": desk_strings(),
    }
    return render(request, "admin/liveblog/desk/desk.html", context)


def desk_strings() -> dict[str, str]:
    """Every sentence desk.js shows, translated here (the script holds no English)."""
    return {
        "published": _("Published."),
        "saved": _("Saved as a draft."),
        "scheduled": _("Scheduled."),
        "failed": _("Not saved: your text is still here. Check the messages and try again."),
        "offline": _("Not saved: the server could not be reached. Your text is still here."),
        "restored": _("Restored what you were writing before the page was reloaded."),
        "confirmDelete": _("Delete this entry? Readers lose it at once; this cannot be undone."),
        "conflict": _(
            "Someone else changed this entry after you opened it. Compare the two versions, "
            "then keep theirs, or edit yours (copy from theirs to merge) and save it."
        ),
        "theirs": _("Their version (saved)"),
        "yours": _("Your version (not saved)"),
        "keepTheirs": _("Keep theirs"),
        "saveMine": _("Save mine"),
        "save": _("Save"),
        "cancel": _("Cancel"),
        "headline": _("Headline"),
        "body": _("Body"),
        "edited": _("Saved."),
        "noImages": _("No picture matches."),
        "chosenImage": _("Using the picture: %(alt)s"),
        "remove": _("Remove"),
        "previewEmpty": _("Type a headline or body to see the preview."),
    }


@desk_view()
@require_safe
def desk_stream(request: HttpRequest, blog: Blog) -> HttpResponse:
    """The stream as an HTML partial, polled by the desk: 304 while nothing it shows changed.
    `?before=` gives the next page of older entries."""
    cursor = stream.Cursor.parse(request.GET.get("before"))
    editing = presence.editors(blog.pk, besides=request.user)
    validators = freshness.Validators(
        stream_etag(request, blog, cursor, editing), None, freshness.PRIVATE
    )
    template = "admin/liveblog/desk/_stream.html"
    return freshness.respond(
        request,
        validators,
        lambda: render(request, template, stream_context(request, blog, cursor, editing)),
    )


# --- writing ------------------------------------------------------------------------------------


def form_errors(form) -> dict:
    """{field: [messages]} for the script, "__all__" for the form's own."""
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def refused(errors: dict, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "errors": errors}, status=status)


def as_messages(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return {"__all__": [str(message) for message in error.messages]}


@desk_view("add_entry")
@require_POST
def desk_post(request: HttpRequest, blog: Blog) -> JsonResponse:
    """A new entry from the composer, with its picture (a new Image and its Caption, or a
    Caption of a picture from the library) in the same transaction: all of it or nothing."""
    with timezone.override(blog.zone):
        form = ComposerForm(request.POST, request.FILES)
        # A picture from the library: one this editor may see (images_for, as in the API).
        form.fields["existing_image"].queryset = images_for(request)
        valid = form.is_valid()
    if not valid:
        return refused(form_errors(form))
    data = form.cleaned_data
    image = None
    try:
        with transaction.atomic():
            entry = Entry(
                blog=blog,
                headline=data["headline"],
                body=data["body"],
                is_key_event=data["is_key_event"],
            )
            entry.save()
            entry.authors.set([request.user, *data["co_authors"]])
            if form.has_picture:
                image = data["existing_image"]
                if image is None:
                    image = Image(
                        file=data["photo"],
                        alt_text=data["alt_text"].strip(),
                        credit=data["credit"].strip(),
                        is_file_photo=data["is_file_photo"],
                    )
                    image.save()
                Caption(
                    blog=blog,
                    entry=entry,
                    image=image,
                    text=data["caption"].strip(),
                    position=form.picture_position(),
                ).save()
            if data["is_pinned"]:
                entry.pin()
            if data["action"] == PUBLISH:
                entry.publish()
            elif data["action"] == SCHEDULE:
                entry.schedule(form.schedule_time())
    except ValidationError as error:
        if image is not None and data.get("photo") and image.file:
            image.file.delete(save=False)  # the row is rolled back; so is its file
        return refused(as_messages(error))
    messages = {PUBLISH: _("Published."), DRAFT: _("Saved as a draft."), SCHEDULE: _("Scheduled.")}
    return JsonResponse(
        {"ok": True, "id": entry.pk, "message": messages[data["action"]]}, status=201
    )


def small_number(value: str | None, default: int = 1) -> int:
    """A whole number a preview may use (ASCII digits, a few of them), else `default`."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else default


@desk_view()
@require_POST
def desk_preview(request: HttpRequest, blog: Blog) -> HttpResponse:
    """The composer's content rendered with the reader's entry template, saving nothing.
    A chosen picture shows as its alt text and caption (the file is not uploaded yet)."""
    headline = request.POST.get("headline", "")[:300]
    text = body_markup.normalise(request.POST.get("body", ""))
    entry = Entry(
        pk=0,  # never saved: no entry has id 0, so its related managers find nothing
        blog=blog,
        headline=headline,
        body=text,
        is_key_event=request.POST.get("is_key_event") in ("on", "true", "1"),
        published_at=timezone.now(),
    )
    blocks = body_markup.parse(text)
    authors = [request.user]
    entry._prefetched_objects_cache = {"authors": authors, "corrections": []}
    placed = []
    if request.POST.get("has_photo") or request.POST.get("existing_image"):
        picture = Image(
            alt_text=request.POST.get("alt_text", ""),
            credit=request.POST.get("credit", ""),
            is_file_photo=request.POST.get("is_file_photo") in ("on", "true", "1"),
        )
        if existing := small_number(request.POST.get("existing_image"), default=0):
            picture = images_for(request).filter(pk=existing).first() or picture
        caption = Caption(image=picture, text=request.POST.get("caption", ""))
        position = small_number(request.POST.get("photo_position"))
        placed = [(position, {"type": "image", "caption_obj": caption})]
    entry.shown_blocks = body_markup.place_images(blocks, placed)
    entry.starts_day = False
    html = render_to_string(
        "liveblog/_entry.html",
        {"entry": entry, "blog": blog, "hide_permalink": True},
        request=request,
    )
    return HttpResponse(html)


@desk_view()
@require_GET
def desk_images(request: HttpRequest, blog: Blog) -> JsonResponse:
    """Pictures in the library matching every word of `q` in their alt text or credit: those
    this editor may see (images_for: without the image permissions, published ones only)."""
    images = images_for(request)
    words = request.GET.get("q", "").split()[:5]
    if not words:
        return JsonResponse({"results": []})
    for word in words:
        images = images.filter(Q(alt_text__icontains=word) | Q(credit__icontains=word))
    results = [
        {
            "id": image.pk,
            "alt": image.alt_text,
            "credit": image.credit,
            "file_photo": image.is_file_photo,
            "thumbnail": renditions.rendition_url(image, 320) if image.has_file else "",
        }
        for image in images[:IMAGE_RESULTS]
    ]
    return JsonResponse({"results": results})


def blog_entry(request: HttpRequest, blog: Blog, entry_id: int) -> Entry:
    entries = Entry.objects.visible_to(request.user).for_blog(blog)
    return get_object_or_404(entries, pk=entry_id)


@desk_view()
def desk_entry(request: HttpRequest, blog: Blog, entry_id: int) -> JsonResponse:
    """GET: the entry's text and version, to edit in place (and who else has it open).
    POST: save headline and body if nobody saved since `loaded_version` (the admin form's
    check); otherwise 409 with both versions, so the editor can choose or merge."""
    if request.method not in ("GET", "POST"):
        return JsonResponse({"ok": False}, status=405)
    entry = blog_entry(request, blog, entry_id)
    if request.method == "GET":
        presence.hold(blog.pk, entry.pk, request.user)
        others = presence.editors(blog.pk, besides=request.user).get(entry.pk, [])
        return JsonResponse(
            {
                "headline": entry.headline,
                "body": entry.body,
                "version": entry.version,
                "editing": others,
            }
        )
    loaded = request.POST.get("loaded_version", "")
    if freshness.version_precondition(loaded, entry.version) == "missing":
        return refused({"loaded_version": [_("Missing: reload the entry and edit it again.")]})
    with transaction.atomic():
        form = DeskEditForm(request.POST, instance=entry)
        if not form.is_valid():
            if form.conflict:
                current = Entry.objects.get(pk=entry.pk)
                return JsonResponse(
                    {
                        "ok": False,
                        "conflict": True,
                        "message": " ".join(str(m) for m in form.non_field_errors()),
                        "theirs": {
                            "headline": current.headline,
                            "body": current.body,
                            "version": current.version,
                        },
                        "mine": {
                            "headline": request.POST.get("headline", ""),
                            "body": request.POST.get("body", ""),
                        },
                    },
                    status=409,
                )
            return refused(form_errors(form))
        entry = form.save(commit=False)
        entry.save(update_fields=["headline", "body"])
    presence.release(blog.pk, entry.pk, request.user)
    return JsonResponse({"ok": True, "version": entry.version, "message": _("Saved.")})


@desk_view()
@require_POST
def desk_presence(request: HttpRequest, blog: Blog, entry_id: int) -> JsonResponse:
    """The editor's heartbeat while an entry is open (`release=1` when they close it)."""
    entry = blog_entry(request, blog, entry_id)
    if request.POST.get("release"):
        presence.release(blog.pk, entry.pk, request.user)
    else:
        presence.hold(blog.pk, entry.pk, request.user)
    others = presence.editors(blog.pk, besides=request.user).get(entry.pk, [])
    return JsonResponse({"ok": True, "editing": others})


# One click each: the verb, what the entry's history says, what the editor reads.
VERBS = {
    "publish": (Entry.publish, "Published (live desk)."),
    "unpublish": (Entry.unpublish, "Unpublished (live desk)."),
    "pin": (Entry.pin, "Pinned (live desk)."),
    "unpin": (Entry.unpin, "Unpinned (live desk)."),
    "key-event": (Entry.mark_key_event, "Marked as key event (live desk)."),
    "not-key-event": (lambda e: e.mark_key_event(False), "Unmarked as key event (live desk)."),
}


def verb_message(verb: str) -> str:
    return {
        "publish": _("Published."),
        "unpublish": _("Back to draft: readers no longer see it."),
        "pin": _("Pinned; the entry pinned before is unpinned."),
        "unpin": _("Unpinned."),
        "key-event": _("Marked as a key event."),
        "not-key-event": _("No longer a key event."),
        "delete": _("Deleted."),
    }[verb]


@desk_view()
@require_POST
def desk_verb(request: HttpRequest, blog: Blog, entry_id: int, verb: str) -> JsonResponse:
    """Pin, unpin, mark or unmark as key event, publish, unpublish or delete: one click each,
    each through its model verb."""
    if verb != "delete" and verb not in VERBS:
        raise Http404("No such action.")
    if verb == "delete" and not request.user.has_perm("liveblog.delete_entry"):
        raise PermissionDenied(_("You may not delete entries."))
    entry = blog_entry(request, blog, entry_id)
    try:
        with transaction.atomic():
            if verb == "delete":
                entry.delete()
            else:
                action, note = VERBS[verb]
                entry._change_reason = note
                action(entry)
    except ValidationError as error:
        return refused(as_messages(error))
    return JsonResponse({"ok": True, "message": verb_message(verb)})
