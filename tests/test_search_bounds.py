"""The search page is bounded: on PostgreSQL with 150,000 entries every query it runs is served
by the GIN indexes (asserted from the plans, not the clock), the matches counted are capped, a
query past its time answers a "too broad" page, and answers are cached per query and throttled
per address. The bounds themselves (search.bounded) are checked on both databases."""

import re
import time

import pytest
from django.core.cache import cache
from django.db import connection

from liveblog import search
from liveblog.models import Blog, Entry
from tests.bulk_rows import insert_generated
from tests.factories import make_blog, make_entry
from tests.needs import missing

pytestmark = pytest.mark.django_db

ENTRIES = 150_000
# Blogs in several languages, so rows are stored in several configurations.
LANGUAGES = ["en-gb"] * 6 + ["de", "fr", "es", "ar"]
WORDS = (
    "minister parliament election vote storm harbour ferry rescue police city council budget "
    "talks strike rail union market shares bank rates inflation court judge verdict crowd "
    "protest rally square capital border army troops ceasefire aid convoy hospital doctors "
    "school teachers weather rain wind flood river bridge road traffic airport flights delays"
).split()
# Every entry says Ukraine, one in three Biden: the words that took 26 and 61 s.
QUERIES = [
    "ukraine",
    "biden",
    "Ukraine Biden",
    '"ukraine biden"',
    "ukraine -biden",
    "biden or harbour",
    "zeppelin",  # in no entry
    "the",  # a stop word in most configurations, a word in "simple"
]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the plans are PostgreSQL's: DATABASE_URL does not point at PostgreSQL "
            "(scripts/ci_postgres.sh runs this module on it)"
        )


