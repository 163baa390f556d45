"""JSON Feed 1.1 beside the Atom feeds (same entries, content, times and validators), and
WebSub: the hub named in every feed and pinged, from the queue, after each change."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from liveblog.models import EntryStatus
from tests.factories import make_blog, make_entry, make_untimed_entry
from tests.stubs import Recorder, run_worker

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def check_json_feed_1_1(document: dict) -> None:
    """The JSON Feed 1.1 spec's required fields and types (jsonfeed.org/version/1.1)."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    for key in ("home_page_url", "feed_url"):
        assert document[key].startswith(("http://", "https://"))
    assert isinstance(document["items"], list)
    for hub in document.get("hubs", []):
        assert set(hub) == {"type", "url"}
    for author in document.get("authors", []):
        assert isinstance(author["name"], str)
    ids = [item["id"] for item in document["items"]]
    assert len(set(ids)) == len(ids)
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html"), str) or isinstance(
            item.get("content_text"), str
        )
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), item[key]
        assert all(isinstance(tag, str) for tag in item.get("tags", []))


@pytest.mark.django_db
def test_json_feed_matches_the_atom_feed(client):
    blog = make_blog(attribution="Reuters", standfirst="All of it.")
    first = make_entry(blog, headline="First", body="Hello.\n\n- a list")
    make_entry(blog, headline="Draft", status=EntryStatus.DRAFT)
    make_entry(blog, headline="Later", published_at=timezone.now() + dt.timedelta(hours=2))
    make_entry(blog, headline="Key", is_key_event=True)
    make_untimed_entry(blog, order=1, headline="Imported")

    response = client.get(f"/{blog.slug}/feed/json/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/feed+json")
    document = response.json()
    check_json_feed_1_1(document)
    assert [item["title"] for item in document["items"]] == ["Key", "First", "Imported"]
    atom = ET.fromstring(client.get(f"/{blog.slug}/feed/").content)
    atom_entries = list(atom.iter(f"{ATOM}entry"))
    assert [item["id"] for item in document["items"]] == [
        e.find(f"{ATOM}id").text for e in atom_entries
    ]
    assert [item["date_modified"][:19] for item in document["items"]] == [
        e.find(f"{ATOM}updated").text[:19] for e in atom_entries
    ]
    item = document["items"][1]
    assert "<li>a list</li>" in item["content_html"]
    assert item["date_published"] == first.published_at.isoformat()
    assert "date_published" not in document["items"][2]  # no invented time
    assert document["items"][0]["tags"] == ["Key event"]
    assert document["authors"] == [{"name": "Reuters"}]
    assert document["description"] == "All of it."

    key_events = client.get(f"/{blog.slug}/feed/key-events/json/").json()
    check_json_feed_1_1(key_events)
    assert [item["title"] for item in key_events["items"]] == ["Key"]


@pytest.mark.django_db
def test_json_feed_validators_and_cache_control_are_the_atom_feeds(client):
    blog = make_blog()
    make_entry(blog)
    atom = client.get(f"/{blog.slug}/feed/")
    feed = client.get(f"/{blog.slug}/feed/json/")
    assert feed["Cache-Control"] == atom["Cache-Control"]
    assert feed["Last-Modified"] == atom["Last-Modified"]
    assert feed["ETag"] and feed["ETag"] != atom["ETag"]
    again = client.get(f"/{blog.slug}/feed/json/", HTTP_IF_NONE_MATCH=feed["ETag"])
    assert again.status_code == 304 and again["Cache-Control"] == feed["Cache-Control"]
    since = client.get(f"/{blog.slug}/feed/json/", HTTP_IF_MODIFIED_SINCE=feed["Last-Modified"])
    assert since.status_code == 304
    make_entry(blog)
    assert (
        client.get(f"/{blog.slug}/feed/json/", HTTP_IF_NONE_MATCH=feed["ETag"]).status_code == 200
    )


