"""A blog's stream as readers page through it: pages, positions, key events, display data.

Shared by the reader pages, the change feed and the Atom feeds; visibility itself comes from the
QuerySets in liveblog.models.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import Http404

from liveblog.models import Blog, Caption, Entry

# Positions and revisions in URLs: whole numbers no database column would overflow on.
MAX_NUMBER = 2**62


def reader_entries(blog: Blog):
    """The entries readers of the blog see (the caller has checked the blog may be seen: a
    draft blog's preview shows what going live would)."""
    return Entry.objects.due().for_blog(blog)


def with_display_data(entries):
    """Prefetch what an entry's template shows: captions with images, authors, corrections."""
    return entries.prefetch_related(
        Prefetch("captions", queryset=Caption.objects.select_related("image")),
        "authors",
        "corrections",
    )


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
            parts.append(block["text"])
        elif kind == "list":
            parts.extend(block["items"])
        elif kind == "link":
            parts.append(block["text"])
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
    """Position in a blog's stream: entries strictly older than (sort_key, id) come next."""

    sort_key: int
    id: int

    @classmethod
    def parse(cls, value: str | None) -> "Cursor | None":
        if not value:
            return None
        sort_key, _, pk = value.partition(".")
        return cls(whole_number(sort_key, name="before"), whole_number(pk, name="before"))

    @classmethod
    def after(cls, entry: Entry) -> "Cursor":
        return cls(entry.sort_key, entry.id)

    @classmethod
    def including(cls, entry: Entry) -> "Cursor":
        return cls(entry.sort_key, entry.id + 1)

    def __str__(self) -> str:
        return f"{self.sort_key}.{self.id}"

    def filter(self, entries):
        return entries.filter(
            Q(sort_key__lt=self.sort_key) | Q(sort_key=self.sort_key, id__lt=self.id)
        )


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
        entries = cursor.filter(entries.unpinned())
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
    entries = list(entries.only("id", "headline", "published_at", "sort_key", "blog_id"))
    for entry in entries:
        entry.blog = blog
    return entries


def hero_caption(blog: Blog) -> Caption | None:
    return Caption.objects.filter(blog=blog, entry__isnull=True).select_related("image").first()
