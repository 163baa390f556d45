"""Freshness: how every reader-facing response knows whether it is still current.

A public blog's state is its revision (moved by `Blog.objects.bump()` whenever a reader could
see a change, see liveblog.models) with its status and change time. From the state come, here
and nowhere else:

- ETags and Last-Modified of every per-blog response (page, older entries, permalinks, the live
  check, the change feed, the API's blog and entries) and the 304 decisions;
- the strong, per-entry ETag writes must match (If-Match: 412 when it moved, 428 when missing);
- cache keys: a response is stored under the state it was built from, so a change makes old
  copies unreachable instead of needing invalidation (several app servers sharing one Redis
  need no coordination);
- scheduled entries: nothing writes when their time passes, so reading the state first
  announces any that fell due (`EntryQuerySet.announce_due`), and the revision moves with them.
"""

import datetime
import functools
import hashlib
import json
import time
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Count, Exists, Max, OuterRef, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

from liveblog.models import Blog, Entry, blog_changed

T = TypeVar("T")

# Reader pages may be a little stale; pollers see changes within a poll interval anyway.
PAGE_MAX_AGE = 10
PAGE_STALE_WHILE_REVALIDATE = 60
# Keys carry the state, so this only bounds how long superseded copies occupy the cache.
CACHE_SECONDS = settings.LIVEBLOG_CACHE_SECONDS
KEY_PREFIX = "lb"
_MISSING = object()


class BlogState(NamedTuple):
    pk: int
    revision: int
    status: str
    changed_at: datetime.datetime

    def etag(self, kind: str) -> str:
        """The ETag of one kind of response built from this state ("page", "live", ...)."""
        return f'"{kind}-{self.pk}-{self.revision}"'

    @property
    def last_modified(self) -> datetime.datetime:
        return self.changed_at


# --- the state ---------------------------------------------------------------------------------


def with_overdue(blogs, now: datetime.datetime | None = None):
    """Annotate `overdue`: whether a scheduled entry fell due and still waits to be announced
    (one seek in entry_scheduled_idx)."""
    overdue = Entry.objects.filter(blog=OuterRef("pk")).overdue(now)
    return blogs.annotate(overdue=Exists(overdue))


def state_of(blog: Blog) -> BlogState:
    """The state of a blog loaded through `with_overdue()`, announcing what fell due first."""
    if getattr(blog, "overdue", False):
        Entry.objects.announce_due(blog.pk)
        blog.revision, blog.changed_at = (
            Blog.objects.filter(pk=blog.pk).values_list("revision", "changed_at").get()
        )
        blog.overdue = False
    return BlogState(blog.pk, blog.revision, blog.status, blog.changed_at)


def state(slug: str) -> BlogState | None:
    """The public blog's state, or None (no such blog, or a draft). One query.

    It runs on every cached request, so it skips the ORM: the SQL is compiled once per database
    from the QuerySets (`Blog.objects.public()`, `with_overdue()`), and only the slug and the
    current time change from one call to the next.
    """
    connection = connections[router.db_for_read(Blog)]
    sql, params, slug_at, now_at = _state_sql(connection.alias)
    params = list(params)
    params[slug_at] = slug
    params[now_at] = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, revision, status, changed_at, overdue = row
    if overdue:
        Entry.objects.announce_due(pk)
        return state(slug)
    if isinstance(changed_at, str):  # SQLite hands back UTC text, or a naive UTC datetime
        changed_at = datetime.datetime.fromisoformat(changed_at)
    if changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=datetime.UTC)
    return BlogState(pk, revision, status, changed_at)


_SLUG_PLACEHOLDER = "\x00state-slug\x00"
_NOW_PLACEHOLDER = datetime.datetime(1999, 12, 31, 23, 59, 59, 987654, tzinfo=datetime.UTC)


@functools.cache
def _state_sql(alias: str) -> tuple[str, tuple, int, int]:
    connection = connections[alias]
    blogs = Blog.objects.using(alias).public().filter(slug=_SLUG_PLACEHOLDER)
    blogs = with_overdue(blogs, now=_NOW_PLACEHOLDER)
    query = blogs.values_list("pk", "revision", "status", "changed_at", "overdue").query
    sql, params = query.get_compiler(using=alias).as_sql()
    now = connection.ops.adapt_datetimefield_value(_NOW_PLACEHOLDER)
    return sql, tuple(params), params.index(_SLUG_PLACEHOLDER), params.index(now)


# The live check's memo: slug -> (expiry, state). Per process, for a second or so.
_recent: dict[str, tuple[float, BlogState]] = {}


