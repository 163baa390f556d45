"""The live desk's page and partials, inside the admin (its look, its login, its permissions).

Every write goes through the model verbs in one transaction; every read of entries through
`EntryQuerySet.visible_to()` (editors see drafts and scheduled entries too, contributors their
own). Who may do what is the team rule's (liveblog.teams.rules): contributors write, submit and
fix their own entries; editors approve, return, publish, pin, label and correct. Answers are HTML
partials rendered with the reader's own templates, or small JSON documents for the script
(liveblog/static/liveblog/admin/desk.js), with errors named by field and never a 500.
"""

import functools

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from liveblog import freshness, renditions, stream
from liveblog.api.permissions import images_for
from liveblog.desk import composer, presence, verbs
from liveblog.desk.forms import ComposerForm, desk_edit_form
from liveblog.desk.strings import desk_strings
from liveblog.forms import ENTRY_DELETED
from liveblog.models import Blog, Entry, EntryStatus, Verification
from liveblog.teams import rules
from liveblog.teams.models import Role

# The query parameter of an entry form opened from the desk ("Full form"): its Save comes
# back here (liveblog.admin.entries).
FROM_DESK = "_desk"

# How many pictures an image search offers.
IMAGE_RESULTS = 8


def desk_view(action: rules.Action = rules.Action.WRITE):
    """An admin view of one blog's desk: staff login (anonymous callers go to the login page),
    then the team rule: someone who writes for no blog gets 403, the blog must exist (404),
    and the user must be allowed `action` on it (403). Passes the blog, read with its state."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, blog_id: int, *args, **kwargs):
            if not rules.works_on_any(request.user):
                raise PermissionDenied(_("You may not use the live desk."))
            blog = get_object_or_404(freshness.with_overdue(Blog.objects.all()), pk=blog_id)
            if not rules.may(request.user, action, blog):
                raise PermissionDenied(_("You do not write for this blog."))
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
    """What the desk's stream shows: on the first page, the entries waiting for approval
    (longest waiting first) and those readers do not see yet (drafts and scheduled entries,
    newest first) above the reader's first page; later pages continue the reader's stream
    after `cursor` (stream.entry_page, as the reader pages). A contributor's lists hold their
    own entries (`visible_to()`).

    Queries, whatever the blog's size: the queue, waiting entries, one page of the stream (on
    indexes, LIMITed), then captions+images, authors and corrections for all at once (6), and
    the user's roles (once per request).
    """
    user = request.user
    queue, waiting = [], []
    if cursor is None:
        mine = Entry.objects.visible_to(user).for_blog(blog)
        queue = list(mine.submitted()[: settings.LIVEBLOG_DESK_QUEUE_SIZE])
        waiting = list(mine.waiting()[: settings.LIVEBLOG_PAGE_SIZE])
    page = stream.entry_page(blog, stream.Listing(cursor=cursor), beside=queue + waiting)
    publishes = rules.may(user, rules.Action.PUBLISH, blog)
    for entry in queue + waiting + page.entries:
        entry.editing_now = editing.get(entry.pk, [])
        # What this user's buttons may do to it (authors are prefetched: no query).
        entry.may_edit = rules.may_edit(user, entry)
        entry.may_delete = rules.may_delete(user, entry)
    more_url = ""
    if page.next is not None:
        more_url = reverse("admin:liveblog_blog_desk_stream", args=[blog.pk])
        more_url += f"?before={page.next}"
    return {
        "blog": blog,
        "queue": queue,
        "waiting": waiting,
        "entries": page.entries,
        "is_first": cursor is None,
        "more_url": more_url,
        "publishes": publishes,
        "labels": Verification.choices,
    }


def stream_etag(request: HttpRequest, blog: Blog, cursor, editing: dict[int, list[str]]) -> str:
    """Changes only when what the desk's stream shows could: the blog's state version (every
    change of its entries, readers' and editors' alike, and of its team), who is editing
    what (`editing`, read once per request with the stream it describes, so the tag always
    names what was sent), who asks and which page. No query."""
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
    shown = stream_context(request, blog, None, editing)
    # Newsroom editors work on every blog whatever their team role: no role to show.
    role = (
        None
        if rules.everywhere(request.user, rules.Action.PUBLISH)
        else rules.role_on(request.user, blog)
    )
    context = {
        **admin.site.each_context(request),
        **shown,
        "role": Role(role).label if role else "",
        "queue_count": len(shown["queue"]),
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
            # The poll slows down while nothing changes (up to this many times the interval)
            # and stops in a hidden tab; a photo over the limit is refused before it is sent.
            "pollBackoff": settings.LIVEBLOG_DESK_POLL_BACKOFF,
            "maxImageBytes": settings.LIVEBLOG_MAX_IMAGE_BYTES,
            "maxImageSize": filesizeformat(settings.LIVEBLOG_MAX_IMAGE_BYTES),
        },
        "desk_strings": desk_strings(),
    }
    return render(request, "admin/liveblog/desk/desk.html", context)


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


@desk_view()
@require_POST
def desk_post(request: HttpRequest, blog: Blog) -> JsonResponse:
    """A new entry from the composer, with its picture, all of it or nothing (composer.compose)."""
    with timezone.override(blog.zone):
        form = ComposerForm(request.POST, request.FILES)
        # A picture from the library: one this editor may see (images_for, as in the API).
        form.fields["existing_image"].queryset = images_for(request)
        valid = form.is_valid()
    if not valid:
        return refused(form_errors(form))
    try:
        entry = composer.compose(form, blog, request.user)
    except composer.Refused as refusal:
        return refused({refusal.field: [refusal.message]}, status=403)
    except ValidationError as error:
        return refused(as_messages(error))
    message = composer.MESSAGES[form.cleaned_data["action"]]
    return JsonResponse({"ok": True, "id": entry.pk, "message": str(message)}, status=201)


@desk_view()
@require_POST
def desk_preview(request: HttpRequest, blog: Blog) -> HttpResponse:
    """The composer's content rendered with the reader's entry template, saving nothing."""
    entry = composer.preview_entry(request.POST, blog, request.user, images_for(request))
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
    """An entry of the blog this user may see (404 otherwise), with the blog as read."""
    entries = Entry.objects.visible_to(request.user).for_blog(blog)
    entry = get_object_or_404(entries, pk=entry_id)
    entry.blog = blog
    return entry


def editable_entry(request: HttpRequest, blog: Blog, entry_id: int) -> Entry:
    """An entry of the blog this user may see (404 otherwise) and edit (403 otherwise)."""
    entry = blog_entry(request, blog, entry_id)
    if not rules.may_edit(request.user, entry):
        raise PermissionDenied(_("You may not change this entry."))
    return entry


@desk_view()
def desk_entry(request: HttpRequest, blog: Blog, entry_id: int) -> JsonResponse:
    """GET: the entry's text and version, to edit in place (and who else has it open), with
    what else this user may change there: the label's note and a public correction (editors,
    the correction once readers have the entry), and the full form's address.
    POST: save them if nobody saved since `loaded_version` (the admin form's check), and with
    `approve`, approve a submitted entry in the same write (a contributor's `submit`: submit
    their draft); otherwise 409 with both versions
    and who saved theirs, so the editor can choose or merge."""
    if request.method not in ("GET", "POST"):
        return JsonResponse({"ok": False}, status=405)
    try:
        entry = editable_entry(request, blog, entry_id)
    except Http404:
        if request.method == "POST" and not Entry.objects.filter(pk=entry_id).exists():
            # Deleted while this editor had it open: desk.js shows the sentence in the editor.
            return refused({NON_FIELD_ERRORS: [str(ENTRY_DELETED)]}, status=404)
        raise
    publishes = rules.may(request.user, rules.Action.PUBLISH, blog)
    if request.method == "GET":
        presence.hold(blog.pk, entry.pk, request.user)
        others = presence.editors(blog.pk, besides=request.user).get(entry.pk, [])
        form_url = reverse("admin:liveblog_entry_change", args=[entry.pk])
        return JsonResponse(
            {
                "headline": entry.headline,
                "body": entry.body,
                "version": entry.version,
                "editing": others,
                "verification_note": entry.verification_note if publishes else None,
                "may_correct": publishes and entry.status == EntryStatus.PUBLISHED,
                "may_approve": publishes and entry.status == EntryStatus.SUBMITTED,
                "may_submit": not publishes and entry.status == EntryStatus.DRAFT,
                "form_url": f"{form_url}?{FROM_DESK}=1",
            }
        )
    loaded = request.POST.get("loaded_version", "")
    if freshness.version_precondition(loaded, entry.version) == "missing":
        return refused({"loaded_version": [_("Missing: reload the entry and edit it again.")]})
    fields = ["headline", "body", *(["verification_note"] if publishes else [])]
    with transaction.atomic():
        form = desk_edit_form(fields)(request.POST, instance=entry)
        if not form.is_valid():
            if form.conflict:
                return conflict(request, form)
            # Deleted after this view found it: gone (404), as a reload would say.
            gone = form.has_error(NON_FIELD_ERRORS, "deleted")
            return refused(form_errors(form), status=404 if gone else 400)
        try:
            message = verbs.save_edit(
                form,
                fields,
                correction=request.POST.get("correction", "").strip() if publishes else "",
                approve=publishes and request.POST.get("approve") == "1",
                # A contributor's fix goes back to the queue in the same write.
                submit=not publishes and request.POST.get("submit") == "1",
                user=request.user,
            )
        except ValidationError as error:
            transaction.set_rollback(True)
            return refused(as_messages(error))
    presence.release(blog.pk, entry.pk, request.user)
    return JsonResponse({"ok": True, "version": form.instance.version, "message": message})


def conflict(request: HttpRequest, form) -> JsonResponse:
    """409: someone saved the entry after this editor opened it; both versions and who."""
    current = Entry.objects.get(pk=form.instance.pk)
    return JsonResponse(
        {
            "ok": False,
            "conflict": True,
            "who": form.conflict_by,
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


@desk_view()
@require_POST
def desk_verb(request: HttpRequest, blog: Blog, entry_id: int, verb: str) -> JsonResponse:
    """Pin, unpin, mark or unmark as key event, publish, unpublish, approve (now or at
    `publish_at`), return (with `note`), label (`verification`), submit or delete: one click
    each, each through its model verb and the team rule (liveblog.desk.verbs)."""
    if not verbs.exists(verb):
        raise Http404("No such action.")
    entry = blog_entry(request, blog, entry_id)
    if not verbs.allowed(request.user, entry, verb):
        raise PermissionDenied(_("Your role on this blog does not allow this."))
    try:
        message = verbs.run(verb, entry, request.POST)
    except ValidationError as error:
        return refused(as_messages(error))
    return JsonResponse({"ok": True, "message": message})
