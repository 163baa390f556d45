"""Caching that is always correct: every key carries the blog state it was built from.

A blog's reader-visible state is its `revision` (bumped by every change a reader could see: entry
edits, publishing, deletions, captions, corrections, admin edits of the blog, imports) plus its
`due` marker (the newest scheduled entry that has fallen due, since those appear without a write).
Keys include both, so a change makes old entries unreachable instead of needing invalidation;
stale entries simply expire. Nothing here is ever deleted on write, so several app servers sharing
one Redis need no coordination.

Helpers:
- `blog_state(slug)`: (pk, revision, due) of a public blog in one indexed query.
- `recent_blog_state(slug)`: the same, remembered for a second per process (the live check only).
- `cached_fragment(key_parts, build)`: any picklable value (rendered HTML, serializer data).
- `@cache_blog_response`: a per-blog view's whole response, keyed on the blog state and the URL.
"""

import datetime
import functools
import hashlib
import time
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

T = TypeVar("T")

# Keys are versioned, so the timeout only bounds how long superseded entries occupy memory.
DEFAULT_TIMEOUT = getattr(settings, "LIVEBLOG_CACHE_SECONDS", 300)
KEY_PREFIX = "lb"
_MISSING = object()

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


class BlogStateKey(NamedTuple):
    pk: int
    revision: int
    status: str
    changed_at: datetime.datetime
    # The newest entry already due, or None: scheduled entries appear without a write.
    due_at: datetime.datetime | None


# What a 304 repeats of the full response (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = ("Cache-Control", "ETag", "Last-Modified", "Vary", "Content-Location")
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


def make_key(parts: Iterable[Hashable]) -> str:
    """A short, backend-safe key for any tuple of parts (URLs may hold spaces or be long)."""
    raw = "\x1f".join(str(part) for part in parts)
    return f"{KEY_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def cached_fragment(
    key_parts: Iterable[Hashable], build: Callable[[], T], *, timeout: int | None = None
) -> T:
    """Return the cached value for key_parts, or build(), store and return it.

    The key parts must name everything the value depends on, normally a `blog_state()` among
    them: nothing invalidates an entry, it only expires.
    """
    key = make_key(key_parts)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(key, value, DEFAULT_TIMEOUT if timeout is None else timeout)
    return value


def blog_state(slug: str) -> BlogStateKey | None:
    """The public blog's pk, revision, status, change time and newest due time, or None (no
    such blog, or a draft).

    One query: the unique slug index, then one seek in entry_blog_status_due_idx for the newest
    entry already due. Written as SQL because it runs on every request, hits included, and
    building the equivalent ORM query costs several times more than running it.
    """
    from liveblog.models import Blog, BlogStatus, Entry, EntryStatus

    connection = connections[router.db_for_read(Blog)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = STATE_SQL.format(blog=Blog._meta.db_table, entry=Entry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [EntryStatus.PUBLISHED, now, slug, BlogStatus.DRAFT])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, revision, status, changed_at, due_at = row
    return BlogStateKey(pk, revision, status, as_datetime(changed_at), as_datetime(due_at))


# The live check's memo: slug -> (expiry, state). Per process, for a second or so.
_recent_states: dict[str, tuple[float, BlogStateKey]] = {}


def recent_blog_state(slug: str) -> BlogStateKey | None:
    """`blog_state()`, trusted for LIVEBLOG_LIVE_CHECK_SECONDS in this process.

    Only for the live check, the most frequent request: it already tells CDNs and browsers to
    keep its answer for a third of the poll interval, so a second more costs readers nothing and
    spares the query most of the time. Writes made by this process forget the memo at once
    (`forget_recent_states`); other processes see them within the second.
    """
    seconds = settings.LIVEBLOG_LIVE_CHECK_SECONDS
    if seconds <= 0:
        return blog_state(slug)
    now = time.time()
    recent = _recent_states.get(slug)
    # The wall clock, not a monotonic one, so frozen-time tests see expiry; bounded both ways so
    # a clock stepped backwards cannot stretch the memo.
    if recent is not None and 0 < recent[0] - now <= seconds:
        return recent[1]
    state = blog_state(slug)
    if state is None:
        _recent_states.pop(slug, None)
    else:
        _recent_states[slug] = (now + seconds, state)
    return state


def forget_recent_states() -> None:
    """Forget the live check's memo now, for this connection, and again when the write commits
    (a request in between may have remembered the state from before it)."""
    clear_recent_states()
    transaction.on_commit(clear_recent_states)


def clear_recent_states() -> None:
    _recent_states.clear()


def as_datetime(value) -> datetime.datetime | None:
    """A datetime column read with a raw cursor: SQLite gives UTC text, PostgreSQL a datetime."""
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC)
    return value