def recent_state(slug: str) -> BlogState | None:
    """`state()`, trusted for LIVEBLOG_LIVE_CHECK_SECONDS in this process.

    Only for the live check, the most frequent request: it already tells CDNs and browsers to
    keep its answer for a third of the poll interval, so a second more costs readers nothing and
    spares the query most of the time. A write committed by this process forgets the memo at
    once (`blog_changed`); other processes see it within the second.
    """
    seconds = settings.LIVEBLOG_LIVE_CHECK_SECONDS
    if seconds <= 0:
        return state(slug)
    now = time.time()
    recent = _recent.get(slug)
    # The wall clock, not a monotonic one, so frozen-time tests see expiry; bounded both ways so
    # a clock stepped backwards cannot stretch the memo.
    if recent is not None and 0 < recent[0] - now <= seconds:
        return recent[1]
    found = state(slug)
    if found is None:
        _recent.pop(slug, None)
    else:
        _recent[slug] = (now + seconds, found)
    return found


@receiver(blog_changed, dispatch_uid="liveblog_forget_recent_states")
def forget_recent_states(sender=None, **kwargs) -> None:
    _recent.clear()


# --- validators and 304s -----------------------------------------------------------------------


def not_modified(
    request: HttpRequest, etag: str, last_modified: datetime.datetime | None
) -> HttpResponse | None:
    """A 304 (or 412) when the request's validators say its copy is current, else None."""
    meta = request.META
    # The commonest request of all: a poller sending back exactly the ETag it was given.
    if meta.get("HTTP_IF_NONE_MATCH") == etag and not (
        "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta
    ):
        return HttpResponseNotModified()
    timestamp = _timestamp(last_modified)
    return get_conditional_response(request, etag=etag, last_modified=timestamp)


def stamp(
    response: HttpResponse,
    etag: str,
    last_modified: datetime.datetime | None,
    *,
    max_age: int = PAGE_MAX_AGE,
    public: bool = True,
) -> HttpResponse:
    """Set the validators; public responses may be kept by shared caches for a short while."""
    response.headers["ETag"] = etag
    timestamp = _timestamp(last_modified)
    if timestamp is not None:
        response.headers["Last-Modified"] = http_date(timestamp)
    if public:
        patch_cache_control(
            response,
            public=True,
            max_age=max_age,
            stale_while_revalidate=PAGE_STALE_WHILE_REVALIDATE,
        )
    return response


def _timestamp(moment: datetime.datetime | None) -> int | None:
    # Never later than now (RFC 9110, 8.8.2.1).
    if moment is None:
        return None
    return int(min(moment, timezone.now()).timestamp())


def no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def respond(
    request: HttpRequest,
    *,
    etag: str,
    last_modified: datetime.datetime | None,
    build: Callable[[], HttpResponse],
    public: bool = False,
) -> HttpResponse:
    """304/412 if the caller's copy is current, else build(); either way with the validators."""
    response = not_modified(request, etag, last_modified) or build()
    return stamp(response, etag, last_modified, public=public)


@functools.lru_cache(maxsize=512)
def live_headers(key: BlogState, max_age: int) -> dict[str, str]:
    """The live check's validators and Cache-Control for a state: built once, not per poll."""
    response = stamp(HttpResponse(), key.etag("live"), key.last_modified, max_age=max_age)
    return {name: response[name] for name in ("ETag", "Last-Modified", "Cache-Control")}


def digest_etag(*parts) -> str:
    """A strong ETag over arbitrary parts (for representations that depend on the caller)."""
    raw = json.dumps(parts, default=str, sort_keys=True)
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def drafts_marker(blog: Blog) -> tuple:
    """What editors see beyond readers (drafts, scheduled entries) moves no revision: this
    fingerprint of all the blog's entries does. One query."""
    found = Entry.objects.for_blog(blog).aggregate(n=Count("pk"), changed=Max("updated_at"))
    return (found["n"], found["changed"])


def blogs_marker(blogs) -> tuple:
    """A fingerprint of a list of blogs: their number, ids and revisions. Entries that fell due
    are announced first, since they change the counts shown. Two queries."""
    Entry.objects.announce_overdue()
    found = blogs.order_by().aggregate(
        n=Count("pk"), ids=Sum("pk"), revisions=Sum("revision"), changed=Max("changed_at")
    )
    return (found["n"], found["ids"], found["revisions"], found["changed"])


# --- writes: If-Match ----------------------------------------------------------------------------


