"""Public pages: the blog index, a blog's stream, entry permalinks, live updates and search.

Everything a reader sees of a public blog is the same for every reader, so responses carry
validators derived from the blog's revision (see `BlogState`) and can be cached by a CDN.
Staff previews of draft blogs are the one per-user response and are never cached.
"""

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from liveblog import body as body_markup
from liveblog.caching import BlogStateKey, cache_blog_response, recent_blog_state
from liveblog.models import Blog, BlogStatus, Caption, Entry, EntryRemoval, EntryStatus

# Reader pages may be a little stale; pollers see changes within a poll interval anyway.
PAGE_MAX_AGE = 10
PAGE_STALE_WHILE_REVALIDATE = 60
# A poller this far behind reloads the page rather than replaying a long history.
MAX_CHANGES = 100
SEARCH_MAX_LENGTH = 200


# --- Blog state: the one place validators (ETag / Last-Modified) come from -------------------


def with_due_at(blogs):
    """Annotate `due_at`: the newest published_at already reached (one subquery, no extra query).

    Scheduled entries appear without any write when their time comes, so the revision alone
    cannot tell a cache that the page changed; the newest due time can.
    """
    due = (
        Entry.objects.filter(
            blog=OuterRef("pk"),
            status=EntryStatus.PUBLISHED,
            published_at__lte=timezone.now(),
        )
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    return blogs.annotate(due_at=Subquery(due))


def due_marker(moment: datetime | None) -> int:
    """A due time as whole microseconds since the epoch (0 for none), for URLs and ETags."""
    if moment is None:
        return 0
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


@dataclass(frozen=True)
class BlogState:
    """What every reader of a blog sees at this moment, as cache validators."""

    pk: int
    revision: int
    due: int
    last_modified: datetime

    @classmethod
    def of(cls, blog: Blog) -> "BlogState":
        """From a blog read through `with_due_at()`."""
        return cls.build(blog.pk, blog.revision, blog.changed_at, getattr(blog, "due_at", None))

    @classmethod
    def from_key(cls, key: BlogStateKey) -> "BlogState":
        """From `blog_state()`'s row, without loading the blog."""
        return cls.build(key.pk, key.revision, key.changed_at, key.due_at)

    @classmethod
    def build(cls, pk: int, revision: int, changed_at: datetime, due_at: datetime | None):
        last_modified = max(filter(None, [changed_at, due_at]))
        return cls(pk=pk, revision=revision, due=due_marker(due_at), last_modified=last_modified)

    def etag(self, kind: str = "") -> str:
        return f'"{kind}{self.pk}-{self.revision}-{self.due}"'

    def not_modified(
        self, request: HttpRequest, kind: str = "", max_age: int = 0
    ) -> HttpResponse | None:
        etag = self.etag(kind)
        if is_plain_revalidation(request, etag):
            response = HttpResponseNotModified()
        else:
            response = get_conditional_response(
                request, etag=etag, last_modified=int(self.last_modified.timestamp())
            )
        if response is not None:
            self.apply(response, kind, max_age)
        return response

    def apply(self, response: HttpResponse, kind: str = "", max_age: int = 0) -> None:
        public_cache(response, self.etag(kind), self.last_modified, max_age)


def is_plain_revalidation(request: HttpRequest, etag: str) -> bool:
    """A poller sending back exactly the ETag it was given, the commonest request of all: the
    304 get_conditional_response() would give, decided without parsing anything."""
    meta = request.META
    return meta.get("HTTP_IF_NONE_MATCH") == etag and not (
        "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta
    )


def public_cache(
    response: HttpResponse, etag: str, last_modified: datetime, max_age: int = 0
) -> HttpResponse:
    """Validators plus a short shared-cache lifetime, stale copies allowed while revalidating."""
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    patch_cache_control(
        response,
        public=True,
        max_age=max_age or PAGE_MAX_AGE,
        stale_while_revalidate=PAGE_STALE_WHILE_REVALIDATE,
    )
    return response


def no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def reader_blog(request: HttpRequest, slug: str, *, allow_preview: bool = True) -> Blog:
    """The blog at `slug` with its state (one query); drafts only for staff previews."""
    blog = get_object_or_404(with_due_at(Blog.objects.all()), slug=slug)
    if not blog.is_public and not (allow_preview and request.user.is_staff):
        raise Http404("No such blog.")
    return blog


# --- Entries as the templates show them --------------------------------------------------------


def reader_entries(blog: Blog):
    """A blog's entries readers may see (a draft blog's preview shows what going live would)."""
    entries = Entry.objects.published() if blog.is_public else Entry.objects.due()
    return entries.for_blog(blog)


def with_display_data(entries):
    """Prefetch what an entry's template shows: captions with images, authors, corrections."""
    return entries.prefetch_related(
        Prefetch("captions", queryset=Caption.objects.select_related("image")),
        "authors",
        "corrections",
    )


def prepare(entries, blog: Blog) -> list[Entry]:
    """Attach the blog and parsed blocks so templates run no queries and parse bodies once."""
    entries = list(entries)
    for entry in entries:
        entry.blog = blog
        entry.shown_blocks = entry.display_blocks()
    return entries


def plain_text(blocks: list[dict]) -> str:
    """Readable text of an entry's blocks (for structured data, feeds and descriptions)."""
    parts = []
    for block in blocks:
        kind = block["type"]
        if kind == "paragraph":
            parts.append(block["text"])
        elif kind == "list":
            parts.extend(block["items"])
        elif kind == "link":
            parts.append(block["text"])
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Cursor:
    """Position in a blog's stream: entries strictly older than (order, id) come next."""

    order: int
    id: int

    @classmethod
    def parse(cls, value: str | None) -> "Cursor | None":
        if not value:
            return None
        order, _, pk = value.rpartition(".")
        try:
            return cls(int(order), int(pk))
        except ValueError:
            raise Http404("Bad position in the blog.") from None

    @classmethod
    def after(cls, entry: Entry) -> "Cursor":
        return cls(entry.order, entry.id)

    @classmethod
    def including(cls, entry: Entry) -> "Cursor":
        return cls(entry.order, entry.id + 1)

    def __str__(self) -> str:
        return f"{self.order}.{self.id}"

    def filter(self, entries):
        return entries.filter(Q(order__lt=self.order) | Q(order=self.order, id__lt=self.id))


@dataclass
class EntryPage:
    entries: list[Entry]
    older: Cursor | None
    is_first: bool


def entry_page(blog: Blog, *, cursor: Cursor | None, key_events_only: bool) -> EntryPage:
    """One page of the stream: the pinned entry first on the first page, then newest first.

    Queries: the page of entries, then captions+images, authors and corrections (4 in all).
    """
    entries = reader_entries(blog)
    if key_events_only:
        entries = entries.key_events()
    if cursor is not None:
        entries = cursor.filter(entries.filter(is_pinned=False))
    size = settings.LIVEBLOG_PAGE_SIZE
    rows = prepare(with_display_data(entries.newest_first())[: size + 1], blog)
    has_more = len(rows) > size
    rows = rows[:size]
    stream = [entry for entry in rows if not entry.is_pinned]
    older = Cursor.after(stream[-1]) if has_more and stream else None
    return EntryPage(entries=rows, older=older, is_first=cursor is None)


def key_event_links(blog: Blog) -> list[Entry]:
    """Headlines and times of the blog's key events (one query)."""
    entries = reader_entries(blog).key_events().newest_first()
    entries = list(entries.only("id", "headline", "published_at", "order", "blog_id"))
    for entry in entries:
        entry.blog = blog
    return entries


def hero_caption(blog: Blog) -> Caption | None:
    return Caption.objects.filter(blog=blog, entry__isnull=True).select_related("image").first()


# --- Structured data ---------------------------------------------------------------------------


def live_blog_posting(request: HttpRequest, blog: Blog, entries: list[Entry], hero) -> dict:
    """schema.org LiveBlogPosting for the blog page, with the page's entries as updates."""
    url = request.build_absolute_uri(blog.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": blog.title,
        "description": blog.standfirst,
        "dateModified": blog.changed_at,
        "liveBlogUpdate": [posting(request, entry) for entry in entries],
    }
    if start := coverage_start(blog):
        data["coverageStartTime"] = start
        data["datePublished"] = start
    if blog.is_closed and blog.closed_at:
        data["coverageEndTime"] = blog.closed_at
    if hero is not None and hero.image.has_file:
        data["image"] = request.build_absolute_uri(hero.image.file.url)
    if blog.attribution:
        data["publisher"] = {"@type": "Organization", "name": blog.attribution}
    return data


def coverage_start(blog: Blog) -> datetime | None:
    """When coverage starts as far as we know: the set start, else the covered day's midnight."""
    if blog.starts_at:
        return blog.starts_at
    if blog.coverage_date:
        return datetime.combine(blog.coverage_date, datetime.min.time(), tzinfo=blog.zone)
    return None


def posting(request: HttpRequest, entry: Entry) -> dict:
    item = {
        "@type": "BlogPosting",
        "headline": entry.headline,
        "url": request.build_absolute_uri(entry.get_absolute_url()),
        "articleBody": plain_text(entry.shown_blocks),
    }
    if entry.published_at:
        item["datePublished"] = entry.published_at
    authors = [author.get_full_name() or author.get_username() for author in entry.authors.all()]
    if authors:
        item["author"] = [{"@type": "Person", "name": name} for name in authors]
    return item


def json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json">, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- Views -------------------------------------------------------------------------------------


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
            max_age=PAGE_MAX_AGE,
            stale_while_revalidate=PAGE_STALE_WHILE_REVALIDATE,
        )
        return response


