"""The live check and changes endpoints that open blog pages poll."""

import datetime as dt
import html as html_lib
import re

import pytest
import time_machine
from django.utils import timezone

from liveblog.models import BlogStatus, Entry, EntryStatus
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db


def check(client, blog, **headers):
    return client.get(f"/{blog.slug}/live/", **headers)


def changes(client, blog, since):
    response = client.get(f"/{blog.slug}/live/changes/?since={since}")
    assert response.status_code == 200
    return response.json()


def test_check_is_tiny_json_with_validators_and_a_shared_url(client):
    blog = make_blog()
    make_entry(blog)
    blog.refresh_from_db()

    response = check(client, blog)

    assert response.json() == {"revision": blog.revision, "status": "live"}
    assert response["ETag"] and "public" in response["Cache-Control"]
    # The page tells every reader the same check URL: nothing per reader in it.
    page = client.get(blog.get_absolute_url()).content.decode()
    assert f'data-live-url="/{blog.slug}/live/"' in page


def test_the_page_carries_the_check_etag_so_the_first_poll_is_conditional(client):
    # Found in the browser: every reader's first poll was a full 200 on an unchanged blog.
    blog = make_blog()
    make_entry(blog)

    page = client.get(blog.get_absolute_url()).content.decode()
    etag = html_lib.unescape(re.search(r'data-live-etag="([^"]+)"', page).group(1))

    assert check(client, blog, HTTP_IF_NONE_MATCH=etag).status_code == 304
    make_entry(blog)
    assert check(client, blog, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_check_answers_304_with_one_query_until_something_changes(
    client, django_assert_num_queries
):
    blog = make_blog()
    etag = check(client, blog)["ETag"]

    # 1. the blog's state (remembered briefly after that when the memo is on: see test_cache.py)
    with django_assert_num_queries(1):
        assert check(client, blog, HTTP_IF_NONE_MATCH=etag).status_code == 304
    make_entry(blog)
    assert check(client, blog, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_scheduled_entry_falling_due_reaches_both_change_feeds(client, api_client):
    # Found on main: the page's feed delivered it, the API's ?since= feed returned [].
    blog = make_blog()
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        made_later = make_entry(blog, headline="Made at noon")
        scheduled = make_entry(blog, published_at=timezone.now() + dt.timedelta(minutes=5))
        before = check(client, blog)
        since = before.json()["revision"]
        assert changes(client, blog, since)["entries"] == []
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 6, tzinfo=dt.UTC), tick=False):
        after = check(client, blog, HTTP_IF_NONE_MATCH=before["ETag"])
        assert after.status_code == 200
        assert after.json()["revision"] > since  # announced when it fell due
        data = changes(client, blog, since)
        feed = api_client.get(f"/api/blogs/{blog.slug}/entries/?since={since}").json()
        stream = api_client.get(f"/api/blogs/{blog.slug}/entries/").json()

    assert [item["id"] for item in data["entries"]] == [scheduled.pk]
    assert [item["id"] for item in feed["results"]] == [scheduled.pk]
    # It lands where its time puts it: above the entry made before it fell due.
    assert [item["id"] for item in stream["results"]] == [scheduled.pk, made_later.pk]


def test_changes_bring_new_and_edited_entries_rendered(client):
    blog = make_blog()
    kept = make_entry(blog, headline="Old")
    blog.refresh_from_db()
    since = blog.revision
    kept.headline = "Old, corrected"
    kept.save()
    new = make_entry(blog, headline="Brand new", is_key_event=True)

    data = changes(client, blog, since)

    by_id = {item["id"]: item for item in data["entries"]}
    assert set(by_id) == {kept.pk, new.pk}
    assert "Old, corrected" in by_id[kept.pk]["html"]
    assert by_id[new.pk]["is_key_event"] and by_id[new.pk]["key"] == new.sort_key
    assert by_id[new.pk]["html"].startswith("<article")
    assert "Brand new" in data["key_events_html"]
    assert data["removed"] == []
    assert data["revision"] > since


def test_changes_report_unpublished_and_deleted_entries_as_removed(client):
    blog = make_blog()
    hidden, deleted = make_entry(blog), make_entry(blog)
    blog.refresh_from_db()
    since = blog.revision
    hidden.unpublish()
    deleted_id = deleted.pk
    deleted.delete()

    data = changes(client, blog, since)

    assert data["entries"] == []
    assert sorted(data["removed"]) == sorted([hidden.pk, deleted_id])


def test_changes_never_render_drafts_or_future_entries(client):
    blog = make_blog()
    make_entry(blog, headline="Secret draft", status=EntryStatus.DRAFT)
    make_entry(blog, headline="Embargoed", published_at=timezone.now() + dt.timedelta(days=1))

    data = changes(client, blog, 0)

    assert data["entries"] == []
    assert "Secret draft" not in str(data) and "Embargoed" not in str(data)


def test_closing_the_blog_shows_in_check_and_changes(client):
    blog = make_blog()
    blog.refresh_from_db()
    since = blog.revision
    blog.set_status(BlogStatus.CLOSED)

    assert check(client, blog).json()["status"] == BlogStatus.CLOSED
    assert changes(client, blog, since)["status"] == BlogStatus.CLOSED


def test_a_poller_far_behind_is_told_to_reload(client):
    blog = make_blog()
    for n in range(1, 150):
        make_entry(blog, headline=f"E{n}")
    assert changes(client, blog, 0)["reload"] is True


def test_changes_run_a_fixed_number_of_queries(client, django_assert_num_queries):
    blog = make_blog()
    Entry.objects.bulk_create(
        Entry(blog=blog, headline=f"E{n}", order=n, sort_key=n, status=EntryStatus.PUBLISHED)
        for n in range(1, 2001)
    )
    blog.refresh_from_db()
    since = blog.revision
    for _ in range(5):
        make_entry(blog, is_key_event=True)
    # 1. the blog's state for the response cache (liveblog.freshness; a cache hit stops there)
    # 2. the blog (whether entries fell due)  3. changed entries  4. their captions and images
    # 5. their authors  6. their corrections  7. removals since  8. the key-events list
    with django_assert_num_queries(8):
        client.get(f"/{blog.slug}/live/changes/?since={since}")


def test_bad_since_is_404(client):
    blog = make_blog()
    assert client.get(f"/{blog.slug}/live/changes/?since=abc").status_code == 404


def test_changes_bring_the_header_as_it_now_reads(client):
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        blog = make_blog(title="Count", time_zone="Europe/London")
        blog.refresh_from_db()
        since = blog.revision
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, 42, tzinfo=dt.UTC), tick=False):
        make_entry(blog, headline="Turnout is high")
        live = changes(client, blog, since)
        blog.set_status(BlogStatus.CLOSED)
        closed = changes(client, blog, since)

    assert "Last updated <time" in live["status_html"] and "12:42 GMT" in live["status_html"]
    assert live["status_html"].startswith('<div class="blog-status" id="blog-status">')
    assert 'id="blog-badge"' in live["badge_html"] and ">Live<" in live["badge_html"]
    assert live["title"] == "LIVE: Count"
    assert "This live blog has ended." in closed["status_html"]
    assert ">Ended<" in closed["badge_html"]
    assert closed["title"] == "Count"
