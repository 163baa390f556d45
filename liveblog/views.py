"""Public pages: the blog index, a blog's stream, entry permalinks, live updates and search.

What a reader sees of a public blog is the same for every reader, so responses carry validators
from the blog's state (liveblog.freshness) and can be cached by a CDN. Editors' previews of draft
blogs are the one per-user response and are never cached.
"""

from django.conf import settings
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from liveblog import freshness, stream, structured_data
from liveblog.freshness import BlogState, cache_blog_response
from liveblog.models import Blog, BlogStatus, Entry, EntryRemoval

# A poller this far behind reloads the page rather than replaying a long history.
MAX_CHANGES = 100
SEARCH_MAX_LENGTH = 200


def reader_blog(
    request: HttpRequest, slug: str, *, allow_preview: bool = True
) -> tuple[Blog, BlogState | None]:
    """The blog at `slug` and its state (None for an editor's preview of a draft). One query."""
    blogs = Blog.objects.visible_to(request.user) if allow_preview else Blog.objects.public()
    blog = get_object_or_404(freshness.with_overdue(blogs), slug=slug)
    return blog, (freshness.state_of(blog) if blog.is_public else None)


def answer(
    request: HttpRequest, state: BlogState | None, kind: str, build, *, max_age: int = 0
) -> HttpResponse:
    """A public response stamped with the state's validators (304 when the caller's copy is
    current), or an editor's preview, never stored."""
    if state is None:
        return freshness.no_store(build())
    etag = state.etag(kind)
    response = freshness.not_modified(request, etag, state.last_modified) or build()
    return freshness.stamp(
        response, etag, state.last_modified, max_age=max_age or freshness.PAGE_MAX_AGE
    )