@pytest.mark.django_db
def test_draft_blog_has_no_json_feed_and_the_page_links_it(client):
    draft = make_blog(status="draft")
    assert client.get(f"/{draft.slug}/feed/json/").status_code == 404
    blog = make_blog()
    page = client.get(f"/{blog.slug}/").content.decode()
    assert 'type="application/feed+json"' in page
    assert f'href="/{blog.slug}/feed/json/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["feed/", "feed/key-events/", "feed/json/", "feed/key-events/json/"]
)
def test_every_feed_names_the_hub_and_itself(client, settings, path):
    settings.LIVEBLOG_WEBSUB_HUB = "https://hub.example/"
    blog = make_blog()
    make_entry(blog)
    response = client.get(f"/{blog.slug}/{path}")
    self_url = f"http://testserver/{blog.slug}/{path}"
    assert response["Link"] == f'<https://hub.example/>; rel="hub", <{self_url}>; rel="self"'
    if path.endswith("json/"):
        assert response.json()["hubs"] == [{"type": "WebSub", "url": "https://hub.example/"}]
        assert response.json()["feed_url"] == self_url
    else:
        feed = ET.fromstring(response.content)
        links = [(link.get("rel"), link.get("href")) for link in feed.findall(f"{ATOM}link")]
        assert ("hub", "https://hub.example/") in links
        assert [href for rel, href in links if rel == "self"] == [self_url]
    settings.LIVEBLOG_WEBSUB_HUB = ""
    make_entry(blog)  # a new state: not the copy kept with the hub
    assert "Link" not in client.get(f"/{blog.slug}/{path}")


@pytest.mark.django_db(transaction=True)
def test_changes_ping_the_hub_from_the_queue(settings):
    settings.LIVEBLOG_SITE_URL = "https://live.example"
    blog = make_blog()
    with Recorder() as hub:
        settings.LIVEBLOG_WEBSUB_HUB = hub.url + "/hub"
        entry = make_entry(blog, headline="One")
        assert hub.requests == []  # not in the request: from the queue
        run_worker()
        entry.mark_key_event()
        make_entry(blog, headline="Two")
        make_entry(blog, headline="Three")
        run_worker()
        draft = make_blog(status="draft")
        make_entry(draft)
        run_worker()
    pings = [parse_qs(request["body"].decode()) for request in hub.requests]
    feed = f"https://live.example/{blog.slug}/feed/"
    assert len(pings) == 2  # a burst of changes is one ping; the draft blog's none
    assert all(ping["hub.mode"] == ["publish"] for ping in pings)
    # The key-event feeds only when key events changed.
    assert set(pings[0]["hub.url"]) == {feed, feed + "json/"}
    key_feeds = {feed + "key-events/", feed + "key-events/json/"}
    assert set(pings[1]["hub.url"]) == {feed, feed + "json/", *key_feeds}
    assert hub.requests[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.django_db(transaction=True)
def test_a_failing_hub_is_pinged_again_later(settings):
    blog = make_blog()
    with Recorder(lambda n: (503, {}, b"") if n == 0 else (204, {}, b"")) as hub:
        settings.LIVEBLOG_WEBSUB_HUB = hub.url
        make_entry(blog)
        run_worker()
        assert len(hub.requests) == 1
        from django_tasks_db.models import DBTaskResult

        later = DBTaskResult.objects.filter(task_path__endswith="ping_hub", status="READY")
        assert later.get().args_kwargs["args"] == [blog.pk, False, 2]
        later.update(run_after=timezone.now())
        run_worker()
    assert len(hub.requests) == 2


@pytest.mark.django_db
def test_json_feed_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    blog = make_blog()
    for _ in range(30):
        make_entry(blog)
    # 1. the blog's state for the response cache  2. the blog, with its coverage and state
    # 3. entries  4. captions and images  5. authors  6. corrections (no tombstones in JSON Feed)
    with django_assert_num_queries(6):
        first = client.get(f"/{blog.slug}/feed/json/")
    with django_assert_num_queries(1):
        assert client.get(f"/{blog.slug}/feed/json/").content == first.content