STATE_SQL = """
    SELECT b.id, b.revision, b.status, b.changed_at, (
        SELECT e.published_at FROM {entry} e
        WHERE e.blog_id = b.id AND e.status = %s AND e.published_at <= %s
        ORDER BY e.published_at DESC LIMIT 1
    )
    FROM {blog} b WHERE b.slug = %s AND b.status <> %s
"""


def response_key_parts(request: HttpRequest, kind: str, state: BlogStateKey) -> tuple:
    """Everything a public per-blog response depends on: the state and the exact request URL.

    Host and scheme are in it because pages carry absolute canonical URLs; the Accept header
    because an API response's format follows it.
    """
    return (
        "response",
        kind,
        *state,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
    )


def is_cacheable(response: HttpResponse) -> bool:
    """A 200 meant for everyone: no cookies set, not marked private or no-store."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


def is_anonymous_read(request: HttpRequest) -> bool:
    """A GET/HEAD without credentials (checked without touching the session or the database)."""
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        # DRF's test client can authenticate a request with neither.
        and getattr(request, "_force_auth_user", None) is None
    )


def freeze(response: HttpResponse) -> tuple[bytes, dict[str, str]]:
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    return response.content, headers


def thaw(frozen: tuple[bytes, dict[str, str]]) -> HttpResponse:
    content, headers = frozen
    return HttpResponse(content, headers=headers)


def respond(request: HttpRequest, frozen: tuple[bytes, dict[str, str]]) -> HttpResponse:
    """The cached response, or a 304 when the request's validators match it."""
    headers = frozen[1]
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    # The common case first, cheaply: a poller sending back exactly the ETag it was given.
    if if_none_match and if_none_match == headers.get("ETag"):
        return HttpResponseNotModified(
            headers={name: headers[name] for name in NOT_MODIFIED_HEADERS if name in headers}
        )
    response = thaw(frozen)
    if not if_none_match and "HTTP_IF_MODIFIED_SINCE" not in request.META:
        return response
    conditional = get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
        response=response,
    )
    return conditional if conditional is not None else response


def cache_blog_response(kind: str, *, slug_kwarg: str = "slug", timeout: int | None = None):
    """Cache a public per-blog view's 200 responses, keyed on the blog's state and the URL.

    For views taking the blog's slug as the `slug_kwarg` keyword. A hit costs the one
    `blog_state()` query and a cache read; a conditional request matching the cached ETag gets a
    304. Signed-in callers (session cookie or Authorization header: editors may see drafts),
    drafts, errors and responses that set cookies or say private/no-store always go to the view.
    Works on a DRF viewset too: `@method_decorator(cache_blog_response(...), name="dispatch")`.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not is_anonymous_read(request):
                return view(request, *args, **kwargs)
            state = blog_state(kwargs[slug_kwarg])
            if state is None:
                return view(request, *args, **kwargs)
            key = make_key(response_key_parts(request, kind, state))
            frozen = cache.get(key)
            if frozen is None:
                # Build the full response even for a conditional request (the view would answer
                # 304 and leave nothing to cache); the 304 is decided below, as for a hit.
                conditions = {
                    name: request.META.pop(name)
                    for name in CONDITIONAL_HEADERS
                    if name in request.META
                }
                response = view(request, *args, **kwargs)
                request.META.update(conditions)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                if not is_cacheable(response):
                    return response
                seconds = DEFAULT_TIMEOUT if timeout is None else timeout
                frozen = freeze(response)
                cache.set(key, frozen, seconds)
            return respond(request, frozen)

        wrapped.caches_blog_response = kind
        return wrapped

    return decorator
