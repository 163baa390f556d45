"""Verification labels: set on the model (one click on the desk, the API), a reader-visible
change in the stream, shown on the page, the permalink, in feeds, JSON-LD and the API; a
retracted entry stays, struck through, with its note; readers see how the label changed."""

import datetime as dt
import json
import re

import feedparser
import pytest
import time_machine
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from liveblog import stream
from liveblog.freshness import entry_etag
from liveblog.models import Blog, ChangeKind, Entry, EntryStatus, Verification
from tests.conftest import ROOT
from tests.factories import make_blog, make_entry, make_member

pytestmark = pytest.mark.django_db
ZONE = "Europe/Berlin"
# 13:32 UTC is 14:32 in Berlin in December.
AT = dt.datetime(2026, 12, 6, 13, 32, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """An hour before AT, ticking: entries are published before their labels are set. Pages
    kept by an earlier test of the same blog, state and times are forgotten."""
    cache.clear()
    with time_machine.travel(AT - dt.timedelta(hours=1), tick=True):
        yield
    cache.clear()


@pytest.fixture
def blog():
    return make_blog(slug="quake", title="Quake", time_zone=ZONE)


@pytest.fixture
def entry(blog):
    return make_entry(blog, headline="Tremor felt in the capital", body="Windows shook.")


def label(entry, value, note=None, at=AT):
    # As a request would: its commit tells the blog's state kept outside the database (Redis).
    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        entry.set_verification(value, note)
    entry.refresh_from_db()


def json_ld(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )


def test_a_label_is_dated_logged_and_a_reader_visible_change(blog, entry):
    blog.refresh_from_db()
    since = blog.revision
    label(entry, "unconfirmed")
    label(entry, "confirmed", at=AT + dt.timedelta(minutes=30))
    assert entry.verification == "confirmed"
    assert entry.verified_at == AT + dt.timedelta(minutes=30)
    assert [(item["label"], item["at"]) for item in entry.verification_history] == [
        ("unconfirmed", AT),
        ("confirmed", AT + dt.timedelta(minutes=30)),
    ]
    blog.refresh_from_db()
    found = stream.changes(blog.pk, since, blog.revision, limit=10)
    assert [e.pk for e in found.entries] == [entry.pk]
    kinds = blog.changes.filter(revision__gt=since).values_list("kind", flat=True)
    assert list(kinds) == [ChangeKind.UPDATED, ChangeKind.UPDATED]


def test_a_drafts_label_moves_only_the_editors_state(blog):
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    blog.refresh_from_db()
    before = (blog.revision, blog.state_version)
    label(draft, "unconfirmed")
    blog.refresh_from_db()
    assert blog.revision == before[0] and blog.state_version > before[1]


def test_the_note_belongs_to_the_label_it_came_with(entry):
    label(entry, "confirmed", "The ministry confirmed it.")
    label(entry, "retracted")  # a new label starts without the old note
    assert entry.verification_note == ""
    label(entry, "retracted", "The ministry withdrew its statement.")
    assert [(i["label"], i["note"]) for i in entry.verification_history] == [
        ("confirmed", "The ministry confirmed it."),
        ("retracted", "The ministry withdrew its statement."),
    ]


def test_an_unknown_label_is_refused_naming_the_field(entry):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        entry.set_verification("true-ish")
    assert "verification" in refused.value.message_dict


# --- what readers see --------------------------------------------------------------------------


def test_the_page_and_the_permalink_show_the_label(client, blog, entry):
    label(entry, "unconfirmed")
    page = client.get("/quake/").content.decode()
    assert "Unconfirmed report" in page
    label(entry, "confirmed", at=AT)
    for url in ("/quake/", f"/quake/entries/{entry.pk}/"):
        html = client.get(url).content.decode()
        assert "Confirmed 14:32" in html  # in the blog's zone
        assert "How this report's label changed" in html  # it changed once already


def test_a_retracted_entry_stays_struck_through_with_its_note(client, blog, entry):
    label(entry, "retracted", "Officials say the tremor was a controlled blast.", at=AT)
    html = client.get("/quake/").content.decode()
    article = re.search(rf'<article class="([^"]*)" id="entry-{entry.pk}"', html)
    assert article and "entry--retracted" in article[1].split()
    assert "Tremor felt in the capital" in html
    assert "Retracted 14:32" in html
    assert "Officials say the tremor was a controlled blast." in html
    css = (ROOT / "liveblog" / "static" / "liveblog" / "liveblog.css").read_text()
    assert ".entry--retracted .entry__headline" in css and "line-through" in css


def test_json_ld_and_feeds_carry_the_label(client, blog, entry):
    other = make_entry(blog, headline="No label here")
    label(entry, "disputed")
    posting = json_ld(client.get("/quake/").content.decode())
    statuses = {u["headline"]: u.get("creativeWorkStatus") for u in posting["liveBlogUpdate"]}
    assert statuses == {"Tremor felt in the capital": "Disputed", other.headline: None}
    single = json_ld(client.get(f"/quake/entries/{entry.pk}/").content.decode())
    assert single["creativeWorkStatus"] == "Disputed"

    feed = feedparser.parse(client.get("/quake/feed/").content)
    items = {item.title: item for item in feed.entries}
    tremor = items["Tremor felt in the capital"]
    assert "Disputed" in [tag.term for tag in tremor.tags]
    assert "Disputed since" in tremor.summary
    assert not getattr(items[other.headline], "tags", [])


def test_the_api_reads_and_writes_the_label(blog, entry, editor):
    label(entry, "unconfirmed", at=AT)
    client = APIClient()
    read = client.get(f"/api/entries/{entry.pk}/").json()
    assert read["verification"] == "unconfirmed"
    assert read["verification_history"] == [
        {"label": "unconfirmed", "at": "2026-12-06T13:32:00Z", "note": ""}
    ]
    client.force_authenticate(editor)
    bad = client.patch(
        f"/api/entries/{entry.pk}/",
        {"verification": "sure"},
        format="json",
        HTTP_IF_MATCH=entry_etag(entry),
    )
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"verification"}
    good = client.patch(
        f"/api/entries/{entry.pk}/",
        {"verification": "retracted", "verification_note": "It was a drill."},
        format="json",
        HTTP_IF_MATCH=entry_etag(entry),
    )
    assert good.status_code == 200
    assert good.json()["verification"] == "retracted" and good.json()["verified_at"]
    assert entry.history.latest("history_id").history_change_reason == ("Labelled retracted (API).")
    # Contributors do not label.
    carla = make_member(blog, "carla")
    own = make_entry(blog, status=EntryStatus.DRAFT)
    own.authors.add(carla)
    client.force_authenticate(carla)
    refused = client.patch(
        f"/api/entries/{own.pk}/",
        {"verification": "confirmed"},
        format="json",
        HTTP_IF_MATCH=entry_etag(own),
    )
    assert refused.status_code == 403 and set(refused.json()["errors"]) == {"verification"}


