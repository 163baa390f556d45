"""The Atom feeds through the shipped edge cache (deploy/nginx/liveblog.conf), read by a real feed
client (feedparser) revalidating with ETag and If-Modified-Since as feed readers do.

Found on main: a retraction moved neither the feed's Last-Modified nor its <updated>, so a
reader polling with If-Modified-Since through nginx got 304 and kept the retracted entry; the
feeds sent no ETag and no Cache-Control, so every poll rendered the feed. Skips where nginx is
not installed; CI installs it.
"""

import time
import urllib.request
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from liveblog.feeds import TOMBSTONES_NS
from liveblog.models import Correction
from scripts.edge_nginx import EdgeCache, nginx_binary
from tests.factories import make_blog, make_entry

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

if nginx_binary() is None:
    pytest.skip(
        "feeds through the edge: nginx is not installed (apt-get install nginx)",
        allow_module_level=True,
    )

MAX_AGE = 1  # LIVEBLOG_PAGE_MAX_AGE here: nginx counts whole seconds, so 2.1 s is past it
PAST_MAX_AGE = 2.1


@pytest.fixture
def edge(live_server, settings, media_root):
    settings.LIVEBLOG_PAGE_MAX_AGE = MAX_AGE
    media_root.mkdir(parents=True, exist_ok=True)
    with EdgeCache(upstream=f"127.0.0.1:{live_server.thread.port}", media_root=media_root) as cache:
        yield cache


class Reader:
    """A feed reader keeping a feed's entries, as feedparser gives them, between polls."""

    def __init__(self, url: str):
        self.url, self.etag, self.modified = url, None, None
        self.entries: dict[str, str] = {}  # Atom id -> title
        self.statuses: list[int] = []

    def poll(self, *, use_etag: bool = True) -> int:
        result = feedparser.parse(
            self.url, etag=self.etag if use_etag else None, modified=self.modified
        )
        self.statuses.append(result.status)
        if result.status == 304:
            return 304
        assert result.status == 200 and not result.bozo, result.get("bozo_exception")
        self.etag, self.modified = result.get("etag"), result.get("modified")
        for entry in result.entries:
            self.entries[entry.id] = entry.title
        for ref in tombstones(self.url):  # feedparser keeps no attributes of unknown elements
            self.entries.pop(ref, None)
        self.updated = {entry.id: entry.updated for entry in result.entries}
        return 200

    def poll_until_changed(self, **options) -> int:
        """Poll past the edge's max-age until a fresh copy arrives: nginx may answer once
        more from the stale copy while it fetches the new one (stale-while-revalidate)."""
        for _ in range(3):
            time.sleep(PAST_MAX_AGE)
            if self.poll(**options) == 200:
                return 200
        return 304


def write(action) -> None:
    """Run a write from the test's thread while nginx may still be refreshing a copy through the
    live server: on SQLite the two share one in-memory database, which a read in flight locks
    for a moment."""
    for _ in range(50):
        try:
            with transaction.atomic():
                action()
            return
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.1)
    raise AssertionError("the database stayed locked")


def tombstones(url: str) -> list[str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        root = ET.fromstring(response.read())
    return [node.get("ref") for node in root.iter(f"{{{TOMBSTONES_NS}}}deleted-entry")]


@pytest.mark.parametrize("use_etag", [True, False], ids=["etag", "if-modified-since"])
def test_a_feed_reader_drops_a_retracted_entry_through_the_edge(edge, use_etag):
    blog = make_blog(slug="storm")
    make_entry(blog, headline="Winds rise")
    wrong = make_entry(blog, headline="Bridge collapsed", is_key_event=True)
    everything = Reader(f"{edge.url}/storm/feed/")
    key_events = Reader(f"{edge.url}/storm/feed/key-events/")

    assert everything.poll() == 200 and key_events.poll() == 200
    assert set(everything.entries.values()) == {"Winds rise", "Bridge collapsed"}
    assert everything.etag and everything.modified
    time.sleep(PAST_MAX_AGE)
    # Nothing changed: a conditional poll costs a 304.
    assert everything.poll(use_etag=use_etag) == 304

    write(wrong.delete)

    assert everything.poll_until_changed(use_etag=use_etag) == 200
    assert key_events.poll_until_changed(use_etag=use_etag) == 200
    assert set(everything.entries.values()) == {"Winds rise"}
    assert key_events.entries == {}


def test_a_quick_correction_reaches_feed_readers_with_its_time(edge):
    blog = make_blog(slug="harbour")
    entry = make_entry(blog, headline="Fire in the harbuor")
    reader = Reader(f"{edge.url}/harbour/feed/")
    reader.poll()
    published = reader.updated[next(iter(reader.updated))]

    time.sleep(1.1)  # corrected within seconds of publishing

    def correct():
        entry.headline = "Fire in the harbour"
        entry.save(update_fields=["headline"])
        Correction.objects.create(entry=entry, text="Corrected a spelling.")

    write(correct)

    assert reader.poll_until_changed() == 200
    (entry_id,) = reader.entries
    assert reader.entries[entry_id] == "Fire in the harbour"
    assert reader.updated[entry_id] > published
    assert reader.updated[entry_id].startswith(timezone.now().date().isoformat())