@pytest.fixture
def many_entries(postgres) -> list[Blog]:
    """150,000 published entries in ten blogs, written by one INSERT ... SELECT (about 15 s;
    the test's transaction takes them away again), and the statistics the planner reads."""
    blogs = [
        make_blog(title=f"Crisis desk {n}", slug=f"crisis-{n}", language=language)
        for n, language in enumerate(LANGUAGES)
    ]
    insert_generated(
        Entry,
        ENTRIES,
        {
            "blog_id": "blog.id",
            "headline": "'Update ' || n",
            "body": "'Ukraine ' || CASE WHEN n %% 3 = 0 THEN 'Biden ' ELSE '' END || words.text",
            "published_at": "now() - n * interval '1 minute'",
            "search_config": "blog.search_config",
            "status": "'published'",
            "sort_key": "n",
            "created_at": "now()",
            "updated_at": "now()",
        },
        {
            "blogs": [blog.pk for blog in blogs],
            "n": len(blogs),
            "words": WORDS,
            "w": len(WORDS),
        },
        source="""generate_series(1, %(count)s) AS n
            JOIN liveblog_blog AS blog ON blog.id = (%(blogs)s::bigint[])[1 + n %% %(n)s]
            CROSS JOIN LATERAL (
                SELECT string_agg((%(words)s::text[])[1 + (n * 7919 + k * 104729) %% %(w)s], ' ')
                FROM generate_series(1, 24) AS k
            ) AS words (text)""",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE liveblog_entry")
        cursor.execute("ANALYZE liveblog_blog")
    return blogs


class Plans:
    """EXPLAIN of every query the search page sends, run just before it on the same connection
    (so inside the page's own transaction and settings)."""

    def __init__(self):
        self.plans: list[tuple[str, str]] = []
        self.explaining = False

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and not self.explaining:
            self.explaining = True
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN {sql}", params)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    # EXPLAIN plans for these words; the query itself runs as a prepared
                    # statement, which would use a generic plan unless told otherwise.
                    cursor.execute("SELECT current_setting('plan_cache_mode')")
                    plan += f"\nplan_cache_mode: {cursor.fetchone()[0]}"
                self.plans.append((sql, plan))
            finally:
                self.explaining = False
        return execute(sql, params, many, context)


def kind(sql: str) -> str:
    if sql.startswith("SELECT COUNT(*)"):
        return "count"
    return "blogs" if '"liveblog_blog"."search_document"' in sql else "page"


@pytest.mark.slow
def test_every_search_query_is_served_by_the_gin_indexes_at_150000_entries(client, many_entries):
    # Twice over: past psycopg's prepare threshold (5), the statements are prepared.
    for query in QUERIES * 2:
        plans = Plans()
        with connection.execute_wrapper(plans):
            response = client.get("/search/", {"q": query})
        assert response.status_code == 200, (query, response.status_code)
        searching = {kind(sql): plan for sql, plan in plans.plans if "search_document" in sql}
        # The page of entries is not asked for when the count found none.
        assert {"blogs", "count"} <= searching.keys() <= {"blogs", "count", "page"}, query
        for plan in searching.values():
            # Nothing reads a whole table, and no row's text is parsed again: the stored
            # document is what is checked.
            assert "Seq Scan" not in plan, (query, plan)
            assert "to_tsvector" not in plan, (query, plan)
            # As EXPLAIN shows it: planned for its own words, never a generic plan.
            assert plan.endswith("plan_cache_mode: force_custom_plan"), (query, plan)
        assert "Bitmap Index Scan on blog_search_idx" in searching["blogs"], query
        if "page" in searching:
            assert "Bitmap Index Scan on entry_search_idx" in searching["page"], query
        # The count stops at the cap. Where nearly every entry matches, the planner walks the
        # blogs' entries by another index and stops at 1,001, cheaper than the whole bitmap.
        assert "Limit" in searching["count"] and "Index" in searching["count"], query

    broad = client.get("/search/", {"q": "ukraine"}).content.decode()
    assert "More than 1000 updates match; the newest come first." in broad
    assert re.search(r">Update 1</a>", broad)  # the newest first


@pytest.mark.slow
def test_a_search_past_its_time_answers_a_too_broad_page(client, many_entries, settings):
    # Building the bitmap of 150,000 matches alone takes tens of milliseconds.
    settings.LIVEBLOG_SEARCH_TIMEOUT_MS = 1

    response = client.get("/search/", {"q": "ukraine"})

    assert response.status_code == 422
    assert "This search matches too much to answer in time." in response.content.decode()


def test_a_matching_row_must_match_in_its_own_configuration(postgres):
    """The index finds candidates with every configuration's parse; each row is kept only if
    it matches as parsed in its own. Parsed in "simple", "market -capitals" would let an
    English entry through whose "capitals" is stored as "capit"."""
    blog = make_blog(slug="markets", language="en-gb")
    kept = make_entry(blog, headline="Market news", body="Shares rose.")
    make_entry(blog, headline="Market news", body="The capitals reacted.")

    assert list(Entry.objects.published().search("market -capitals")) == [kept]


# --- search.bounded() on both databases --------------------------------------------------------


def endless_query() -> str:
    if connection.vendor == "postgresql":
        return "SELECT pg_sleep(30)"
    # Counts for ever: only the progress handler stops it.
    return "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT max(x) FROM n"


def test_a_query_past_the_time_is_stopped_as_too_broad(db, settings):
    if connection.vendor not in ("postgresql", "sqlite"):
        missing(f"search.bounded() knows PostgreSQL and SQLite, not {connection.vendor}")
    settings.LIVEBLOG_SEARCH_TIMEOUT_MS = 200
    began = time.monotonic()

    with pytest.raises(search.TooBroad), search.bounded(), connection.cursor() as cursor:
        cursor.execute(endless_query())

    assert time.monotonic() - began < 20  # stopped, not finished (it never finishes)
    # The connection is usable afterwards, without the bounds.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_search_inside_a_transaction_gives_the_callers_settings_back(postgres, settings):
    # Found in CI: inside the test's transaction the search's SET LOCAL outlived its savepoint,
    # and the deferred foreign-key check of 150,000 rows at the end ran under its timeout.
    settings.LIVEBLOG_SEARCH_TIMEOUT_MS = 1234

    def current() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), current_setting('enable_seqscan'),"
                " current_setting('plan_cache_mode')"
            )
            return cursor.fetchone()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '45s'")
    before = current()
    assert before[0] == "45s"
    with search.bounded():
        assert current() == ("1234ms", "off", "force_custom_plan")
    assert current() == before
    # After a stopped search the savepoint's rollback gives them back too.
    settings.LIVEBLOG_SEARCH_TIMEOUT_MS = 100
    with pytest.raises(search.TooBroad), search.bounded(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    assert current() == before


def test_other_database_errors_are_not_taken_for_a_timeout(db):
    from django.db import DatabaseError

    # A DatabaseError, not TooBroad (which is none).
    with pytest.raises(DatabaseError), search.bounded(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")


# --- the page: caching, throttling, the too-broad answer ------------------------------------------


@pytest.fixture
def kept(settings):
    cache.clear()
    settings.LIVEBLOG_SEARCH_CACHE_SECONDS = 60
    settings.LIVEBLOG_SEARCH_RATE = "3/minute"
    yield settings
    cache.clear()


def test_an_answer_is_kept_per_query_and_served_without_the_database(
    client, kept, django_assert_num_queries
):
    make_entry(make_blog(slug="quake"), headline="Quake hits the coast")

    first = client.get("/search/", {"q": "quake"})
    with django_assert_num_queries(0):
        again = client.get("/search/", {"q": "  quake ", "utm_source": "x"})

    assert again.content == first.content and b"hits the coast" in first.content
    assert again["Cache-Control"] == "public, max-age=60"
    assert "cookie" not in again.get("Vary", "").lower()


def test_searches_the_cache_cannot_answer_are_throttled_per_address(client, kept):
    make_blog(slug="quiet")
    codes = [client.get("/search/", {"q": f"word{n}"}).status_code for n in range(3)]
    refused = client.get("/search/", {"q": "word3"})
    from_cache = client.get("/search/", {"q": "word0"})
    elsewhere = client.get("/search/", {"q": "word4"}, REMOTE_ADDR="203.0.113.9")

    assert codes == [200, 200, 200]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "You have searched often in a short while" in refused.content.decode()
    assert "no-store" in refused["Cache-Control"]
    assert from_cache.status_code == 200
    assert elsewhere.status_code == 200


def test_the_too_broad_page_keeps_the_search_form(client, kept, monkeypatch):
    blog = make_blog(slug="storm")

    def too_broad(*args, **kwargs):
        raise search.TooBroad("canceling statement due to statement timeout")

    monkeypatch.setattr(search, "bounded", too_broad)
    response = client.get("/search/", {"q": "storm", "blog": blog.slug})

    page = response.content.decode()
    assert response.status_code == 422
    assert "This search matches too much to answer in time." in page
    assert re.search(r'<input id="blog-search-q" type="search" name="q" value="storm">', page)
    # Kept like any answer: the same search does not run again at once.
    assert client.get("/search/", {"q": "storm", "blog": blog.slug}).status_code == 422


def test_an_unreachable_cache_costs_the_search_page_nothing_but_speed(client, kept, caplog):
    """Answers and throttle counts live in the cache, an accelerator: with Redis down (the
    production backend, liveblog.redis_cache) the page still answers, neither kept nor
    counted."""
    from django.test import override_settings

    from scripts.edge_nginx import free_port

    make_entry(make_blog(slug="outage"), headline="Quake hits the coast")
    nowhere = {
        "BACKEND": "liveblog.redis_cache.ForgivingRedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/3",  # nothing listens there
        "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
    }

    with override_settings(CACHES={"default": nowhere}):
        replies = [client.get("/search/", {"q": "quake"}) for _ in range(4)]

    assert [r.status_code for r in replies] == [200] * 4  # over the 3/minute rate: not counted
    assert b"hits the coast" in replies[-1].content
