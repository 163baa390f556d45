"""Blog.objects.search() and Entry.objects.search(): full-text on PostgreSQL, LIKE on SQLite."""

import re

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


# --- the search page -----------------------------------------------------------------------------


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_matches_are_highlighted_and_the_markup_of_entries_stays_escaped(client):
    blog = make_blog(title="Harbour watch")
    make_entry(
        blog,
        headline="Ferry <b>crash</b> at the harbour",
        body="[Rescue boats are out](https://example.com/rescue)\n\n"
        "They reached the ferry at dawn.",
    )

    page = page_of(client, "/search/?q=ferry")

    assert "<mark>Ferry</mark> &lt;b&gt;crash&lt;/b&gt; at the harbour" in page
    assert "They reached the <mark>ferry</mark> at dawn" in page
    assert "https://example.com/rescue" not in page and "](" not in page


def test_snippets_are_cut_between_words_around_the_match(client):
    blog = make_blog()
    words = " ".join(f"word{n}" for n in range(200))
    make_entry(blog, headline="Long", body=f"{words} needle {words}")

    page = page_of(client, "/search/?q=needle")
    snippet = re.search(r'<p class="results__snippet">(.*?)</p>', page, re.S)[1]

    assert "<mark>needle</mark>" in snippet
    assert snippet.startswith("… word") and snippet.endswith("…")
    assert all(re.fullmatch(r"word\d+|…|<mark>needle</mark>", w) for w in snippet.split())


def test_the_page_says_how_many_updates_match(client):
    blog = make_blog()
    for place in ("north", "south", "east"):
        make_entry(blog, headline=f"Flood warning in the {place}", body="Rivers rise.")

    assert "3 updates match." in page_of(client, "/search/?q=flood")
    assert "1 update matches." in page_of(client, "/search/?q=flood+south")
    assert "No updates match." in page_of(client, "/search/?q=drought")


def test_search_within_one_blog(client):
    storm = make_blog(title="Storm")
    other = make_blog(title="Elections")
    make_entry(storm, headline="Flooding in the valley")
    make_entry(other, headline="Flooding delays the count")

    page = page_of(client, f"/search/?q=flooding&blog={storm.slug}")

    assert "in the valley" in page and "delays the count" not in page
    assert "1 update matches." in page and "in Storm" in page
    assert f'<input type="hidden" name="blog" value="{storm.slug}">' in page
    assert client.get("/search/?q=flooding&blog=no-such-blog").status_code == 404


def test_a_page_past_the_last_shows_the_last_page(client):
    blog = make_blog()
    for n in range(25):
        make_entry(blog, headline=f"Quake report {n}")

    past = page_of(client, "/search/?q=quake&page=9")
    nonsense = page_of(client, "/search/?q=quake&page=abc")

    assert "Page 2 of 2" in past and past.count("<li><a href=") == 5
    assert "Page 1 of 2" in nonsense
    assert 'href="?q=quake&amp;page=1"' in past  # paging keeps the query


def test_search_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    blog = make_blog(title="Quake")
    for n in range(25):
        make_entry(blog, headline=f"Quake report {n}")
    # On PostgreSQL, search.bounded()'s settings and its transaction (a savepoint here, as the
    # test runs inside a transaction, and the caller's settings given back before its release;
    # in production BEGIN and COMMIT are not queries, and there is no caller to give back to): 4.
    bounds = 4 if connection.vendor == "postgresql" else 0
    # 1. matching blogs  2. count of matching entries  3. the page of entries with their blogs
    with django_assert_num_queries(3 + bounds):
        client.get("/search/?q=quake")
    # Within one blog: 1. the blog  2. count  3. the page
    with django_assert_num_queries(3 + bounds):
        client.get(f"/search/?q=quake&blog={blog.slug}")
