"""A blog's stream: the one reader of its change log, and the stream's pages.

- `changes()`: what changed after revision N, read from the change log (liveblog.models.Change)
  and nowhere else: the page's change feed, the API's ?since= feed, the Atom feeds' tombstones
  and everything that pushes changes out read it;
- `entry_page()`: one page of the stream in a listing's order (reader pages, the embed, the
  desk), with the positions (`Cursor`) that page through it.

Visibility itself comes from the QuerySets in liveblog.models.
"""

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import Http404
from django.urls import reverse

from liveblog import body
from liveblog.models import Blog, Caption, Change, ChangeKind, Entry

# Positions and revisions in URLs: whole numbers no database column would overflow on.
MAX_NUMBER = 2**62


def reader_entries(blog: Blog):
    """The entries readers of the blog see (the caller has checked the blog may be seen: a
    draft blog's preview shows what going live would)."""
    return Entry.objects.due().for_blog(blog)


def with_coverage(blogs):
    """Annotate `first_entry_at` and `last_entry_at`: the times of each blog's first and last
    timed entries readers see (None when it has none), for its structured data and sitemap.
    Two subqueries on the stream index, in the blog's own query."""
    timed = Entry.objects.due().filter(blog=OuterRef("pk"), published_at__isnull=False)
    return blogs.annotate(
        first_entry_at=Subquery(timed.order_by("sort_key").values("published_at")[:1]),
        last_entry_at=Subquery(timed.order_by("-sort_key").values("published_at")[:1]),
    )


@dataclass
class Changes:
    """What changed in a blog after revision `since`, up to `until` (the revision to ask from
    next time): the entries the caller may see now, changed, in the order of their last change;
    the ids of entries that left (deleted, unpublished, or no longer matching the caller's
    filter); whether the blog's own fields changed, and whether its key events did."""

    since: int
    until: int
    entries: list[Entry]
    removed: list[int]
    blog_changed: bool
    key_events_changed: bool
    has_more: bool


