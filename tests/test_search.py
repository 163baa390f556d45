"""Blog.objects.search() and Entry.objects.search(): full-text on PostgreSQL, LIKE on SQLite."""

import pytest
from django.db import connection

from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search: DATABASE_URL does not point at PostgreSQL "
    "(scripts/ci_postgres.sh runs this module on it)",
)


@pytest.fixture
def stream():
    blog = make_blog(title="Election night", standfirst="Results as they come in")
    entries = {
        "headline": make_entry(blog, headline="Turnout record in the capital", body="Queues."),
        "body": make_entry(blog, headline="Polls close", body="A record turnout is expected."),
        "other": make_entry(blog, headline="Weather", body="Rain in the north."),
        "draft": make_entry(
            blog, headline="Turnout record draft", body="Not yet.", status=EntryStatus.DRAFT
        ),
    }
    return blog, entries


def test_entries_matching_every_word_are_found_case_insensitively(stream):
    blog, entries = stream
    found = set(Entry.objects.search("TURNOUT Record"))
    assert found == {entries["headline"], entries["body"], entries["draft"]}


def test_search_composes_with_published_so_drafts_never_leak(stream):
    blog, entries = stream
    found = list(Entry.objects.published().for_blog(blog).search("turnout record"))
    assert entries["draft"] not in found
    assert set(found) == {entries["headline"], entries["body"]}


def test_a_headline_match_ranks_above_a_body_match(stream):
    blog, entries = stream
    found = list(Entry.objects.published().search("turnout record"))
    assert found == [entries["headline"], entries["body"]]


def test_an_empty_or_blank_query_matches_nothing(stream):
    assert list(Entry.objects.search("")) == []
    assert list(Entry.objects.search("   ")) == []
    assert list(Blog.objects.search("")) == []


def test_a_word_no_entry_contains_matches_nothing(stream):
    assert list(Entry.objects.search("turnout zeppelin")) == []


def test_blogs_are_found_by_title_or_standfirst_and_drafts_stay_hidden():
    election = make_blog(title="Election night", standfirst="Results as they come in")
    storm = make_blog(title="Storm Ciarán", intro="The storm reached the coast overnight.")
    make_blog(title="Election draft", status=BlogStatus.DRAFT)
    assert list(Blog.objects.public().search("election")) == [election]
    assert list(Blog.objects.public().search("results")) == [election]
    assert list(Blog.objects.public().search("coast")) == [storm]


def test_excluded_words_are_not_matched(stream):
    blog, entries = stream
    found = set(Entry.objects.published().search("turnout -capital"))
    assert found == {entries["body"]}


@needs_postgres
def test_postgres_stems_words(stream):
    blog, entries = stream
    polls = entries["body"]
    # "closing" and "close" share the stem "close"; the LIKE fallback would not find it.
    assert list(Entry.objects.published().search("closing polls")) == [polls]


def test_quoted_phrases_and_or_work_on_every_database(stream):
    blog, entries = stream
    assert list(Entry.objects.published().search('"record turnout"')) == [entries["body"]]
    found = set(Entry.objects.published().search("rain or queues"))
    assert found == {entries["other"], entries["headline"]}


@needs_postgres
def test_postgres_search_uses_the_gin_expression_indexes(stream):
    with connection.cursor() as cursor:
        # Small tables are cheaper to scan: forbid that so the plan shows whether the index fits.
        cursor.execute("SET LOCAL enable_seqscan = off")
    entry_plan = Entry.objects.search("turnout").explain()
    blog_plan = Blog.objects.search("election").explain()
    assert "entry_search_idx" in entry_plan, entry_plan
    assert "blog_search_idx" in blog_plan, blog_plan
