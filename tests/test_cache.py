"""Caching keyed on the blog state: hits are cheap and every change shows on the next request."""

import datetime as dt
import os
import shutil
import socket
import uuid
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib import admin
from django.core.cache import cache
from django.db.models import F
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.utils import timezone

from liveblog.freshness import make_key, state
from liveblog.importers.loader import import_file
from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
from tests.factories import make_blog, make_caption, make_entry
from tests.needs import missing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cached_site():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def blog():
    blog = make_blog(title="Storm Ciarán", slug="storm")
    make_entry(blog, headline="Winds reach the coast")
    return blog


def get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_keys_are_short_and_safe_for_any_parts():
    key = make_key(("response", "page", 1, 2, 0, "/a b/?q=ü" * 50))
    assert len(key) < 50
    assert " " not in key


def test_blog_state_is_one_query_and_hides_drafts(django_assert_num_queries, blog):
    with django_assert_num_queries(1):
        found = state("storm")
    assert found.pk == blog.pk
    assert found.revision == Blog.objects.get(pk=blog.pk).revision
    make_blog(slug="secret", status=BlogStatus.DRAFT)
    assert state("secret") is None
    assert state("nowhere") is None


def test_a_scheduled_entry_falling_due_is_announced_by_the_next_state_read(blog):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        scheduled = make_entry(blog, published_at=now + dt.timedelta(minutes=5))
        before = state("storm")
    assert scheduled.revision == 0  # nobody could see it: no revision yet
    with time_machine.travel(now + dt.timedelta(minutes=6), tick=False):
        after = state("storm")
        assert after.revision == before.revision + 1
        assert state("storm") == after  # announced once
    scheduled.refresh_from_db()
    assert (scheduled.revision, scheduled.is_scheduled) == (after.revision, False)


def test_a_cached_blog_page_costs_one_query(client, blog, django_assert_num_queries):
    first = get(client, blog.get_absolute_url())
    # The blog state (one query on the slug index); the page itself comes from the cache.
    with django_assert_num_queries(1):
        second = get(client, blog.get_absolute_url())
    assert second == first