def changes(blog_id: int, since: int, upto: int, *, limit: int, entries=None) -> Changes:
    """The change log of the blog in (since, upto], at most `limit` changes of it.

    `upto` is the blog revision the caller is told: a change committed after it is left for
    the next call rather than delivered twice. Each entry's last change counts: an entry that
    changed and is in `entries` (the caller's view of the blog's entries; readers' by default)
    is delivered as it is now, any other is removed. With more than `limit` changes, `until` is
    the revision of the last one taken and `has_more` is set.

    Queries: the changes (one range on change_unique_revision's index), the changed entries.
    """
    rows = list(
        Change.objects.between(blog_id, since, upto).values_list(
            "revision", "kind", "entry_id", "is_key_event", "was_key_event"
        )[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    last: dict[int, str] = {}  # entry id -> its last change's kind
    blog_changed = key_events_changed = False
    for _revision, kind, entry_id, is_key_event, was_key_event in rows:
        key_events_changed = key_events_changed or is_key_event or was_key_event
        if entry_id is None:
            blog_changed = True
        else:
            last.pop(entry_id, None)  # keeps the dict in the order of each entry's last change
            last[entry_id] = kind
    wanted = [pk for pk, kind in last.items() if kind != ChangeKind.REMOVED]
    shown: list[Entry] = []
    if wanted:
        if entries is None:
            entries = Entry.objects.due().filter(blog_id=blog_id)
        found = {entry.pk: entry for entry in entries.filter(pk__in=wanted)}
        shown = [found[pk] for pk in wanted if pk in found]
    seen = {entry.pk for entry in shown}
    removed = [pk for pk in last if pk not in seen]
    return Changes(
        since=since,
        until=rows[-1][0] if has_more else max(upto, since),
        entries=shown,
        removed=removed,
        blog_changed=blog_changed,
        key_events_changed=key_events_changed,
        has_more=has_more,
    )


@dataclass(frozen=True)
class LogRow:
    """One change as the log recorded it."""

    revision: int
    kind: str
    entry_id: int | None
    is_key_event: bool
    was_key_event: bool
    at: object


@dataclass
class Log:
    """The change log's rows in (after, until], one by one, with the entries they name that
    readers see now (by id; an entry missing here must not be shown: it left since)."""

    rows: list[LogRow]
    entries: dict[int, Entry]
    until: int
    has_more: bool


def log(blog_id: int, after: int, upto: int, *, limit: int) -> Log:
    """The blog's changes in (after, upto] row by row, at most `limit`, for what delivers each
    change in order (webhooks, Web Push): unlike `changes()`, nothing is folded. The entries
    named are the ones readers see now, and only if the blog is public, so nothing unpublished
    leaves through a delivery built from this. Queries: the rows, the blog's status, the entries
    named (3; 1 when nothing changed)."""
    found = Change.objects.between(blog_id, after, upto).values_list(
        "revision", "kind", "entry_id", "is_key_event", "was_key_event", "at"
    )
    rows = [LogRow(*row) for row in found[: limit + 1]]
    has_more = len(rows) > limit
    rows = rows[:limit]
    named = {row.entry_id for row in rows if row.entry_id is not None}
    entries: dict[int, Entry] = {}
    if named and Blog.objects.public().filter(pk=blog_id).exists():
        shown = Entry.objects.due().filter(blog_id=blog_id, pk__in=named)
        entries = {entry.pk: entry for entry in shown}
    until = rows[-1].revision if has_more else max(upto, after)
    return Log(rows=rows, entries=entries, until=until, has_more=has_more)


def removals(blog: Blog, *, after: int, key_events_only: bool = False, limit: int):
    """Entries that left the blog's stream (or, with `key_events_only`, stopped being key
    events) after revision `after` and are still gone: the newest `limit` of them, as Change
    rows (their `entry_id` and `at`). For feeds' tombstones (RFC 6721). Two queries."""
    log = Change.objects.filter(blog=blog, revision__gt=after, entry_id__isnull=False)
    if key_events_only:
        left = Q(kind=ChangeKind.REMOVED) | Q(is_key_event=False)
        log = log.filter(left, was_key_event=True)
    else:
        log = log.filter(kind=ChangeKind.REMOVED)
    found = list(log.order_by("-revision")[: limit * 2])
    still = reader_entries(blog).filter(pk__in=[change.entry_id for change in found])
    if key_events_only:
        still = still.key_events()
    back = set(still.values_list("pk", flat=True))
    gone, named = [], set()
    for change in found:
        if change.entry_id not in back and change.entry_id not in named:
            named.add(change.entry_id)
            gone.append(change)
    return gone[:limit]


def display_prefetches() -> list:
    """What an entry's template shows: captions with images, authors, corrections."""
    return [
        Prefetch("captions", queryset=Caption.objects.select_related("image")),
        "authors",
        "corrections",
    ]


def with_display_data(entries):
    """Prefetch what an entry's template shows (three queries for the lot)."""
    return entries.prefetch_related(*display_prefetches())


def display(entries: list[Entry], blog: Blog) -> list[Entry]:
    """Make loaded entries ready for their template (three queries for the lot)."""
    prefetch_related_objects(entries, *display_prefetches())
    return prepare(entries, blog)


def prepare(entries, blog: Blog) -> list[Entry]:
    """Attach the blog and the blocks to show, so templates run no queries."""
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
            parts.append(body.inline_text(block["text"]))
        elif kind == "list":
            parts.extend(body.inline_text(item) for item in block["items"])
        elif kind == "link":
            parts.append(block["text"])
        elif kind == "quote":
            said = body.inline_text(block["text"])
            parts.append(f"“{said}” — {block['attribution']}" if block["attribution"] else said)
    return "\n\n".join(parts)


def whole_number(value: str | None, *, name: str, default: int | None = None) -> int:
    """A query parameter that must be a whole number in range: 404 otherwise, as the reader
    pages answer any address that names nothing."""
    if value is None or value == "":
        if default is None:
            raise Http404(f"{name} must be a whole number.")
        return default
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_NUMBER:
        raise Http404(f"{name} must be a whole number.")
    return int(value)


@dataclass(frozen=True)
class Cursor:
    """Position in a blog's stream: the entries past (sort_key, id) in the page's order come
    next (older ones newest first, newer ones oldest first)."""

    sort_key: int
    id: int

    @classmethod
    def parse(cls, value: str | None, *, name: str = "before") -> "Cursor | None":
        if not value:
            return None
        sort_key, _, pk = value.partition(".")
        return cls(whole_number(sort_key, name=name), whole_number(pk, name=name))

    @classmethod
    def after(cls, entry: Entry) -> "Cursor":
        return cls(entry.sort_key, entry.id)

    @classmethod
    def including(cls, entry: Entry, *, oldest_first: bool = False) -> "Cursor":
        """The position just before `entry`, so the page from here starts with it."""
        return cls(entry.sort_key, entry.id - 1 if oldest_first else entry.id + 1)

    def __str__(self) -> str:
        return f"{self.sort_key}.{self.id}"

    def filter(self, entries, *, oldest_first: bool = False):
        if oldest_first:
            return entries.filter(
                Q(sort_key__gt=self.sort_key) | Q(sort_key=self.sort_key, id__gt=self.id)
            )
        return entries.filter(
            Q(sort_key__lt=self.sort_key) | Q(sort_key=self.sort_key, id__lt=self.id)
        )


@dataclass(frozen=True)
class Listing:
    """How a reader asked to see a blog's stream: its order, its filter and where the page
    starts. All of it lives in the URL, so every listing works without JavaScript, survives
    paging and is cached like any other address."""

    oldest_first: bool = False
    key_events_only: bool = False
    cursor: Cursor | None = None

    @classmethod
    def from_query(cls, query) -> "Listing":
        """The listing a query string asks for (404 for an order or position that names
        nothing, as for any other address)."""
        order = query.get("order", "")
        if order not in ("", "newest", "oldest"):
            raise Http404("order must be newest or oldest.")
        oldest_first = order == "oldest"
        cursor_name = "after" if oldest_first else "before"
        return cls(
            oldest_first=oldest_first,
            key_events_only=query.get("key_events") == "1",
            cursor=Cursor.parse(query.get(cursor_name), name=cursor_name),
        )

    @property
    def is_first(self) -> bool:
        return self.cursor is None

    def replace(self, **changes) -> "Listing":
        return dataclasses.replace(self, **changes)

    def query(self) -> str:
        """The query string of this listing ("" for the default one), with its leading "?"."""
        params = {}
        if self.oldest_first:
            params["order"] = "oldest"
        if self.key_events_only:
            params["key_events"] = "1"
        if self.cursor is not None:
            params["after" if self.oldest_first else "before"] = str(self.cursor)
        return "?" + urlencode(params) if params else ""

    def url(self, blog: Blog, *, fragment: bool = False) -> str:
        """The blog page (or, with `fragment`, the bare entries) of this listing."""
        if fragment:
            path = reverse("liveblog:entry-page", kwargs={"slug": blog.slug})
        else:
            path = blog.get_absolute_url()
        return path + self.query()

    def entries(self, blog: Blog):
        """The listing's entries in its order: the pinned entry first either way (on the first
        page), then by time."""
        entries = reader_entries(blog)
        if self.key_events_only:
            entries = entries.key_events()
        if self.cursor is not None:
            entries = self.cursor.filter(entries.unpinned(), oldest_first=self.oldest_first)
        if self.oldest_first:
            return entries.order_by("-is_pinned", "sort_key", "id")
        return entries.newest_first()


@dataclass
class EntryPage:
    entries: list[Entry]
    listing: Listing
    next: Cursor | None

    @property
    def is_first(self) -> bool:
        return self.listing.is_first

    @property
    def next_listing(self) -> Listing | None:
        return self.listing.replace(cursor=self.next) if self.next else None


def entry_page(blog: Blog, listing: Listing, *, beside: list[Entry] | None = None) -> EntryPage:
    """One page of the stream in the listing's order, each entry marked with whether it starts
    a new day (`starts_day`). `beside`: entries shown with the page (the desk's drafts), made
    ready for their template in the same queries.

    Queries: the page of entries, then captions+images, authors and corrections (4 in all).
    """
    size = settings.LIVEBLOG_PAGE_SIZE
    rows = list(listing.entries(blog)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    display([*rows, *(beside or [])], blog)
    mark_days(rows, blog)
    stream = [entry for entry in rows if not entry.is_pinned]
    following = Cursor.after(stream[-1]) if has_more and stream else None
    return EntryPage(entries=rows, listing=listing, next=following)


def mark_days(entries: list[Entry], blog: Blog) -> None:
    """Set `starts_day` on each timed entry whose day (in the blog's zone) differs from the one
    shown before it, so the page prints a date line where the day changes. The script redoes
    this in the browser as entries arrive. The pinned entry carries none."""
    previous = None
    for entry in entries:
        if entry.is_pinned:
            # Above the stream, out of its time order: it would split a day in two.
            entry.starts_day = False
            continue
        day = entry.published_at.astimezone(blog.zone).date() if entry.published_at else None
        entry.starts_day = day is not None and day != previous
        previous = day or previous


def locate(blog: Blog, entry: Entry, listing: Listing) -> Listing:
    """The listing whose page starts with `entry` (the first page for the pinned entry, and
    all updates when the entry is not a key event)."""
    if entry.is_pinned:
        return listing.replace(cursor=None)
    if listing.key_events_only and not entry.is_key_event:
        listing = listing.replace(key_events_only=False)
    return listing.replace(cursor=Cursor.including(entry, oldest_first=listing.oldest_first))


def key_event_links(blog: Blog) -> list[Entry]:
    """Headlines and times of the blog's latest key events, LIVEBLOG_KEY_EVENTS_SHOWN of them
    (a story of weeks has hundreds: the navigation links to the key-events listing for the
    rest, `blog.key_event_count` says how many). One query on entry_key_events_idx."""
    entries = reader_entries(blog).key_events().order_by("-sort_key", "-id")
    entries = entries.only("id", "headline", "published_at", "sort_key", "blog_id")
    entries = list(entries[: settings.LIVEBLOG_KEY_EVENTS_SHOWN])
    for entry in entries:
        entry.blog = blog
    return entries


def all_key_events_url(blog: Blog) -> str:
    """The listing of every key event (paged like the stream): where the navigation's "all"
    link goes."""
    return Listing(key_events_only=True).url(blog)


def hero_caption(blog: Blog) -> Caption | None:
    return Caption.objects.filter(blog=blog, entry__isnull=True).select_related("image").first()
