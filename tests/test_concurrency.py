"""Editors, importers and pollers at once, on PostgreSQL with real threads and connections.

Each thread has its own database connection (Django's connections are per thread) and commits
for real (transactional_db). Every run is bounded in time: LIVEBLOG_RACE_SECONDS (default 8).
The figures each test measured are printed (`pytest -s` shows them).
"""

import html
import itertools
import json
import os
import random
import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from liveblog.freshness import entry_etag
from liveblog.importers.loader import import_file
from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
from tests.factories import make_blog, make_entry

SECONDS = float(os.environ.get("LIVEBLOG_RACE_SECONDS", "8"))


@pytest.fixture
def postgres(transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test: needs PostgreSQL (set DATABASE_URL; CI runs it)")
    # The pollers are machines polling as fast as they can: not what the throttle is for.
    settings.LIVEBLOG_API_ANON_RATE = ""


@pytest.fixture
def token(postgres, admin_user):
    # A superuser: earlier transactional tests flush the Editors group that migration 0002 made.
    return Token.objects.create(user=admin_user).key


def run_threads(*targets, seconds: float = SECONDS) -> list[BaseException]:
    """Run each target(stop) in its own thread until `seconds` pass; return what they raised."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def wrapped(target):
        try:
            target(stop)
        except BaseException as error:  # reported by the test, with the thread's traceback
            errors.append(error)
            stop.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapped, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


class ApiPoller:
    """A partner's script: follows the API's ?since= feed, keeps what it was told."""

    def __init__(self, slug: str):
        # From revision 0 the feed delivers every entry readers can see.
        self.url = f"/api/blogs/{slug}/entries/"
        self.client, self.since, self.seen = APIClient(), 0, {}
        self.polls = self.deliveries = 0

    def poll(self) -> None:
        while True:
            response = self.client.get(self.url, {"since": self.since, "page_size": 50})
            assert response.status_code == 200, response.content
            data = response.json()
            self.polls += 1
            for pk in data["removed"]:
                self.seen.pop(pk, None)
            for entry in data["results"]:
                self.seen[entry["id"]] = (entry["headline"], entry["version"])
                self.deliveries += 1
            self.since = data["since"]
            if not data["has_more"]:
                return


class PagePoller:
    """A reader's open page: the live check, then /live/changes/ when the revision moved."""

    def __init__(self, slug: str):
        self.slug, self.client, self.revision, self.seen = slug, Client(), 0, {}
        self.polls = self.deliveries = 0

    def poll(self) -> None:
        check = self.client.get(f"/{self.slug}/live/").json()
        self.polls += 1
        if check["revision"] == self.revision:
            return
        data = self.client.get(f"/{self.slug}/live/changes/", {"since": self.revision}).json()
        assert not data.get("reload"), "the page poller fell more than 100 changes behind"
        for pk in data["removed"]:
            self.seen.pop(pk, None)
        for item in data["entries"]:
            self.seen[item["id"]] = item["html"]
            self.deliveries += 1
        self.revision = data["revision"]


def document(slug: str, round_: int) -> dict:
    """A backup of the blog's imported part: its entries change headline on every round."""
    return {
        "format": None,
        "title": "Storm watch",
        "slug": slug,
        "status": "live",
        "entries": [
            {
                "key": f"imported-{n}",
                "headline": f"Imported {n}, round {round_ % 3}",
                "blocks": [{"type": "paragraph", "text": f"Round {round_}."}],
                "order": n,
            }
            for n in range(1, 11)
        ],
    }


def test_every_committed_entry_reaches_every_poller_exactly_as_committed(token, tmp_path):
    blog = make_blog(title="Storm watch", slug="storm-watch", status=BlogStatus.LIVE)
    writes: Counter = Counter()
    pollers = [ApiPoller(blog.slug), ApiPoller(blog.slug), PagePoller(blog.slug)]
    pollers += [PagePoller(blog.slug)]

    def entry_writer(stop):
        client, rng = api(token), random.Random()
        mine: list[int] = []
        while not stop.is_set():
            action = rng.random()
            if action < 0.35 or not mine:
                created = client.post(
                    f"/api/blogs/{blog.slug}/entries/",
                    {"headline": f"Update {rng.random():.6f}", "status": "published"},
                    format="json",
                )
                assert created.status_code == 201, created.content
                mine.append(created.json()["id"])
                writes["created"] += 1
                continue
            pk = rng.choice(mine)
            etag = client.get(f"/api/entries/{pk}/")["ETag"]
            if action < 0.75:
                body = {"headline": f"Edited {rng.random():.6f}"}
                if rng.random() < 0.2:
                    body["is_pinned"] = True
                if rng.random() < 0.1:
                    body["status"] = rng.choice(["draft", "published"])
                response = client.patch(
                    f"/api/entries/{pk}/", body, format="json", HTTP_IF_MATCH=etag
                )
                assert response.status_code in (200, 412), response.content
                writes["edited" if response.status_code == 200 else "refused (412)"] += 1
            elif action < 0.85:
                response = client.delete(f"/api/entries/{pk}/", HTTP_IF_MATCH=etag)
                assert response.status_code in (204, 412), response.content
                if response.status_code == 204:
                    mine.remove(pk)
                    writes["deleted"] += 1
            else:
                at = (time.time() + rng.uniform(0.5, 2)) * 1000
                scheduled = make_entry(
                    Blog.objects.get(pk=blog.pk),
                    headline=f"Scheduled {rng.random():.6f}",
                    published_at=_from_millis(at),
                )
                mine.append(scheduled.pk)
                writes["scheduled"] += 1

    def blog_writer(stop):
        client = api(token)
        for n in itertools.count():
            if stop.is_set():
                return
            response = client.patch(
                f"/api/blogs/{blog.slug}/", {"standfirst": f"Standfirst {n}"}, format="json"
            )
            assert response.status_code == 200, response.content
            # And an editor's form saving a blog object read a while ago (a full save).
            stale = Blog.objects.get(pk=blog.pk)
            time.sleep(0.01)
            stale.attribution = f"Agencies {n}"
            stale.save()
            writes["blog saves"] += 2

    def importer(stop):
        for n in itertools.count():
            if stop.is_set():
                return
            path = tmp_path / f"backup-{threading.get_ident()}.json"
            path.write_text(json.dumps(document(blog.slug, n)))
            import_file(path, overwrite=True)
            writes["re-imports"] += 1

    def poller(stop):
        while not stop.is_set():
            for one in pollers:
                one.poll()
            time.sleep(0.05)

    errors = run_threads(
        entry_writer, entry_writer, entry_writer, blog_writer, importer, importer, poller
    )
    assert not errors, errors
    time.sleep(2.1)  # the last scheduled entries fall due
    for one in pollers:
        for _ in range(20):  # catch up with everything committed
            one.poll()
    connections.close_all()

    visible = {entry.pk: entry for entry in Entry.objects.published().filter(blog_id=blog.pk)}
    assert len(visible) > 20
    for one in pollers:
        assert set(one.seen) == set(visible), type(one).__name__
    for one in pollers[:2]:
        assert one.seen == {pk: (e.headline, e.version) for pk, e in visible.items()}
    for one in pollers[2:]:
        for pk, entry in visible.items():
            assert html.escape(entry.headline) in one.seen[pk]
    revisions = list(Entry.objects.filter(blog_id=blog.pk, revision__gt=0).values_list("revision"))
    assert len(revisions) == len(set(revisions))
    assert Entry.objects.filter(blog_id=blog.pk, is_pinned=True).count() <= 1
    print(
        f"\nconcurrency: {SECONDS:.0f} s, writes {dict(writes)}; {len(visible)} entries visible"
        f" at the end; API pollers {[p.polls for p in pollers[:2]]} polls,"
        f" {[p.deliveries for p in pollers[:2]]} deliveries; page pollers"
        f" {[p.polls for p in pollers[2:]]} checks, {[p.deliveries for p in pollers[2:]]}"
        " deliveries; every poller ended with every entry exactly as committed"
    )


def _from_millis(millis: float):
    import datetime

    return datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.UTC)


