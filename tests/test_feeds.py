"""Atom feeds, the sitemap: published content only."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.db.models import F
from django.utils import timezone

from liveblog.models import Blog, BlogStatus, EntryStatus
from tests.factories import make_blog, make_entry, make_untimed_entry

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def titles(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]


def test_feed_lists_published_entries_newest_first(client):
    blog = make_blog()
    make_entry(blog, headline="First", body="Hello.\n\n- a list")
    make_entry(blog, headline="Draft", status=EntryStatus.DRAFT)
    make_entry(blog, headline="Later", published_at=timezone.now() + dt.timedelta(hours=2))
    make_entry(blog, headline="Second")

    response = client.get(f"/{blog.slug}/feed/")

    assert titles(response) == ["Second", "First"]
    assert "&lt;li&gt;a list&lt;/li&gt;" in response.content.decode()


def test_key_events_feed(client):
    blog = make_blog()
    make_entry(blog, headline="Key", is_key_event=True)
    make_entry(blog, headline="Not key")

    assert titles(client.get(f"/{blog.slug}/feed/key-events/")) == ["Key"]


def test_entries_without_a_time_get_no_invented_publication_date(client):
    blog = make_blog()
    make_untimed_entry(blog, headline="Untimed", order=1)
    timed = make_entry(
        blog, headline="Timed", published_at=dt.datetime(2022, 2, 7, 9, 0, tzinfo=dt.UTC)
    )

    feed = ET.fromstring(client.get(f"/{blog.slug}/feed/").content)
    published = {
        e.find(f"{ATOM}title").text: e.find(f"{ATOM}published") for e in feed.iter(f"{ATOM}entry")
    }

    assert published["Untimed"] is None
    assert published["Timed"].text.startswith(timed.published_at.date().isoformat())


def test_draft_blog_has_no_feed(client):
    blog = make_blog(status=BlogStatus.DRAFT)
    assert client.get(f"/{blog.slug}/feed/").status_code == 404


def test_feed_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    blog = make_blog()
    for _ in range(30):
        make_entry(blog)
    # 1. the blog's state for the response cache (liveblog.freshness)  2. the blog, with its
    # coverage and state  3. entries  4. captions and images  5. authors  6. corrections
    # 7. removals in the feed's window (tombstones)
    with django_assert_num_queries(7):
        first = client.get(f"/{blog.slug}/feed/")
    # Kept under the blog's state like the pages: the state alone, then the kept copy or a 304.
    with django_assert_num_queries(1):
        assert client.get(f"/{blog.slug}/feed/").content == first.content
    with django_assert_num_queries(1):
        again = client.get(f"/{blog.slug}/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_sitemap_lists_public_blogs_and_published_entries(client):
    blog = make_blog()
    entry = make_entry(blog)
    draft_entry = make_entry(blog, status=EntryStatus.DRAFT)
    draft_blog = make_blog(status=BlogStatus.DRAFT)
    hidden = make_entry(draft_blog)

    body = "".join(sitemaps(client).values())

    assert f"http://testserver/{blog.slug}/</loc>" in body
    assert f"/entries/{entry.pk}/</loc>" in body
    assert f"/entries/{draft_entry.pk}/" not in body
    assert draft_blog.slug not in body and f"/entries/{hidden.pk}/" not in body


def test_feed_has_no_empty_author_and_never_updates_before_publishing(client):
    blog = make_blog(attribution="")
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        # Saved at noon, due at two: "updated" must not read noon.
        make_entry(blog, headline="Scheduled", published_at=timezone.now() + dt.timedelta(hours=2))
    with time_machine.travel(dt.datetime(2024, 3, 1, 15, 0, tzinfo=dt.UTC), tick=False):
        feed = ET.fromstring(client.get(f"/{blog.slug}/feed/").content)

    assert feed.find(f"{ATOM}author") is None
    for entry in feed.iter(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}author") is None
        published = dt.datetime.fromisoformat(entry.find(f"{ATOM}published").text)
        assert dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text) >= published


def test_feed_names_the_source_as_author_when_it_has_one(client):
    blog = make_blog(attribution="Agencies")
    make_entry(blog)
    feed = ET.fromstring(client.get(f"/{blog.slug}/feed/").content)
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Agencies"


def sitemaps(client) -> dict[str, str]:
    """Every sitemap the index at /sitemap.xml lists: its address -> its XML."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    tree = ET.fromstring(index.content)
    assert tree.tag == f"{SITEMAP}sitemapindex"
    found = {}
    for loc in tree.iter(f"{SITEMAP}loc"):
        response = client.get(loc.text.removeprefix("http://testserver"))
        assert response.status_code == 200, loc.text
        found[loc.text] = response.content.decode()
    return found


def sitemap_urls(client) -> dict[str, dict[str, str]]:
    found = {}
    for body in sitemaps(client).values():
        for url in ET.fromstring(body).iter(f"{SITEMAP}url"):
            found[url.find(f"{SITEMAP}loc").text] = {
                child.tag.removeprefix(SITEMAP): child.text for child in url
            }
    return found


def test_the_sitemap_index_pages_every_permalink_and_revalidates(client, settings, monkeypatch):
    # Found on main: a long blog's sitemap stopped at its newest 10,000 entries (no index,
    # ?p=2 a 404), with no Cache-Control and no conditional GET.
    from liveblog import sitemaps as sitemaps_module

    monkeypatch.setattr(sitemaps_module.EntrySitemap, "limit", 3)
    blog = make_blog()
    entries = [make_entry(blog) for _ in range(7)]

    found = sitemaps(client)
    listed = "".join(found.values())

    assert len(found) == 1 + 3  # the blogs, and the entries in pages of 3
    assert all(f"/entries/{entry.pk}/</loc>" in listed for entry in entries)
    index = client.get("/sitemap.xml")
    assert index["Cache-Control"] == "public, max-age=10, stale-while-revalidate=60"
    assert client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=index["ETag"]).status_code == 304
    page = client.get("/sitemap-entries.xml?p=3")
    assert (
        client.get("/sitemap-entries.xml?p=3", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    )
    make_entry(blog)
    assert client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=index["ETag"]).status_code == 200
    assert client.get("/sitemap-entries.xml?p=4").status_code == 404


def test_sitemap_lastmod_is_the_last_reader_visible_change_and_closed_blogs_rest(client):
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        live = make_blog(title="Live")
        make_entry(live)
    imported = make_blog(
        title="Imported",
        status=BlogStatus.CLOSED,
        coverage_date=dt.date(2022, 2, 7),
    )
    make_untimed_entry(imported, headline="Untimed", order=1)
    # As an import ends: dated at the blog's last change.
    Blog.objects.filter(pk=imported.pk).update(imported_at=F("changed_at"))
    live.refresh_from_db()

    urls = sitemap_urls(client)

    live_url = urls[f"http://testserver/{live.slug}/"]
    old_url = urls[f"http://testserver/{imported.slug}/"]
    assert live_url["changefreq"] == "always"
    assert live_url["lastmod"].startswith(live.changed_at.date().isoformat())
    assert old_url["changefreq"] == "monthly"
    assert old_url["lastmod"].startswith("2022-02-0")  # its coverage, not the import day
