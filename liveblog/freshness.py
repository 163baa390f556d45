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
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery, Sum
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

from liveblog.models import Blog, BlogStatus, Entry, blog_changed

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
    """The public blog's state, or None (no such blog, or a draft).

    With Redis (LIVEBLOG_STATE_REDIS_URL, REDIS_URL by default), the state kept there answers
    without touching the database while it is current: writes replace it when they commit
    (`blog_changed`), and a scheduled entry's time coming sends the read to the database, which
    announces it. Otherwise, or when Redis has nothing, one query; with Redis, what it read is
    kept for the next request.
    """
    store = StateStore.get()
    if store is not None:
        row = store.read(slug)
        if row is not None and row.is_current():
            return row.public_state
    row = _read_row(slug=slug)
    if row is None:
        return None
    if store is not None:
        store.write(row)
    return row.public_state


@dataclass(frozen=True)
class StateRow:
    """A blog's state as kept: the public BlogState plus what says whether it is still current.

    `version` moves with every change of the state (Blog.state_version): with the revision, and
    when a scheduled entry is added, moved or dropped, which readers cannot see yet. `next_due`
    is the time of the blog's first scheduled entry, after which the row is no longer current.
    """

    version: int
    slug: str
    blog: BlogState
    next_due: datetime.datetime | None

    @property
    def public_state(self) -> BlogState | None:
        return None if self.blog.status == BlogStatus.DRAFT else self.blog

    def is_current(self) -> bool:
        return self.next_due is None or timezone.now() < self.next_due

    def dumps(self) -> str:
        pk, revision, status, changed_at = self.blog
        due = self.next_due.isoformat() if self.next_due else None
        fields = [self.version, self.slug, pk, revision, status, changed_at.isoformat(), due]
        return json.dumps(fields)

    @classmethod
    def loads(cls, raw: bytes | str) -> "StateRow":
        version, slug, pk, revision, status, changed_at, due = json.loads(raw)
        blog = BlogState(pk, revision, status, datetime.datetime.fromisoformat(changed_at))
        return cls(version, slug, blog, datetime.datetime.fromisoformat(due) if due else None)


def _read_row(**lookup) -> StateRow | None:
    """A blog's state row from the database, by slug or pk, announcing entries that fell due.

    One query: it runs on every request Redis cannot answer, so it skips the ORM (the SQL is
    compiled once per database from the QuerySets; only the lookup and the time change).
    """
    ((field, value),) = lookup.items()
    connection = connections[router.db_for_read(Blog)]
    sql, params, lookup_at, now_at = _row_sql(connection.alias, field)
    params = list(params)
    params[lookup_at] = value
    params[now_at] = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, slug, revision, status, changed_at, version, overdue, next_due = row
    if overdue:
        Entry.objects.announce_due(pk)
        return _read_row(**lookup)
    blog = BlogState(pk, revision, status, _as_datetime(changed_at))
    return StateRow(version, slug, blog, _as_datetime(next_due))