def test_two_editors_pinning_at_once_never_fail(postgres):
    # Found on main: a 500 (IntegrityError) in 23 of 25 rounds.
    blog = make_blog()
    rounds, failures = 25, []
    for _ in range(rounds):
        first, second = make_entry(blog), make_entry(blog)
        barrier = threading.Barrier(2)

        def pin(entry, barrier=barrier):
            try:
                barrier.wait(timeout=10)
                Entry.objects.get(pk=entry.pk).pin()
            except Exception as error:
                failures.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=pin, args=(e,)) for e in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert Entry.objects.filter(blog=blog, is_pinned=True).count() == 1
    assert failures == []
    print(f"\npinning: {rounds} rounds of two editors at once, 0 failures")


def test_pinning_while_an_api_client_edits_loses_no_edit(token):
    # Found on main: deadlocks, and 7 of 40 edits lost with the version moving on.
    blog = make_blog()
    target = make_entry(blog, headline="Edit 0")
    other = make_entry(blog)
    client = api(token)
    edits, refused = [], Counter()

    def editor(stop):
        for n in itertools.count(1):
            if stop.is_set() or n > 40:
                return
            while True:
                etag = client.get(f"/api/entries/{target.pk}/")["ETag"]
                response = client.patch(
                    f"/api/entries/{target.pk}/",
                    {"headline": f"Edit {n}"},
                    format="json",
                    HTTP_IF_MATCH=etag,
                )
                if response.status_code == 200:
                    edits.append(f"Edit {n}")
                    break
                assert response.status_code == 412, response.content
                refused["412"] += 1

    def pinner(stop):
        while not stop.is_set():
            Entry.objects.get(pk=target.pk).pin()
            Entry.objects.get(pk=other.pk).pin()
            time.sleep(0.05)  # an editor clicking, not a loop: edits get through between pins

    errors = run_threads(editor, pinner, seconds=SECONDS)
    assert not errors, errors
    target.refresh_from_db()
    assert edits and target.headline == edits[-1]
    assert [h.headline for h in target.history.filter(history_type="~")].count(edits[-1]) >= 1
    print(f"\npin while editing: {len(edits)} edits, {refused['412']} retried after 412, 0 lost")


def test_concurrent_edits_of_a_draft_leave_the_public_etag_alone(token):
    blog = make_blog()
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    etag = Client().get(f"/{blog.slug}/live/")["ETag"]
    client = api(token)
    for n in range(5):
        current = client.get(f"/api/entries/{draft.pk}/")["ETag"]
        client.patch(
            f"/api/entries/{draft.pk}/",
            {"headline": f"Draft {n}"},
            format="json",
            HTTP_IF_MATCH=current,
        )
    assert entry_etag(Entry.objects.get(pk=draft.pk)) != etag
    assert Client().get(f"/{blog.slug}/live/", HTTP_IF_NONE_MATCH=etag).status_code == 304