def entry_etag(entry: Entry) -> str:
    """The entry's own strong ETag: its version, which every save moves."""
    return f'"entry-{entry.pk}-v{entry.version}"'


PRECONDITION_REQUIRED = 428
PRECONDITION_FAILED = 412


def write_precondition(request: HttpRequest, etag: str) -> int | None:
    """None when the write may go ahead: If-Match names `etag` (strong comparison, so a weak
    W/ tag never matches). 428 without If-Match, 412 when it names another version."""
    if "HTTP_IF_MATCH" not in request.META:
        return PRECONDITION_REQUIRED
    refused = get_conditional_response(request, etag=etag)
    return refused.status_code if refused is not None else None


# --- caching ---------------------------------------------------------------------------------


def make_key(parts: Iterable[Hashable]) -> str:
    """A short, backend-safe key for any tuple of parts (URLs may hold spaces or be long)."""
    raw = "\x1f".join(str(part) for part in parts)
    return f"{KEY_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def remember(key_parts: Iterable[Hashable], build: Callable[[], T]) -> T:
    """The cached value for key_parts, or build() stored under them. The parts must name
    everything the value depends on, a BlogState among them: nothing is ever invalidated."""
    key = make_key(key_parts)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value


# Response headers worth keeping with a cached body; cookies and per-request headers are not.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Vary",
    "Link",
    "Content-Security-Policy",
)
# What a 304 repeats of the full response (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = ("Cache-Control", "ETag", "Last-Modified", "Vary", "Content-Location")
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


def is_anonymous_read(request: HttpRequest) -> bool:
    """A GET/HEAD without credentials (checked without touching the session or the database)."""
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def is_cacheable(response: HttpResponse) -> bool:
    """A 200 meant for everyone: no cookies set, not marked private or no-store."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


def _answer(request: HttpRequest, frozen: tuple[bytes, dict[str, str]]) -> HttpResponse:
    """The cached response, or a 304 when the request's validators match it."""
    content, headers = frozen
    if (request.META.get("HTTP_IF_NONE_MATCH") or "HTTP_IF_MODIFIED_SINCE" in request.META) and (
        not_modified(
            request,
            headers.get("ETag", ""),
            _parse_date(headers.get("Last-Modified", "")),
        )
    ):
        kept = {name: headers[name] for name in NOT_MODIFIED_HEADERS if name in headers}
        return HttpResponseNotModified(headers=kept)
    return HttpResponse(content, headers=headers)


def _parse_date(value: str) -> datetime.datetime | None:
    timestamp = parse_http_date_safe(value)
    return None if timestamp is None else datetime.datetime.fromtimestamp(timestamp, datetime.UTC)


def cached_response(
    request: HttpRequest, key_parts: Iterable[Hashable], build: Callable[[], HttpResponse]
) -> HttpResponse:
    """The response stored under key_parts (a BlogState among them), or build()'s, stored.

    build() must return a rendered response; it runs without the request's conditional headers
    (a 304 leaves nothing to store), and the 304 is decided here, as for a hit. Responses that
    are not for everyone (`is_cacheable`) are answered and never stored.
    """
    key = make_key(("response", *key_parts))
    frozen = cache.get(key)
    if frozen is None:
        conditions = {
            name: request.META.pop(name) for name in CONDITIONAL_HEADERS if name in request.META
        }
        try:
            response = build()
        finally:
            request.META.update(conditions)
        if not is_cacheable(response):
            return response
        frozen = (
            response.content,
            {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        )
        cache.set(key, frozen, CACHE_SECONDS)
    return _answer(request, frozen)


def request_key(request: HttpRequest) -> tuple:
    """What of the request a public response depends on: its absolute URL (pages carry
    absolute canonical links, so host and scheme matter)."""
    return (request.scheme, request.get_host(), request.get_full_path())


def cache_blog_response(kind: str, *, slug_kwarg: str = "slug"):
    """Cache a public per-blog view's 200 responses under the blog's state and the request URL.

    A hit costs the one `state()` query and a cache read; a conditional request matching the
    cached validators gets a 304. Signed-in callers (editors may see drafts), drafts, errors and
    responses that set cookies or say private/no-store always go to the view.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not is_anonymous_read(request):
                return view(request, *args, **kwargs)
            found = state(kwargs[slug_kwarg])
            if found is None:
                return view(request, *args, **kwargs)
            return cached_response(
                request,
                (kind, *found, *request_key(request)),
                lambda: view(request, *args, **kwargs),
            )

        wrapped.caches_blog_response = kind
        return wrapped

    return decorator