@cache_blog_response("page")
@require_safe
def blog_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A blog's page. Queries: blog with state, hero, key events, entries + 3 prefetches (7)."""
    blog = reader_blog(request, slug)
    state = BlogState.of(blog)
    if blog.is_public and (not_modified := state.not_modified(request)):
        return not_modified
    key_events_only = request.GET.get("key_events") == "1"
    page = entry_page(
        blog, cursor=Cursor.parse(request.GET.get("before")), key_events_only=key_events_only
    )
    hero = hero_caption(blog)
    context = {
        "blog": blog,
        "state": state,
        # The live check's ETag for this state: the page's first poll is already conditional,
        # so a reader who arrives on an unchanged blog gets a 304 from the start.
        "live_etag": state.etag(kind="l"),
        "hero": hero,
        "page": page,
        "key_events": key_event_links(blog),
        "on_page_ids": {entry.id for entry in page.entries},
        "key_events_only": key_events_only,
        "is_preview": not blog.is_public,
        "poll_seconds": settings.LIVEBLOG_POLL_SECONDS,
        "canonical_url": request.build_absolute_uri(blog.get_absolute_url()),
        "json_ld": json_ld(live_blog_posting(request, blog, page.entries, hero)),
    }
    response = render(request, "liveblog/blog_detail.html", context)
    if not blog.is_public:
        return no_store(response)
    state.apply(response)
    return response


