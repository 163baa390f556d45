"""The hot queries at 50,000 entries, by their plans (PostgreSQL): each is served by an index
and none scans a blog's entries. Plans rather than the clock, so the test says the same on a
busy machine. The rows are made with one INSERT ... SELECT and rolled back with the test.

On SQLite the blog state's query is checked too: its "did a scheduled entry fall due?" once
scanned the blog's stream index (19 ms at 50,000 entries instead of 0.24).
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from liveblog import stream
from liveblog.freshness.state import _row_sql
from liveblog.models import Blog, Change, Entry, EntryQuerySet, sort_key_for
from tests.bulk_rows import insert_generated
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db

ENTRIES = 50_000
KEY_EVERY = 50  # 1,000 key events


def fill(blog: Blog) -> None:
    """50,000 published entries (every 50th a key event, every 1,000th lacking a link's
    address), a few drafts and scheduled entries, and a change log of the same length."""
    start = timezone.now() - datetime.timedelta(days=30)
    at = "%(start)s + n * interval '30 seconds'"
    insert_generated(
        Entry,
        ENTRIES,
        {
            "blog_id": "%(blog)s",
            "headline": "'Update ' || n",
            "body": "'Words of update ' || n",
            "published_at": at,
            "is_key_event": f"n %% {KEY_EVERY} = 0",
            "status": "CASE WHEN n %% 5000 = 1 THEN 'draft' ELSE 'published' END",
            "sort_key": "%(base)s + n::bigint * 30000000",
            "changed_at": at,
            "lacks_link_address": "n %% 1000 = 7",
            "created_at": "%(start)s",
            "updated_at": "%(start)s",
        },
        {"blog": blog.pk, "start": start, "base": sort_key_for(start, 0)},
    )
    insert_generated(
        Change,
        ENTRIES,
        {
            "blog_id": "%(blog)s",
            "revision": "n",
            "kind": "'published'",
            "entry_id": "n",
            "at": "%(start)s",
        },
        {"blog": blog.pk, "start": start},
    )
    with connection.cursor() as cursor:
        for table in ("liveblog_entry", "liveblog_change", "liveblog_blog"):
            cursor.execute(f"ANALYZE {table}")


def plan(queryset) -> str:
    return queryset.explain()


def no_scan(text: str) -> None:
    assert "Seq Scan on liveblog_entry" not in text, text
    assert "Seq Scan on liveblog_change" not in text, text


@pytest.fixture
def big_blog():
    if connection.vendor != "postgresql":
        pytest.skip("plans at 50,000 entries: PostgreSQL's planner (CI's PostgreSQL pass)")
    blog = make_blog(slug="long-story")
    make_blog(slug="other")  # the blog index has more than one row
    fill(blog)
    for n in range(3):  # a draft and scheduled entries the desk shows
        make_entry(
            blog,
            headline=f"Scheduled {n}",
            published_at=timezone.now() + datetime.timedelta(hours=n + 1),
        )
    return Blog.objects.get(pk=blog.pk)


def test_the_stream_pages_seek_their_index(big_blog):
    first = stream.Listing().entries(big_blog)[:21]
    page = stream.entry_page(big_blog, stream.Listing())
    later = stream.Listing(cursor=page.next).entries(big_blog)[:21]
    for queryset in (first, later):
        text = plan(queryset)
        no_scan(text)
        assert "entry_stream_idx" in text, text
        assert "Sort" not in text.split("Limit", 1)[1].split("->", 2)[1], text


def test_key_events_feeds_lists_and_the_desk_read_small_indexes(big_blog):
    key_events = stream.reader_entries(big_blog).key_events().order_by("-sort_key", "-id")[:10]
    feed = stream.reader_entries(big_blog).order_by("-sort_key", "-id")[:50]
    editors_list = Entry.objects.for_blog(big_blog).order_by("-sort_key", "-id")[:21]
    waiting = Entry.objects.for_blog(big_blog).waiting()[:20]
    attention = Entry.objects.for_blog(big_blog).needing_attention()
    for queryset, indexes in (
        (key_events, ["entry_key_events_idx"]),
        (feed, ["entry_blog_sort_idx"]),
        (editors_list, ["entry_blog_sort_idx"]),
        # Its own index, or drafts through the stream index's (blog, status) and scheduled
        # entries through theirs: the planner's choice, both a seek.
        (waiting, ["entry_waiting_idx", "entry_stream_idx"]),
        (attention, ["entry_attention_idx"]),
    ):
        text = plan(queryset)
        no_scan(text)
        assert any(index in text for index in indexes), text


def test_what_changed_and_the_blog_state_are_seeks(big_blog):
    since = big_blog.revision - 5
    changes = Change.objects.between(big_blog.pk, since, big_blog.revision)[:101]
    no_scan(plan(changes))
    sql, params, lookup_at, now_at = _row_sql(connection.alias, "slug")
    params = list(params)
    params[lookup_at] = big_blog.slug
    params[now_at] = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    no_scan(text)
    assert "entry_scheduled_idx" in text, text


def test_sqlite_checks_for_entries_that_fell_due_in_the_scheduled_index():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner (the SQLite pass)")
    blog = make_blog()
    overdue = EntryQuerySet(Entry).filter(blog=blog).overdue()
    sql, params = overdue.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        text = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "entry_scheduled_idx" in text, text
