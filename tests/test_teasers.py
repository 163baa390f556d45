"""The teaser card: the latest three updates in a frame of fixed size, by URL and through
oEmbed, on the index for live blogs; cached and revalidated like the pages."""

import pytest

from liveblog.models import EntryStatus
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db


def test_teaser_shows_the_latest_three_and_nothing_unpublished(client):
    blog = make_blog(title="Storm")
    for n in range(5):
        make_entry(blog, headline=f"Update {n}")
    make_entry(blog, headline="Draft", status=EntryStatus.DRAFT)
    response = client.get(f"/{blog.slug}/teaser/")
    page = response.content.decode()
    assert response.status_code == 200
    assert [h for h in ("Update 4", "Update 3", "Update 2") if h in page] == [
        "Update 4",
        "Update 3",
        "Update 2",
    ]
    assert page.index("Update 4") < page.index("Update 3") < page.index("Update 2")
    assert "Update 1" not in page and "Draft" not in page
    assert "frame-ancestors" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert 'target="_top"' in page


def test_teaser_is_cached_and_revalidated_like_pages(client):
    blog = make_blog()
    make_entry(blog)
    first = client.get(f"/{blog.slug}/teaser/")
    page = client.get(f"/{blog.slug}/")
    assert first["Cache-Control"] == page["Cache-Control"]
    assert client.get(f"/{blog.slug}/teaser/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    make_entry(blog, headline="Fresh")
    again = client.get(f"/{blog.slug}/teaser/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Fresh" in again.content.decode()


def test_teaser_of_a_draft_blog_is_404(client):
    assert client.get(f"/{make_blog(status='draft').slug}/teaser/").status_code == 404


def test_teaser_through_oembed_has_its_reserved_size(client):
    blog = make_blog()
    url = f"http://testserver/{blog.slug}/teaser/"
    document = client.get("/oembed/", {"url": url}).json()
    assert (document["width"], document["height"]) == (360, 300)
    assert f'src="{url}"' in document["html"]
    assert 'width="360" height="300"' in document["html"]
    assert "height:300px" in document["html"]  # reserved even where attributes are ignored
    page = client.get(f"/{blog.slug}/").content.decode()
    assert "teaser-code" in page


def test_index_shows_live_blogs_latest_updates(client):
    live = make_blog(title="Live one")
    for n in range(4):
        make_entry(live, headline=f"Live update {n}")
    closed = make_blog(title="Closed one", status="closed")
    make_entry(closed, headline="Old news")
    page = client.get("/").content.decode()
    assert "Live update 3" in page and "Live update 1" in page and "Live update 0" not in page
    assert f'href="/{live.slug}/#entry-' in page
    assert "Old news" not in page


def test_teaser_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    blog = make_blog()
    for _ in range(10):
        make_entry(blog)
    # 1. the blog's state for the response cache  2. the blog with its state  3. the entries
    with django_assert_num_queries(3):
        first = client.get(f"/{blog.slug}/teaser/")
    # Kept under the blog's state: the state alone, then the kept copy.
    with django_assert_num_queries(1):
        assert client.get(f"/{blog.slug}/teaser/").content == first.content


def test_the_pinned_entry_takes_its_place_by_time(client):
    blog = make_blog()
    old = make_entry(blog, headline="Old but pinned")
    old.pin()
    for n in range(3):
        make_entry(blog, headline=f"New {n}")
    page = client.get(f"/{blog.slug}/teaser/").content.decode()
    assert "Old but pinned" not in page and "New 0" in page


@pytest.mark.slow
def test_distribution_pages_are_valid_html(client, settings, tmp_path):
    """The teaser card, the index with its cards and a blog page with the Follow control,
    through the Nu Html Checker (tests/test_html_validity.py's harness)."""
    from liveblog.distribution import push
    from tests.test_html_validity import vnu_messages

    public, private = push.make_keys()
    settings.LIVEBLOG_VAPID_PUBLIC_KEY, settings.LIVEBLOG_VAPID_PRIVATE_KEY = public, private
    blog = make_blog()
    for n in range(4):
        make_entry(blog, headline=f"Update {n}", is_key_event=n == 2)
    documents = {
        "teaser": client.get(f"/{blog.slug}/teaser/").content.decode(),
        "index": client.get("/").content.decode(),
        "blog page with Follow": client.get(f"/{blog.slug}/").content.decode(),
    }
    assert 'id="follow"' in documents["blog page with Follow"]
    errors = vnu_messages(documents, tmp_path)
    assert {name: found for name, found in errors.items() if found} == {}
