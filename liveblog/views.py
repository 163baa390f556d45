"""Public pages: the blog index, a blog's stream, entry permalinks, live updates and search.

What a reader sees of a public blog is the same for every reader, so responses carry validators
from the blog's state (liveblog.freshness) and can be cached by a CDN. Editors' previews of draft
blogs are the one per-user response and are never cached.
"""

import functools

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from liveblog import embed, freshness, languages, search, stream, structured_data
from liveblog.distribution import teasers
from liveblog.freshness import BlogState
from liveblog.models import Blog, BlogStatus, Entry
from liveblog.public_reads import public_read
from liveblog.security import SearchThrottle

# A poller this far behind reloads the page rather than replaying a long history.
MAX_CHANGES = 100
SEARCH_MAX_LENGTH = 200


def reader_blog(
    request: HttpRequest, slug: str, *, allow_preview: bool = True, coverage: bool = False
) -> tuple[Blog, BlogState | None]:
    """The blog at `slug` and its state (None for an editor's preview of a draft). One query;
    with `coverage`, the times of its first and last timed entries come along in it."""
    blogs = Blog.objects.all()
    if coverage:
        blogs = stream.with_coverage(blogs)
    blog = get_object_or_404(freshness.with_overdue(blogs), slug=slug)
    # Who is asking matters for drafts only: reading request.user touches the session, and a
    # public page must not Vary on Cookie (a shared cache would keep one copy per reader).
    if not blog.is_public and not (allow_preview and blog.is_visible_to(request.user)):
        raise Http404("No such blog.")
    return blog, (freshness.state_of(blog) if blog.is_public else None)


def reader_view(kind: str, *, preview: bool = True, coverage: bool = False, params=()):
    """Serve a per-blog reader view through freshness.blog_response (304s, kept copies, the
    validators of the blog's state), built in the blog's language. The view gets the blog and
    its state (None for an editor's preview of a draft)."""
    load = functools.partial(reader_blog, allow_preview=preview, coverage=coverage)

    def decorator(view):
        @functools.wraps(view)
        def in_language(request: HttpRequest, blog: Blog, state, **kwargs) -> HttpResponse:
            with languages.for_blog(blog):
                return languages.mark(view(request, blog, state, **kwargs), blog.language)

        since = "since" if "since" in params else None
        serve = freshness.blog_response(kind, load=load, params=params, since_param=since)
        return serve(in_language)

    return decorator


# The query parameters of a stream listing (stream.Listing.from_query).
LISTING = ("order", "key_events", "before", "after")


class ForgivingPaginationMixin:
    """A page number past the last shows the last page (and one that is not a number the
    first) instead of a bare 404: such links come from old bookmarks and changed results."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class BlogListView(ForgivingPaginationMixin, ListView):
    """Live blogs first, then upcoming, then closed; most recently updated first within each;
    live ones with their latest updates (a teaser card).

    Queries: a count for the paginator, the page of blogs, the live ones' latest updates (3).
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        teasers.attach_latest(context["blogs"])  # live blogs' teaser cards: one query
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        freshness.page_policy().apply(response)
        return response


def stream_context(blog: Blog, page: stream.EntryPage) -> dict:
    """What the stream's templates need to link a listing to its neighbours."""
    listing = page.listing
    following = page.next_listing
    return {
        "blog": blog,
        "page": page,
        "listing": listing,
        "key_events_only": listing.key_events_only,
        "next_url": following.url(blog) if following else "",
        "next_fragment_url": following.url(blog, fragment=True) if following else "",
    }