def test_one_click_on_the_desk(editor_client, blog, entry):
    url = reverse("admin:liveblog_blog_desk_verb", args=[blog.pk, entry.pk, "verify"])
    page = editor_client.get(reverse("admin:liveblog_blog_desk", args=[blog.pk])).content
    # The buttons are in the entry's bar: one per label, the current one pressed.
    assert page.decode().count(f'aria-describedby="entry-{entry.pk}-headline">') >= 5
    for value in Verification.values:
        assert f'data-verification="{value}"' in page.decode()
    response = editor_client.post(url, {"verification": "confirmed"})
    assert response.status_code == 200
    assert Entry.objects.get(pk=entry.pk).verification == "confirmed"
    assert entry.history.latest("history_id").history_change_reason == (
        "Labelled confirmed (live desk)."
    )
    refused = editor_client.post(url, {"verification": "maybe"})
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"verification"}
    assert Blog.objects.get(pk=blog.pk).changes.filter(entry_id=entry.pk).count() == 2


def test_the_label_comes_with_the_live_changes(client, blog, entry):
    blog.refresh_from_db()
    since = blog.revision
    label(entry, "confirmed", at=timezone.now())
    body = client.get(f"/quake/live/changes/?since={since}").json()
    assert "Confirmed" in json.dumps(body)
