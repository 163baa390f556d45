"""A blog's state: what every cached answer and validator of the blog is built from.

A public blog's state is its revision (moved by the change log, liveblog.models.Change, whenever
a reader could see a change) with its status and change time. It is read from the database in
one compiled query, kept in Redis for every app server when Redis is there (a write replaces it
when it commits), and remembered by each process for LIVEBLOG_MEMO_SECONDS.

Reading it also announces scheduled entries that fell due: nothing writes when their time
passes, so the first read after it gives them their revision (`EntryQuerySet.announce_due`).

Redis is an accelerator, never a point of failure: when it cannot be reached, states come from
the database (logged, and Redis is left alone for a few seconds rather than waited on by every
request).
"""

import datetime
import functools
import json
import logging
import time
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery, Sum
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from liveblog.models import Blog, BlogStatus, Entry, blog_changed

logger = logging.getLogger(__name__)

# Reading a state announces the entries that fell due and reads again; more entries can fall due
# meanwhile, but never endlessly: after this many rounds the state read last is used as it is.
READ_ATTEMPTS = 3
# After Redis failed, how long every process leaves it alone before trying again.
REDIS_PAUSE_SECONDS = 5


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


def with_overdue(blogs, now: datetime.datetime | None = None):
    """Annotate `overdue`: whether a scheduled entry fell due and still waits to be announced
    (one seek in entry_scheduled_idx)."""
    overdue = Entry.objects.filter(blog=OuterRef("pk")).overdue(now)
    return blogs.annotate(overdue=Exists(overdue))


def state_of(blog: Blog) -> BlogState:
    """The state of a blog loaded through `with_overdue()`, announcing what fell due first."""
    if getattr(blog, "overdue", False):
        Entry.objects.announce_due(blog.pk)
        blog.revision, blog.changed_at, blog.state_version = (
            Blog.objects.filter(pk=blog.pk)
            .values_list("revision", "changed_at", "state_version")
            .get()
        )
        blog.overdue = False
    return BlogState(blog.pk, blog.revision, blog.status, blog.changed_at)


def blogs_marker(blogs) -> tuple:
    """A fingerprint of a list of blogs: their number, ids and revisions. Entries that fell due
    are announced first, since they change the counts shown. Two queries."""
    Entry.objects.announce_overdue()
    found = blogs.order_by().aggregate(
        n=Count("pk"), ids=Sum("pk"), revisions=Sum("revision"), changed=Max("changed_at")
    )
    return (found["n"], found["ids"], found["revisions"], found["changed"])


