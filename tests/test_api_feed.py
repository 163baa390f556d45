"""The change feed pollers use: ?since=<revision> on a blog's entries, and conditional GET."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from liveblog.models import EntryStatus
from tests.factories import make_blog, make_caption, make_entry

pytestmark = pytest.mark.django_db


def entries_url(blog, query=""):
    return f"/api/blogs/{blog.slug}/entries/{query}"


def test_feed_returns_changes_and_removals_since_the_cursor(api_client):
    blog = make_blog()
    kept, edited, unpublished, deleted = (make_entry(blog) for _ in range(4))
    since = api_client.get(entries_url(blog)).json()["since"]

    edited.headline = "Edited"
    edited.save()
    unpublished.unpublish()
    deleted_pk = deleted.pk
    deleted.delete()
    added = make_entry(blog)
    # Found by attacking main: a new draft's id used to reach the public `removed` list.
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    draft.headline = "Still a draft"
    draft.save()

    feed = api_client.get(entries_url(blog, f"?since={since}")).json()

    assert [e["id"] for e in feed["results"]] == [added.pk, edited.pk]
    assert kept.pk not in feed["removed"]
    assert sorted(feed["removed"]) == sorted([unpublished.pk, deleted_pk])
    blog.refresh_from_db()
    assert feed["since"] == blog.revision
    assert feed["has_more"] is False
    assert feed["next"].endswith(f"?since={blog.revision}")

    again = api_client.get(feed["next"]).json()
    assert again["results"] == [] and again["removed"] == []


def test_feed_pages_through_many_changes_without_losing_any(api_client):
    blog = make_blog()
    entries = [make_entry(blog) for _ in range(7)]
    seen, since = [], 0
    for _ in range(10):
        feed = api_client.get(entries_url(blog, f"?since={since}&page_size=3")).json()
        seen += [e["id"] for e in feed["results"]]
        since = feed["since"]
        if not feed["has_more"]:
            break
    assert sorted(seen) == sorted(e.pk for e in entries)


def test_feed_reports_caption_changes_as_entry_changes(api_client):
    blog = make_blog()
    entry = make_entry(blog)
    since = api_client.get(entries_url(blog)).json()["since"]
    make_caption(entry=entry, text="New picture")
    feed = api_client.get(entries_url(blog, f"?since={since}")).json()
    assert [e["id"] for e in feed["results"]] == [entry.pk]
    assert feed["results"][0]["blocks"][0]["caption"] == "New picture"


def test_feed_with_a_filter_removes_entries_that_stop_matching(api_client):
    blog = make_blog()
    entry = make_entry(blog, is_key_event=True)
    since = api_client.get(entries_url(blog, "?key_event=true")).json()["since"]
    entry.mark_key_event(False)
    feed = api_client.get(entries_url(blog, f"?key_event=true&since={since}")).json()
    assert feed["results"] == []
    assert feed["removed"] == [entry.pk]


def test_cursor_ahead_of_the_blog_is_400(api_client):
    blog = make_blog()
    make_entry(blog)
    blog.refresh_from_db()
    response = api_client.get(entries_url(blog, f"?since={blog.revision + 1}"))
    assert response.status_code == 400
    assert "since" in response.json()["errors"]


def test_blog_and_entries_answer_304_until_something_changes(api_client):
    blog = make_blog()
    entry = make_entry(blog)
    for url in (
        f"/api/blogs/{blog.slug}/",
        entries_url(blog),
        "/api/blogs/",
        f"/api/entries/{entry.pk}/",
    ):
        first = api_client.get(url)
        assert first.status_code == 200
        assert first["ETag"] and first["Last-Modified"]
        assert "Accept" in first["Vary"]
        again = api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again["ETag"] == first["ETag"]

    etags = {
        url: api_client.get(url)["ETag"] for url in (f"/api/blogs/{blog.slug}/", entries_url(blog))
    }
    entry.headline = "Changed"
    entry.save()
    for url, etag in etags.items():
        assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_if_modified_since_gives_304(api_client):
    blog = make_blog()
    make_entry(blog)
    first = api_client.get(entries_url(blog))
    again = api_client.get(entries_url(blog), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_a_scheduled_entry_falling_due_changes_the_etag(api_client):
    blog = make_blog()
    make_entry(blog)
    scheduled = make_entry(blog, published_at=timezone.now() + dt.timedelta(minutes=5))
    first = api_client.get(entries_url(blog))
    assert scheduled.pk not in [e["id"] for e in first.json()["results"]]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        later = api_client.get(entries_url(blog), HTTP_IF_NONE_MATCH=first["ETag"])
    assert later.status_code == 200
    assert scheduled.pk in [e["id"] for e in later.json()["results"]]


def test_last_modified_is_never_in_the_future(api_editor_client):
    """A scheduled entry's time is ahead: sent as Last-Modified, an If-Modified-Since client
    would get 304 for every edit until then."""
    from django.utils.http import parse_http_date

    entry = make_entry(make_blog(), published_at=timezone.now() + dt.timedelta(days=1))
    url = f"/api/entries/{entry.pk}/"
    first = api_editor_client.get(url)
    assert parse_http_date(first["Last-Modified"]) <= timezone.now().timestamp()

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        entry.headline = "Changed"
        entry.save()
        again = api_editor_client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert again.json()["headline"] == "Changed"


def test_anonymous_and_editor_etags_differ(api_client, api_editor):
    blog = make_blog()
    make_entry(blog, status=EntryStatus.DRAFT)
    anonymous = api_client.get(entries_url(blog))
    api_client.force_authenticate(api_editor)
    editor = api_client.get(entries_url(blog), HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert editor.status_code == 200
    assert len(editor.json()["results"]) == 1