@cache_blog_response("entries")
@require_safe
def entry_page_fragment(request: HttpRequest, slug: str) -> HttpResponse:
    """The next page of entries as an HTML fragment, for loading older entries in place."""
    blog = reader_blog(request, slug, allow_preview=False)
    state = BlogState.of(blog)
    if not_modified := state.not_modified(request):
        return not_modified
    key_events_only = request.GET.get("key_events") == "1"
    page = entry_page(
        blog, cursor=Cursor.parse(request.GET.get("before")), key_events_only=key_events_only
    )
    context = {"blog": blog, "page": page, "key_events_only": key_events_only}
    response = render(request, "liveblog/_entry_page.html", context)
    state.apply(response)
    return response


@cache_blog_response("entry")
@require_safe
def entry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An entry's permalink. Queries: entry with its blog, then 3 prefetches (4)."""
    entry = get_object_or_404(
        with_display_data(Entry.objects.due().select_related("blog")), blog__slug=slug, pk=pk
    )
    blog = entry.blog
    if not blog.is_public and not request.user.is_staff:
        raise Http404("No such entry.")
    etag = f'"e{entry.pk}-{entry.version}-{blog.revision}"'
    last_modified = max(entry.updated_at, blog.changed_at)
    if blog.is_public and (
        not_modified := get_conditional_response(
            request, etag=etag, last_modified=int(last_modified.timestamp())
        )
    ):
        return public_cache(not_modified, etag, last_modified)
    (entry,) = prepare([entry], blog)
    blog_url = blog.get_absolute_url()
    context = {
        "blog": blog,
        "entry": entry,
        "is_preview": not blog.is_public,
        "canonical_url": request.build_absolute_uri(entry.get_absolute_url()),
        "in_blog_url": f"{blog_url}?before={Cursor.including(entry)}#entry-{entry.id}",
        "description": " ".join(plain_text(entry.shown_blocks).split())[:300],
        "first_image": first_picture(entry.shown_blocks),
        "json_ld": json_ld(
            {
                "@context": "https://schema.org",
                **posting(request, entry),
                "isPartOf": {
                    "@type": "LiveBlogPosting",
                    "url": request.build_absolute_uri(blog_url),
                    "headline": blog.title,
                },
            }
        ),
    }
    response = render(request, "liveblog/entry_detail.html", context)
    if not blog.is_public:
        return no_store(response)
    return public_cache(response, etag, last_modified)