@dataclass(frozen=True)
class StateRow:
    """A blog's state as kept: the public BlogState plus what says whether it is still current.

    `version` moves with every change of the state (Blog.state_version): with the revision, and
    with changes readers cannot see yet (drafts, scheduled entries). `next_due` is the time of
    the blog's first scheduled entry, after which the row is no longer current.
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


def state(slug: str, *, at_least: int = 0) -> BlogState | None:
    """The public blog's state, or None (no such blog, or a draft).

    With Redis, the row kept there answers without touching the database while it is current
    and at least at revision `at_least`. Otherwise one query; with Redis, what it read is kept
    for the next request.
    """
    store = StateStore.get()
    if store is not None:
        row = store.read(slug)
        if row is not None and row.is_current() and row.blog.revision >= at_least:
            return row.public_state
    # A caller that was handed a revision this process has not seen yet reads where the write
    # went: a read replica may lag behind the primary (docs/scaling.md).
    row = read_row(slug=slug, primary=at_least > 0)
    if row is None:
        return None
    if store is not None:
        store.write(row)
    return row.public_state


def read_row(*, primary: bool = False, **lookup) -> "StateRow | None":
    """A blog's state row from the database, by slug or pk, announcing entries that fell due.

    One query (the SQL is compiled once per database from the QuerySets; only the lookup and
    the time change), from the read database unless `primary`. Announcing takes at most
    READ_ATTEMPTS rounds.
    """
    ((field, value),) = lookup.items()
    model_router = router.db_for_write if primary else router.db_for_read
    connection = connections[model_router(Blog)]
    sql, params, lookup_at, now_at = _row_sql(connection.alias, field)
    params = list(params)
    params[lookup_at] = value
    for attempt in range(1, READ_ATTEMPTS + 1):
        params[now_at] = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        pk, slug, revision, status, changed_at, version, overdue, next_due = row
        if not overdue or attempt == READ_ATTEMPTS:
            break
        Entry.objects.announce_due(pk)
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
    lost with a crashed process could leave a stale row. Every call survives Redis being away:
    reads find nothing, writes are dropped (the database stays the truth).
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
    # Until when (time.monotonic()) Redis is left alone after a failure: shared by the process.
    paused_until = 0.0

    def __init__(self, url: str, prefix: str):
        import redis

        self.url, self.prefix = url, prefix
        timeout = settings.LIVEBLOG_REDIS_TIMEOUT
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.write_script = self.client.register_script(self.WRITE)
        self.errors = (redis.RedisError, OSError)

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

    def _call(self, default, method, *args, **kwargs):
        """Run a Redis call; on failure log it, pause Redis for a while and return `default`."""
        if time.monotonic() < StateStore.paused_until:
            return default
        try:
            return method(*args, **kwargs)
        except self.errors as error:
            StateStore.paused_until = time.monotonic() + REDIS_PAUSE_SECONDS
            logger.warning("Redis unreachable, states come from the database: %s", error)
            return default

    def key(self, slug: str) -> str:
        return f"{self.prefix}{slug}"

    def read(self, slug: str) -> StateRow | None:
        raw = self._call(None, self.client.hget, self.key(slug), "row")
        return StateRow.loads(raw) if raw is not None else None

    def write(self, row: StateRow) -> None:
        keys = [self.key(row.slug), f"{self.prefix}pk:{row.blog.pk}"]
        args = [row.version, row.dumps(), settings.LIVEBLOG_STATE_SECONDS, row.slug]
        self._call(None, self.write_script, keys=keys, args=args)

    def slug_of(self, pk: int) -> str | None:
        raw = self._call(None, self.client.get, f"{self.prefix}pk:{pk}")
        return raw.decode() if raw is not None else None

    def forget(self, slug: str) -> None:
        self._call(None, self.client.delete, self.key(slug))


@receiver(post_delete, sender=Blog, dispatch_uid="liveblog_forget_deleted_state")
def forget_deleted_blog(sender, instance: Blog, **kwargs) -> None:
    if (store := StateStore.get()) is not None:
        transaction.on_commit(lambda: store.forget(instance.slug), robust=True)


@receiver(blog_changed, dispatch_uid="liveblog_store_state")
def store_state(sender=None, *, pk: int, **kwargs) -> None:
    """After a write commits: keep the blog's new state where every app server reads it.
    Never fails the write that committed: Redis being away only costs the next reader a query."""
    store = StateStore.get()
    if store is None:
        return
    previous = store.slug_of(pk)
    row = read_row(pk=pk, primary=True)
    if row is None:  # deleted meanwhile
        if previous:
            store.forget(previous)
        return
    if previous and previous != row.slug:
        store.forget(previous)  # renamed: the old address names nothing now
    store.write(row)


# What this process remembers: slug -> (expiry, state).
_recent: dict[str, tuple[float, BlogState]] = {}


def recent_state(slug: str, *, at_least: int = 0) -> BlogState | None:
    """`state()`, trusted for LIVEBLOG_MEMO_SECONDS in this process.

    For the requests every reader makes (the live check, cached pages and API lists): their
    answers already tell CDNs and browsers to keep them for seconds, so a second more costs
    readers nothing and spares the round trip to Redis or the database most of the time. A
    write committed by this process forgets the memo at once (`blog_changed`); other processes
    see it within the second.

    `at_least`: a revision the caller was handed (a poller's `since`). Another process may have
    handed it out before this one's memo caught up, so a remembered (or kept) state behind it is
    never trusted: the state is read afresh.
    """
    seconds = settings.LIVEBLOG_MEMO_SECONDS
    if seconds <= 0:
        return state(slug, at_least=at_least)
    now = time.time()
    recent = _recent.get(slug)
    # The wall clock, not a monotonic one, so frozen-time tests see expiry; bounded both ways so
    # a clock stepped backwards cannot stretch the memo.
    if recent is not None and 0 < recent[0] - now <= seconds and recent[1].revision >= at_least:
        return recent[1]
    found = state(slug, at_least=at_least)
    if found is None:
        _recent.pop(slug, None)
    else:
        _recent[slug] = (now + seconds, found)
    return found


@receiver(blog_changed, dispatch_uid="liveblog_forget_recent_states")
def forget_recent_states(sender=None, **kwargs) -> None:
    _recent.clear()