@require_safe
@reader_view("page", coverage=True, params=LISTING)
def blog_detail(request: HttpRequest, blog: Blog, state: BlogState | None) -> HttpResponse:
    """A blog's page. Queries: blog with state and coverage, hero, key events, entries + 3
    prefetches (7)."""
    listing = stream.Listing.from_query(request.GET)
    page = stream.entry_page(blog, listing)
    hero = stream.hero_caption(blog)
    key_events = stream.key_event_links(blog)
    canonical_url = request.build_absolute_uri(blog.get_absolute_url())
    posting = structured_data.live_blog_posting(request, blog, page.entries, hero, key_events)
    first = listing.replace(cursor=None)
    context = {
        **stream_context(blog, page),
        "revision": blog.revision,
        # The live check's ETag for this state: the page's first poll is already conditional,
        # so a reader who arrives on an unchanged blog gets a 304 at once.
        "live_etag": state.etag("live") if state else "",
        "hero": hero,
        "key_events": key_events,
        "all_key_events_url": stream.all_key_events_url(blog),
        "on_page_ids": {entry.id for entry in page.entries},
        "is_preview": state is None,
        "poll_seconds": settings.LIVEBLOG_POLL_SECONDS,
        "canonical_url": canonical_url,
        "json_ld": structured_data.json_ld(posting),
        "latest_url": first.url(blog),
        "listing_query": first.query(),
        "all_url": first.replace(key_events_only=False).url(blog),
        "key_events_url": first.replace(key_events_only=True).url(blog),
        "newest_url": first.replace(oldest_first=False).url(blog),
        "oldest_url": first.replace(oldest_first=True).url(blog),
        "oembed_url": embed.oembed_url(request, canonical_url),
        "embed_code": embed.embed_code(request, blog) if state else "",
        "teaser_code": embed.teaser_code(request, blog) if state else "",
    }
    return render(request, "liveblog/blog_detail.html", context)