class BlogListView(ListView):
    """Live blogs first, then upcoming, then closed; most recently updated first within each.

    Queries: a count for the paginator and the page of blogs (2).
    """

    template_name = "liveblog/blog_list.html"
    context_object_name = "blogs"

    def get_paginate_by(self, queryset):
        return settings.LIVEBLOG_PAGE_SIZE

    def get_queryset(self):
        rank = Case(
            When(status=BlogStatus.LIVE, then=Value(0)),
            When(status=BlogStatus.UPCOMING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return Blog.objects.public().annotate(rank=rank).order_by("rank", "-changed_at", "-id")

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        patch_cache_control(
            response,
            public=True,
            max_age=freshness.PAGE_MAX_AGE,
            stale_while_revalidate=freshness.PAGE_STALE_WHILE_REVALIDATE,
        )
        return response


@cache_blog_response("page")
@require_safe
def blog_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A blog's page. Queries: blog with state, hero, key events, entries + 3 prefetches (7)."""
    blog, state = reader_blog(request, slug)
    key_events_only = request.GET.get("key_events") == "1"
    cursor = stream.Cursor.parse(request.GET.get("before"))

    def build() -> HttpResponse:
        page = stream.entry_page(blog, cursor=cursor, key_events_only=key_events_only)
        hero = stream.hero_caption(blog)
        posting = structured_data.live_blog_posting(request, blog, page.entries, hero)
        context = {
            "blog": blog,
            "revision": blog.revision,
            # The live check's ETag for this state: the page's first poll is already
            # conditional, so a reader who arrives on an unchanged blog gets a 304 at once.
            "live_etag": state.etag("live") if state else "",
            "hero": hero,
            "page": page,
            "key_events": stream.key_event_links(blog),
            "on_page_ids": {entry.id for entry in page.entries},
            "key_events_only": key_events_only,
            "is_preview": state is None,
            "poll_seconds": settings.LIVEBLOG_POLL_SECONDS,
            "canonical_url": request.build_absolute_uri(blog.get_absolute_url()),
            "json_ld": structured_data.json_ld(posting),
        }
        return render(request, "liveblog/blog_detail.html", context)

    return answer(request, state, "page", build)


@cache_blog_response("entries")
@require_safe
def entry_page_fragment(request: HttpRequest, slug: str) -> HttpResponse:
    """The next page of entries as an HTML fragment, for loading older entries in place."""
    blog, state = reader_blog(request, slug, allow_preview=False)
    key_events_only = request.GET.get("key_events") == "1"
    cursor = stream.Cursor.parse(request.GET.get("before"))

    def build() -> HttpResponse:
        page = stream.entry_page(blog, cursor=cursor, key_events_only=key_events_only)
        context = {"blog": blog, "page": page, "key_events_only": key_events_only}
        return render(request, "liveblog/_entry_page.html", context)

    return answer(request, state, "entries", build)


@cache_blog_response("entry")
@require_safe
def entry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An entry's permalink. Queries: blog with state, entry, then 3 prefetches (5)."""
    blog, state = reader_blog(request, slug)

    def build() -> HttpResponse:
        entries = stream.with_display_data(stream.reader_entries(blog))
        (entry,) = stream.prepare([get_object_or_404(entries, pk=pk)], blog)
        context = {
            "blog": blog,
            "entry": entry,
            "is_preview": state is None,
            "canonical_url": request.build_absolute_uri(entry.get_absolute_url()),
            "in_blog_url": f"{blog.get_absolute_url()}?before="
            f"{stream.Cursor.including(entry)}#entry-{entry.id}",
            "description": " ".join(stream.plain_text(entry.shown_blocks).split())[:300],
            "first_image": next(
                (b["caption_obj"].image for b in entry.shown_blocks if b["type"] == "image"), None
            ),
            "json_ld": structured_data.json_ld(structured_data.entry_posting(request, entry)),
        }
        return render(request, "liveblog/entry_detail.html", context)

    return answer(request, state, f"entry{pk}", build)


@require_safe
def blog_live(request: HttpRequest, slug: str) -> HttpResponse:
    """The live check: a tiny document every reader polls; 304 when nothing changed.

    Its URL is the same for everyone, so a CDN can answer it within the max-age. It is answered
    from the blog's state alone (`recent_state()`: at most one query, no ORM, no cache), as it
    is by far the most frequent request.
    """
    state = freshness.recent_state(slug)
    if state is None:
        raise Http404("No such blog.")
    headers = freshness.live_headers(state, max(1, settings.LIVEBLOG_POLL_SECONDS // 3))
    if freshness.not_modified(request, headers["ETag"], state.last_modified):
        return HttpResponseNotModified(headers=headers)
    return JsonResponse({"revision": state.revision, "status": state.status}, headers=headers)


@cache_blog_response("changes")
@require_safe
def blog_changes(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed after revision `since`: rendered entries to add or replace, ids to remove.

    The answer depends only on the query string and the blog's state, so it is cacheable like
    the check. Queries: blog with state, changed entries + 3 prefetches, removals, key events (7).
    """
    blog, state = reader_blog(request, slug, allow_preview=False)
    since = stream.whole_number(request.GET.get("since"), name="since")

    def build() -> HttpResponse:
        head = {"revision": state.revision, "status": blog.status}
        changed = Entry.objects.for_blog(blog).changed_since(since, state.revision)
        changed = stream.with_display_data(changed.order_by("revision"))[: MAX_CHANGES + 1]
        changed = stream.prepare(changed, blog)
        if len(changed) > MAX_CHANGES or since > state.revision:
            return JsonResponse({**head, "reload": True})
        shown = {entry.id for entry in changed}
        removals = EntryRemoval.objects.filter(blog=blog).since(since, state.revision)
        removed = [pk for pk in removals.values_list("entry_id", flat=True) if pk not in shown]
        context = {"blog": blog}
        return JsonResponse(
            {
                **head,
                "entries": [
                    {
                        "id": entry.id,
                        "key": entry.sort_key,
                        "is_pinned": entry.is_pinned,
                        "is_key_event": entry.is_key_event,
                        "html": render_to_string(
                            "liveblog/_entry.html", {**context, "entry": entry}, request
                        ),
                    }
                    for entry in changed
                ],
                "removed": list(dict.fromkeys(removed)),
                "key_events_html": render_to_string(
                    "liveblog/_key_events.html",
                    {**context, "key_events": stream.key_event_links(blog), "on_page_ids": ()},
                    request,
                ),
            }
        )

    return answer(request, state, "changes", build)


class SearchView(ListView):
    """Published entries matching ?q=, newest first, with matching blogs above them.

    Queries: matching blogs, a count and the page of entries with their blogs (3).
    """

    template_name = "liveblog/search.html"
    context_object_name = "entries"
    paginate_by = 20

    def get_query(self) -> str:
        return " ".join(self.request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]

    def get_queryset(self):
        return (
            Entry.objects.published()
            .search(self.get_query())
            .select_related("blog")
            # Untimed (imported) entries last on every database: PostgreSQL would put NULLs first.
            .order_by(F("published_at").desc(nulls_last=True), "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.get_query()
        context["query"] = query
        context["blogs"] = list(Blog.objects.public().search(query)[:10])
        for entry in context["entries"]:
            entry.snippet = stream.plain_text(entry.body_blocks)[:240]
        return context