def test_a_cached_page_still_answers_304_to_a_current_etag(client, blog):
    response = client.get(blog.get_absolute_url())
    again = client.get(blog.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_live_check_is_answered_from_memory_until_something_changes(
    client, blog, django_assert_num_queries, settings, django_capture_on_commit_callbacks
):
    settings.LIVEBLOG_MEMO_SECONDS = 1
    live = f"/{blog.slug}/live/"
    # 1. the blog's state; then the process remembers it for LIVEBLOG_MEMO_SECONDS
    with django_assert_num_queries(1):
        etag = client.get(live)["ETag"]
    with django_assert_num_queries(0):
        assert client.get(live, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A write committed by this process forgets the memo at once.
    with django_capture_on_commit_callbacks(execute=True):
        make_entry(blog, headline="Ferries cancelled")
    changed = client.get(live, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_another_process_write_reaches_the_live_check_within_the_memo_time(client, blog, settings):
    settings.LIVEBLOG_MEMO_SECONDS = 1
    live = f"/{blog.slug}/live/"
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        etag = client.get(live)["ETag"]
        # Another app server's write: the database changes, this process is not told.
        Blog.objects.filter(pk=blog.pk).update(revision=F("revision") + 1)
        assert client.get(live, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 0, 1, 1000, tzinfo=dt.UTC), tick=False):
        assert client.get(live, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_live_check_memo_can_be_turned_off(client, blog, settings):
    settings.LIVEBLOG_MEMO_SECONDS = 0
    live = f"/{blog.slug}/live/"
    etag = client.get(live)["ETag"]
    Blog.objects.filter(pk=blog.pk).update(revision=F("revision") + 1)
    assert client.get(live, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_publishing_an_entry_shows_on_the_next_request(client, blog):
    draft = make_entry(blog, headline="Ferries cancelled", status=EntryStatus.DRAFT)
    assert "Ferries cancelled" not in get(client, blog.get_absolute_url())
    draft.publish()
    assert "Ferries cancelled" in get(client, blog.get_absolute_url())


def test_editing_and_deleting_an_entry_show_on_the_next_request(client, blog):
    entry = blog.entries.get()
    permalink = entry.get_absolute_url()
    assert "Winds reach the coast" in get(client, blog.get_absolute_url())
    assert "Winds reach the coast" in get(client, permalink)
    entry.headline = "Gusts of 100 mph reach the coast"
    entry.save()
    assert "Gusts of 100 mph" in get(client, blog.get_absolute_url())
    assert "Gusts of 100 mph" in get(client, permalink)
    entry.delete()
    assert "Gusts of 100 mph" not in get(client, blog.get_absolute_url())
    assert client.get(permalink).status_code == 404


def test_caption_and_image_changes_show_on_the_next_request(client, blog):
    entry = blog.entries.get()
    caption = make_caption(entry=entry, text="Waves over the harbour wall")
    assert "Waves over the harbour wall" in get(client, blog.get_absolute_url())
    caption.text = "Waves break over Newhaven harbour wall"
    caption.save()
    assert "Waves break over Newhaven" in get(client, blog.get_absolute_url())
    image = caption.image
    image.alt_text = "Grey waves crashing onto a lighthouse"
    image.save()
    assert "Grey waves crashing onto a lighthouse" in get(client, blog.get_absolute_url())


def test_a_correction_shows_on_the_next_request(client, blog):
    entry = blog.entries.get()
    get(client, entry.get_absolute_url())
    entry.corrections.create(text="Corrected the wind speed")
    assert "Corrected the wind speed" in get(client, entry.get_absolute_url())


def test_an_admin_edit_of_the_blog_shows_on_the_next_request(client, blog, admin_user):
    assert "Storm Ciarán" in get(client, blog.get_absolute_url())
    blog_admin = admin.site._registry[Blog]
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    form_class = blog_admin.get_form(request, blog, change=True)
    data = {k: v for k, v in model_to_dict(blog).items() if v is not None}
    data.update(title="Storm Ciarán: the clean-up", key_points="[]")
    form = form_class(data=data, instance=blog)
    assert form.is_valid(), form.errors
    blog_admin.save_model(request, form.save(commit=False), form, change=True)
    assert "Storm Ciarán: the clean-up" in get(client, blog.get_absolute_url())


def test_closing_or_unpublishing_the_blog_shows_on_the_next_request(client, blog):
    get(client, blog.get_absolute_url())
    blog.set_status(BlogStatus.CLOSED)
    assert Blog.objects.get(pk=blog.pk).status == BlogStatus.CLOSED
    get(client, blog.get_absolute_url())  # served again, from a new key
    Blog.objects.filter(pk=blog.pk).update(status=BlogStatus.DRAFT)
    assert client.get(blog.get_absolute_url()).status_code == 404


def test_a_scheduled_entry_appears_when_due_without_any_write(client, blog):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        make_entry(blog, headline="Evening briefing", published_at=now + dt.timedelta(minutes=1))
        assert "Evening briefing" not in get(client, blog.get_absolute_url())
    with time_machine.travel(now + dt.timedelta(minutes=2), tick=False):
        assert "Evening briefing" in get(client, blog.get_absolute_url())


def test_a_reimport_shows_on_the_next_request(client, seeds_dir, tmp_path):
    seed = tmp_path / "003_66570e0849951c9e.txt"
    shutil.copy(seeds_dir / seed.name, seed)
    old = "European countries reaffirm Ukraine support amid concerns over US position"
    new = "European ministers reaffirm Ukraine support in Paris"
    (slug,) = import_file(seed).blogs
    Blog.objects.filter(slug=slug).update(status=BlogStatus.LIVE)
    blog = Blog.objects.get(slug=slug)
    assert old in get(client, blog.get_absolute_url())
    seed.write_text(seed.read_text().replace(old, new))
    import_file(seed)
    page = get(client, blog.get_absolute_url())
    assert new in page
    assert old not in page


def test_errors_and_drafts_are_never_cached(client, blog, admin_client):
    draft = make_blog(slug="embargoed", status=BlogStatus.DRAFT)
    make_entry(draft, headline="Embargoed news")
    # A staff preview must not be stored where readers would get it.
    assert "Embargoed news" in get(admin_client, draft.get_absolute_url())
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/storm/entries/999999/").status_code == 404


def test_a_cached_api_entries_list_costs_one_query_and_changes_on_the_next_request(
    api_client, blog, django_assert_num_queries
):
    url = f"/api/blogs/{blog.slug}/entries/"
    first = api_client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):
        second = api_client.get(url)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    entry = blog.entries.get()
    entry.headline = "Gusts of 100 mph reach the coast"
    entry.save()
    assert "Gusts of 100 mph" in api_client.get(url).content.decode()


def test_signed_in_api_callers_bypass_the_cache(api_client, blog, admin_user):
    make_entry(blog, headline="Draft for editors", status=EntryStatus.DRAFT)
    url = f"/api/blogs/{blog.slug}/entries/"
    assert "Draft for editors" not in api_client.get(url).content.decode()
    api_client.force_login(admin_user)
    assert "Draft for editors" in api_client.get(url).content.decode()


# The Redis database these tests use: the one REDIS_URL names (each developer or CI run may have
# its own), else database 0 of a local server.
TEST_REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_available() -> bool:
    parts = urlsplit(TEST_REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_cache(settings):
    if not redis_available():
        missing(f"Redis cache test: nothing listens at {TEST_REDIS_URL} (apt-get install redis)")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            # A prefix of our own, so the test never sees (or clears) anyone else's keys.
            "KEY_PREFIX": f"liveblog-test-{uuid.uuid4().hex}",
        }
    }
    # The state store only where a test asks for it (state_in_redis), whatever REDIS_URL says.
    settings.LIVEBLOG_STATE_REDIS_URL = ""
    yield cache


def test_pages_are_cached_in_redis_and_still_change_on_the_next_request(
    client, blog, redis_cache, django_assert_num_queries
):
    assert type(redis_cache._cache).__name__ == "RedisCacheClient"
    get(client, blog.get_absolute_url())
    with django_assert_num_queries(1):
        get(client, blog.get_absolute_url())
    entry = Entry.objects.get(blog=blog)
    entry.headline = "Storm surge floods the seafront"
    entry.save()
    assert "Storm surge floods the seafront" in get(client, blog.get_absolute_url())


def test_redis_url_switches_the_cache_to_redis(monkeypatch):
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/1")
    reloaded = importlib.reload(settings_module)
    try:
        backend = reloaded.CACHES["default"]
        # Django's Redis cache, made to degrade rather than fail when Redis is away.
        assert backend["BACKEND"] == "liveblog.redis_cache.ForgivingRedisCache"
        assert backend["OPTIONS"]["socket_timeout"] == 0.25
        assert backend["LOCATION"] == "redis://127.0.0.1:6379/1"
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(settings_module)


@pytest.fixture
def state_in_redis(redis_cache, settings):
    """The blogs' states kept in Redis too, as in production (LIVEBLOG_STATE_REDIS_URL)."""
    settings.LIVEBLOG_STATE_REDIS_URL = TEST_REDIS_URL
    from liveblog.freshness import StateStore

    return StateStore.get()


def test_with_the_state_in_redis_a_cached_page_costs_no_query(
    client, blog, state_in_redis, django_assert_num_queries, django_capture_on_commit_callbacks
):
    get(client, blog.get_absolute_url())
    with django_assert_num_queries(0):
        assert "Winds reach the coast" in get(client, blog.get_absolute_url())
        assert client.get(f"/{blog.slug}/live/").status_code == 200
    # A write replaces the kept state when it commits: the next request sees it, still without
    # asking the database for the state.
    with django_capture_on_commit_callbacks(execute=True):
        make_entry(blog, headline="Ferries cancelled")
    assert "Ferries cancelled" in get(client, blog.get_absolute_url())
    with django_assert_num_queries(0):
        assert "Ferries cancelled" in get(client, blog.get_absolute_url())


def test_the_kept_state_only_ever_moves_forward(blog, state_in_redis):
    from liveblog.freshness import read_row

    old = read_row(slug="storm")
    make_entry(blog, headline="Ferries cancelled")
    new = read_row(slug="storm")
    # Commit callbacks and readers storing what they read may arrive in any order.
    state_in_redis.write(new)
    state_in_redis.write(old)
    assert state_in_redis.read("storm") == new
    assert state("storm") == new.blog


def test_a_scheduled_entry_falling_due_is_seen_through_the_kept_state(
    blog, state_in_redis, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            make_entry(
                blog, headline="Evening briefing", published_at=now + dt.timedelta(minutes=5)
            )
        before = state("storm")
        assert state_in_redis.read("storm").next_due is not None
    with time_machine.travel(now + dt.timedelta(minutes=6), tick=False):
        after = state("storm")  # the kept row is past its next_due: asked the database
    assert after.revision == before.revision + 1
    assert state_in_redis.read("storm").next_due is None


def test_renaming_or_deleting_a_blog_forgets_its_kept_state(
    client, blog, state_in_redis, django_capture_on_commit_callbacks
):
    get(client, "/storm/")
    with django_capture_on_commit_callbacks(execute=True):
        blog.slug = "storm-ciaran"
        blog.save()
    assert state_in_redis.read("storm") is None
    assert client.get("/storm/").status_code == 404
    assert client.get("/storm-ciaran/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Blog.objects.filter(pk=blog.pk).delete()
    assert state_in_redis.read("storm-ciaran") is None
    assert client.get("/storm-ciaran/").status_code == 404


def test_with_the_memo_on_a_cached_page_is_answered_from_memory(
    client, blog, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    settings.LIVEBLOG_MEMO_SECONDS = 1
    url = blog.get_absolute_url()
    first = get(client, url)
    cache.clear()  # neither the database nor the shared cache is asked now
    with django_assert_num_queries(0):
        assert get(client, url) == first
    # This process's own committed write is seen at once.
    with django_capture_on_commit_callbacks(execute=True):
        make_entry(blog, headline="Ferries cancelled")
    assert "Ferries cancelled" in get(client, url)


def test_the_response_memo_keeps_to_its_size(settings):
    from liveblog.freshness.cache import ResponseMemo

    settings.LIVEBLOG_MEMO_BYTES = 1000
    memo = ResponseMemo()
    for n in range(20):
        memo.put(f"k{n}", (b"x" * 200, {}))
    assert memo.size <= 1000 and memo.get("k19") is not None and memo.get("k0") is None
    memo.put("huge", (b"x" * 600, {}))  # more than a quarter of the budget: never kept
    assert memo.get("huge") is None