def _as_datetime(value) -> datetime.datetime | None:
    """A datetime column read with a raw cursor (SQLite gives UTC text or a naive datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


_PLACEHOLDERS = {"slug": "\x00state-slug\x00", "pk": -987654321}
_NOW_PLACEHOLDER = datetime.datetime(1999, 12, 31, 23, 59, 59, 987654, tzinfo=datetime.UTC)


@functools.cache
def _row_sql(alias: str, field: str) -> tuple[str, tuple, int, int]:
    connection = connections[alias]
    placeholder = _PLACEHOLDERS[field]
    first_due = Entry.objects.filter(blog=OuterRef("pk")).scheduled().order_by("published_at")
    blogs = with_overdue(
        Blog.objects.using(alias).filter(**{field: placeholder}), now=_NOW_PLACEHOLDER
    ).annotate(next_due=Subquery(first_due.values("published_at")[:1]))
    columns = ("pk", "slug", "revision", "status", "changed_at", "state_version", "overdue")
    query = blogs.values_list(*columns, "next_due").query
    sql, params = query.get_compiler(using=alias).as_sql()
    now = connection.ops.adapt_datetimefield_value(_NOW_PLACEHOLDER)
    return sql, tuple(params), params.index(placeholder), params.index(now)


class StateStore:
    """The blogs' state rows in Redis, shared by every app server.

    A write keeps the row with the highest version: commit callbacks of concurrent writes, and
    readers storing what they read, can arrive in any order (a Lua script compares and sets in
    one step). Rows expire after LIVEBLOG_STATE_SECONDS, which bounds how long a notification
    lost with a crashed process could leave a stale row.
    """

    WRITE = """
    local current = redis.call('HGET', KEYS[1], 'v')
    if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
    redis.call('HSET', KEYS[1], 'v', ARGV[1], 'row', ARGV[2])
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[3])
    return 1
    """
    _instance: "StateStore | None" = None

    def __init__(self, url: str, prefix: str):
        import redis

        self.url, self.prefix = url, prefix
        self.client = redis.Redis.from_url(url)
        self.write_script = self.client.register_script(self.WRITE)

    @classmethod
    def get(cls) -> "StateStore | None":
        """The store the settings name (one client per process), or None without Redis."""
        url = settings.LIVEBLOG_STATE_REDIS_URL
        if not url:
            return None
        # Keys share the cache's prefix, so deployments sharing one Redis stay apart.
        prefix = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:lb-state:"
        store = cls._instance
        if store is None or (store.url, store.prefix) != (url, prefix):
            store = cls._instance = cls(url, prefix)
        return store

    def key(self, slug: str) -> str:
        return f"{self.prefix}{slug}"

    def read(self, slug: str) -> StateRow | None:
        raw = self.client.hget(self.key(slug), "row")
        return StateRow.loads(raw) if raw is not None else None

    def write(self, row: StateRow) -> None:
        keys = [self.key(row.slug), f"{self.prefix}pk:{row.blog.pk}"]
        args = [row.version, row.dumps(), settings.LIVEBLOG_STATE_SECONDS, row.slug]
        self.write_script(keys=keys, args=args)

    def slug_of(self, pk: int) -> str | None:
        raw = self.client.get(f"{self.prefix}pk:{pk}")
        return raw.decode() if raw is not None else None

    def forget(self, slug: str) -> None:
        self.client.delete(self.key(slug))


@receiver(post_delete, sender=Blog, dispatch_uid="liveblog_forget_deleted_state")
def forget_deleted_blog(sender, instance: Blog, **kwargs) -> None:
    if (store := StateStore.get()) is not None:
        transaction.on_commit(lambda: store.forget(instance.slug))


@receiver(blog_changed, dispatch_uid="liveblog_store_state")
def store_state(sender=None, *, pk: int, **kwargs) -> None:
    """After a write commits: keep the blog's new state where every app server reads it."""
    store = StateStore.get()
    if store is None:
        return
    previous = store.slug_of(pk)
    row = _read_row(pk=pk)
    if row is None:  # deleted meanwhile
        if previous:
            store.forget(previous)
        return
    if previous and previous != row.slug:
        store.forget(previous)  # renamed: the old address names nothing now
    store.write(row)


# What this process remembers: slug -> (expiry, state), and rendered public responses.
_recent: dict[str, tuple[float, BlogState]] = {}


def recent_state(slug: str) -> BlogState | None:
    """`state()`, trusted for LIVEBLOG_MEMO_SECONDS in this process.

    For the requests every reader makes (the live check, cached pages and API lists): their
    answers already tell CDNs and browsers to keep them for seconds (a third of the poll
    interval, or PAGE_MAX_AGE), so a second more costs readers nothing and spares the round trip
    to Redis or the database most of the time. A write committed by this process forgets the
    memo at once (`blog_changed`); other processes see it within the second.
    """
    seconds = settings.LIVEBLOG_MEMO_SECONDS
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


class ResponseMemo:
    """Rendered public responses this process served lately, up to LIVEBLOG_MEMO_BYTES.

    Keys carry the blog state they were built for, like the shared cache's, so nothing needs
    invalidating: a change of state makes its entries unreachable and they age out (least
    recently used first). A hit costs no round trip at all.
    """

    def __init__(self):
        self.entries: OrderedDict[str, tuple[bytes, dict[str, str]]] = OrderedDict()
        self.size = 0

    def get(self, key: str):
        frozen = self.entries.get(key)
        if frozen is not None:
            self.entries.move_to_end(key)
        return frozen

    def put(self, key: str, frozen: tuple[bytes, dict[str, str]]) -> None:
        limit = settings.LIVEBLOG_MEMO_BYTES
        if key in self.entries or len(frozen[0]) > limit // 4:
            return
        self.entries[key] = frozen
        self.size += len(frozen[0])
        while self.size > limit:
            _, (content, _headers) = self.entries.popitem(last=False)
            self.size -= len(content)


_responses = ResponseMemo()


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
    try:
        return _digest_etag(parts)
    except TypeError:  # unhashable parts: computed each time
        return _digest_etag.__wrapped__(parts)


@functools.lru_cache(maxsize=4096)
def _digest_etag(parts: tuple) -> str:
    # Remembered: every anonymous poller of a blog asks for the same parts until it changes.
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
    memo = settings.LIVEBLOG_MEMO_SECONDS > 0
    frozen = _responses.get(key) if memo else None
    if frozen is None:
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
    if memo:
        _responses.put(key, frozen)
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
            found = recent_state(kwargs[slug_kwarg])
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