@require_safe
@reader_view("entries", preview=False, params=LISTING)
def entry_page_fragment(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    """The next page of entries as an HTML fragment, for loading more entries in place."""
    page = stream.entry_page(blog, stream.Listing.from_query(request.GET))
    return render(request, "liveblog/_entry_page.html", stream_context(blog, page))


def reader_entry(blog: Blog, pk: int) -> Entry:
    """One entry readers of the blog see, with what its template shows. Four queries."""
    entries = stream.with_display_data(stream.reader_entries(blog))
    (entry,) = stream.prepare([get_object_or_404(entries, pk=pk)], blog)
    return entry


@require_safe
@reader_view("entry")
def entry_detail(request: HttpRequest, blog: Blog, state: BlogState | None, pk: int):
    """An entry's permalink. Queries: blog with state, entry, then 3 prefetches (5)."""
    entry = reader_entry(blog, pk)
    canonical_url = request.build_absolute_uri(entry.get_absolute_url())
    in_blog = stream.locate(blog, entry, stream.Listing())
    context = {
        "blog": blog,
        "entry": entry,
        "is_preview": state is None,
        "canonical_url": canonical_url,
        "in_blog_url": f"{in_blog.url(blog)}#entry-{entry.id}",
        "description": " ".join(stream.plain_text(entry.shown_blocks).split())[:300],
        "first_image": next(
            (b["caption_obj"].image for b in entry.shown_blocks if b["type"] == "image"), None
        ),
        "json_ld": structured_data.json_ld(structured_data.entry_posting(request, entry)),
        "oembed_url": embed.oembed_url(request, canonical_url),
    }
    return render(request, "liveblog/entry_detail.html", context)


@require_safe
@reader_view("locate", preview=False, params=("order", "key_events"))
def entry_locate(request: HttpRequest, blog: Blog, state: BlogState, pk: int) -> HttpResponse:
    """Where an entry is in the stream, for a #entry-N link to an entry not on the page:
    {"url": the blog page starting with it, in the reader's order}. Queries: blog, entry (2)."""
    listing = stream.Listing.from_query(request.GET).replace(cursor=None)
    entry = get_object_or_404(
        stream.reader_entries(blog).only("id", "sort_key", "is_pinned", "is_key_event"), pk=pk
    )
    place = stream.locate(blog, entry, listing)
    return JsonResponse({"url": f"{place.url(blog)}#entry-{entry.id}"})


@public_read
@languages.language_neutral
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
    validators = live_validators(state, max(1, settings.LIVEBLOG_POLL_SECONDS // 3))
    return freshness.respond(
        request,
        validators,
        lambda: JsonResponse({"revision": state.revision, "status": state.status}),
    )


@functools.lru_cache(maxsize=512)
def live_validators(state: BlogState, max_age: int) -> freshness.Validators:
    """The live check's validators for a state: built once, not per poll."""
    return freshness.Validators(
        state.etag("live"), state.last_modified, freshness.live_policy(max_age)
    )


@require_safe
@reader_view("changes", preview=False, params=("since", "to"))
def blog_changes(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    """What changed after revision `since` (stream.changes): rendered entries to add or replace,
    ids to remove, and the blog's header (status, "last updated") as it now reads; the key
    events' list only when key events changed. A poller more than MAX_CHANGES behind reloads.

    The answer depends only on the query string and the blog's state, so it is cacheable like
    the check. Queries: blog with state, the changes, changed entries + 3 prefetches, and the
    key events when they changed (6-7).
    """
    since = stream.whole_number(request.GET.get("since"), name="since")
    head = {"revision": state.revision, "status": blog.status}
    if since > state.revision:
        return JsonResponse({**head, "reload": True})
    entries = stream.with_display_data(stream.reader_entries(blog))
    found = stream.changes(blog.pk, since, state.revision, limit=MAX_CHANGES, entries=entries)
    if found.has_more:
        return JsonResponse({**head, "reload": True})
    changed = stream.prepare(found.entries, blog)
    for entry in changed:
        # The page redraws date lines itself; an entry brings its own in case it is needed.
        entry.starts_day = entry.published_at is not None

    def piece(template: str, **extra) -> str:
        return render_to_string(template, {"blog": blog, **extra}, request).strip()

    answer = {
        **head,
        "entries": [
            {
                "id": entry.id,
                "key": entry.sort_key,
                "is_pinned": entry.is_pinned,
                "is_key_event": entry.is_key_event,
                "html": piece("liveblog/_entry.html", entry=entry),
            }
            for entry in changed
        ],
        "removed": found.removed,
        "title": piece("liveblog/_title.html"),
        "badge_html": piece("liveblog/_badge.html"),
        "status_html": piece("liveblog/_status.html"),
    }
    if found.key_events_changed:
        answer["key_events_html"] = piece(
            "liveblog/_key_events.html",
            key_events=stream.key_event_links(blog),
            all_key_events_url=stream.all_key_events_url(blog),
            on_page_ids=(),
        )
    return JsonResponse(answer)


# --- embedding -----------------------------------------------------------------------------------


@xframe_options_exempt
@require_safe
@reader_view("embed", preview=False)
def blog_embed(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    """The blog for partner sites' iframes: its latest entries, kept live, sized to its content.
    Framing is allowed here (frame-ancestors from LIVEBLOG_EMBED_ANCESTORS) and nowhere else.
    Queries: blog with state, entries + 3 prefetches (5)."""
    page = stream.entry_page(blog, stream.Listing())
    context = {
        **stream_context(blog, page),
        "revision": blog.revision,
        "live_etag": state.etag("live"),
        "poll_seconds": settings.LIVEBLOG_POLL_SECONDS,
        "page_size": settings.LIVEBLOG_PAGE_SIZE,
        "canonical_url": request.build_absolute_uri(blog.get_absolute_url()),
        "next_url": "",  # the full blog is one link away; the frame stays short
    }
    return embed.allow_framing(render(request, "liveblog/embed.html", context))


@xframe_options_exempt
@require_safe
@reader_view("entry-embed", preview=False)
def entry_embed(request: HttpRequest, blog: Blog, state: BlogState, pk: int) -> HttpResponse:
    """One entry for partner sites' iframes. Queries: blog with state, entry + 3 prefetches (5)."""
    entry = reader_entry(blog, pk)
    entry.starts_day = entry.published_at is not None
    context = {
        "blog": blog,
        "entry": entry,
        "canonical_url": request.build_absolute_uri(blog.get_absolute_url()),
    }
    return embed.allow_framing(render(request, "liveblog/entry_embed.html", context))


@require_safe
def oembed(request: HttpRequest) -> HttpResponse:
    """The oEmbed provider (oembed.com): ?url= a blog or entry address on this site. JSON only;
    other formats are 501, addresses naming nothing 404, bad sizes 400, as the spec says.
    Queries: blog with state, and the entry for an entry's address (1-2)."""
    try:
        target = embed.target(request)
    except embed.BadRequest as error:
        return JsonResponse({"detail": str(error)}, status=error.status)
    return oembed_document(request, target.slug, target=target)


@reader_view("oembed", preview=False, params=("url", "maxwidth", "maxheight", "format"))
def oembed_document(request: HttpRequest, blog: Blog, state: BlogState, target) -> HttpResponse:
    entry = None
    if target.entry_id is not None:
        entry = get_object_or_404(
            stream.reader_entries(blog).only("id", "headline", "blog_id"), pk=target.entry_id
        )
        entry.blog = blog
    return JsonResponse(embed.oembed_document(request, blog, entry, target))


class SearchView(ForgivingPaginationMixin, ListView):
    """Published entries matching ?q= (within one blog with ?blog=), newest first, with
    matching blogs above them, matches highlighted.

    The same answer for everyone, in the site's language (the blog's with ?blog=): kept for
    LIVEBLOG_SEARCH_CACHE_SECONDS per query, by the app and the edge alike. A search the cache
    cannot answer counts against the caller's LIVEBLOG_SEARCH_RATE (429 past it) and runs within
    `search.bounded()` (a page saying the search is too broad past its time); at most
    LIVEBLOG_SEARCH_MAX_MATCHES matches are counted.

    Queries: matching blogs, a count and the page of entries with their blogs (3); within one
    blog, the blog instead of the matching blogs (3); and the bounds (1, PostgreSQL only).
    """

    template_name = "liveblog/search.html"
    context_object_name = "entries"
    paginate_by = 20
    paginator_class = search.CappedPaginator

    def get_query(self) -> str:
        return " ".join(self.request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]

    def get(self, request, *args, **kwargs):
        self.blog = None
        if slug := request.GET.get("blog"):
            self.blog = get_object_or_404(Blog.objects.public(), slug=slug)
        language = self.blog.language if self.blog else settings.LANGUAGE_CODE
        seconds = settings.LIVEBLOG_SEARCH_CACHE_SECONDS
        key = self.cache_key()
        # The cache forgives an outage (liveblog.redis_cache): a miss, never an error.
        kept = cache.get(key) if seconds else None
        if kept is None:
            with translation.override(language):
                kept = self.answer(request, *args, **kwargs)
            if kept[0] == 429:
                response = HttpResponse(kept[1], status=429)
                response["Retry-After"] = str(kept[2])
                return languages.mark(freshness.no_store(response), language)
            if seconds:
                cache.set(key, kept, seconds)
        response = HttpResponse(kept[1], status=kept[0])
        patch_cache_control(response, public=True, max_age=seconds)
        return languages.mark(response, language)

    def cache_key(self) -> str:
        page = self.request.GET.get(self.page_kwarg, "")
        return search.cache_key(self.get_query(), self.blog.slug if self.blog else "", page)

    def answer(self, request, *args, **kwargs) -> tuple[int, bytes, int]:
        """(status, content, seconds to wait) of a search the cache did not have."""
        throttle = SearchThrottle()
        if not throttle.allow_request(request, self):
            wait = max(1, round(throttle.wait() or 1))
            context = {"refusal": "throttled", "search_blog": self.blog, "wait": wait}
            context["query"] = self.get_query()
            return 429, render(request, self.template_name, context).content, wait
        try:
            with search.bounded():
                response = super().get(request, *args, **kwargs)
                response.render()  # the queries run here, within the bounds
        except search.TooBroad:
            context = {"refusal": "too-broad", "search_blog": self.blog}
            context["query"] = self.get_query()
            response = render(request, self.template_name, context, status=422)
        return response.status_code, response.content, 0

    def get_queryset(self):
        return search.entries_matching(Entry.objects.published(), self.get_query(), self.blog)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.get_query()
        context["query"] = query
        context["search_blog"] = self.blog
        context["blogs"] = [] if self.blog else list(Blog.objects.public().search(query)[:10])
        for entry in context["entries"]:
            search.highlight(entry, query)
        return context