def first_picture(blocks: list[dict]):
    return next((b["caption_obj"].image for b in blocks if b["type"] == "image"), None)


@functools.lru_cache(maxsize=512)
def live_validators(key: BlogStateKey, max_age: int) -> dict[str, str]:
    """The live check's validators and Cache-Control for a state: built once, not per poll."""
    response = HttpResponse()
    BlogState.from_key(key).apply(response, kind="l", max_age=max_age)
    return {name: response[name] for name in ("ETag", "Last-Modified", "Cache-Control")}


@require_safe
def blog_live(request: HttpRequest, slug: str) -> HttpResponse:
    """The live check: a tiny document every reader polls; 304 when nothing changed.

    Its URL is the same for everyone, so a CDN can answer it within the max-age. It is answered
    from the blog's state alone (`recent_blog_state()`: at most one query, no ORM, no cache), as
    it is by far the most frequent request.
    """
    key = recent_blog_state(slug)
    if key is None:
        raise Http404("No such blog.")
    max_age = max(1, settings.LIVEBLOG_POLL_SECONDS // 3)
    headers = live_validators(key, max_age)
    if is_plain_revalidation(request, headers["ETag"]):
        return HttpResponseNotModified(headers=headers)
    state = BlogState.from_key(key)
    if not_modified := state.not_modified(request, kind="l", max_age=max_age):
        return not_modified
    body = {"revision": state.revision, "due": state.due, "status": key.status}
    return JsonResponse(body, headers=headers)


@cache_blog_response("changes")
@require_safe
def blog_changes(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed after a revision (and which scheduled entries fell due after a due time).

    Returns rendered entries to add or replace and ids to remove. The answer depends only on the
    query string and the blog's state, so it is cacheable like the check.
    Queries: blog with state, changed entries + 3 prefetches, removals, key events (7).
    """
    blog = reader_blog(request, slug, allow_preview=False)
    state = BlogState.of(blog)
    try:
        since = int(request.GET.get("since", ""))
        due_since = int(request.GET.get("due", "0"))
    except ValueError:
        raise Http404("since must be a revision number.") from None
    if not_modified := state.not_modified(request, kind="c"):
        return not_modified
    now = timezone.now()
    due_after = datetime.fromtimestamp(due_since // 1_000_000, tz=UTC).replace(
        microsecond=due_since % 1_000_000
    )
    changed = Entry.objects.for_blog(blog).filter(
        Q(revision__gt=since) | Q(published_at__gt=due_after, published_at__lte=now)
    )
    changed = prepare(with_display_data(changed.order_by("order", "id"))[: MAX_CHANGES + 1], blog)
    if len(changed) > MAX_CHANGES or since > state.revision:
        response = JsonResponse({"revision": state.revision, "due": state.due, "reload": True})
        state.apply(response, kind="c")
        return response
    visible = [entry for entry in changed if entry.is_visible]
    removed = [entry.id for entry in changed if not entry.is_visible]
    removed += EntryRemoval.objects.filter(blog=blog, revision__gt=since).values_list(
        "entry_id", flat=True
    )
    context = {"blog": blog}
    response = JsonResponse(
        {
            "revision": state.revision,
            "due": state.due,
            "status": blog.status,
            "entries": [
                {
                    "id": entry.id,
                    "order": entry.order,
                    "is_pinned": entry.is_pinned,
                    "is_key_event": entry.is_key_event,
                    "html": render_to_string(
                        "liveblog/_entry.html", {**context, "entry": entry}, request
                    ),
                }
                for entry in visible
            ],
            "removed": removed,
            "key_events_html": render_to_string(
                "liveblog/_key_events.html",
                {**context, "key_events": key_event_links(blog), "on_page_ids": ()},
                request,
            ),
        }
    )
    state.apply(response, kind="c")
    return response


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
        query = self.get_query()
        return (
            Entry.objects.published()
            .search(query)
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
            entry.snippet = plain_text(body_markup.parse(entry.body))[:240]
        return context
