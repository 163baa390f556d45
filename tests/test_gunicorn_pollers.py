"""Pollers following `since` through a real gunicorn with two worker processes, while entries
are published: every `since` any worker handed out is accepted by every worker.

Found on main: each worker trusted its own state memo for a second, so a poll landing on the
other worker was told it was "ahead of this blog's revision" (400) 30 to 40% of the time, on
SQLite and on PostgreSQL + Redis alike. Needs PostgreSQL (the workers and the test share its
database); runs with the memo alone and with the state in Redis. Bounded in time
(LIVEBLOG_RACE_SECONDS, default 8 s of publishing). The figures are printed (`pytest -s`).
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token

from scripts.edge_nginx import free_port
from tests.factories import make_blog

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("LIVEBLOG_RACE_SECONDS", "8"))
PUBLISH_EVERY = 0.2  # 5 entries a second, as the report had it


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


class Server:
    """gunicorn with the project's own settings file, two sync workers, on a free port."""

    def __init__(self, *, state_in_redis: str | None):
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "LIVEBLOG_MEMO_SECONDS": "1",
            "LIVEBLOG_API_ANON_RATE": "",
            "REDIS_URL": state_in_redis or "",
            "LIVEBLOG_STATE_REDIS_URL": state_in_redis or "",
            "CACHE_KEY_PREFIX": f"gunicorn-test-{self.port}",
            "GUNICORN_LOG_LEVEL": "warning",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/healthz/")
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def request(self, method: str, path: str, body=None, headers=None):
        # A new connection each time, so the kernel hands requests to either worker.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("two-worker test: needs PostgreSQL, which the workers share (CI runs it)")


@pytest.mark.slow
@pytest.mark.parametrize("state", ["memo", "redis"])
def test_pollers_following_since_are_never_told_they_are_ahead(postgres, state):
    state_in_redis = None
    if state == "redis":
        state_in_redis = redis_url()
        if state_in_redis is None:
            pytest.skip("two-worker test with the state in Redis: no Redis answers (CI runs it)")
    blog = make_blog(slug="two-workers")
    user = User.objects.create_superuser("publisher", password="pw")
    token = Token.objects.create(user=user).key
    server = Server(state_in_redis=state_in_redis)
    statuses: Counter = Counter()
    published: list[int] = []
    api_seen: set[int] = set()
    page_seen: set[int] = set()
    stop = threading.Event()
    errors: list[BaseException] = []

    def publisher():
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        n = 0
        while not stop.is_set():
            body = json.dumps({"headline": f"Update {n}", "status": "published"})
            status, content = server.request(
                "POST", f"/api/blogs/{blog.slug}/entries/", body, headers
            )
            assert status == 201, content
            published.append(json.loads(content)["id"])
            n += 1
            time.sleep(PUBLISH_EVERY)

    def api_poller(until: float):
        since = 0
        while time.monotonic() < until:
            path = f"/api/blogs/{blog.slug}/entries/?since={since}&page_size=100"
            status, content = server.request("GET", path)
            statuses[f"api {status}"] += 1
            assert status == 200, content
            data = json.loads(content)
            api_seen.update(entry["id"] for entry in data["results"])
            api_seen.difference_update(data["removed"])
            since = data["since"]
            time.sleep(0.02)

    def page_poller(until: float):
        revision = 0
        while time.monotonic() < until:
            status, content = server.request("GET", f"/{blog.slug}/live/")
            statuses[f"check {status}"] += 1
            live = json.loads(content)
            time.sleep(0.02)
            if live["revision"] == revision:
                continue
            path = f"/{blog.slug}/live/changes/?since={revision}&to={live['revision']}"
            status, content = server.request("GET", path)
            statuses[f"changes {status}"] += 1
            data = json.loads(content)
            assert status == 200 and not data.get("reload"), content
            page_seen.update(item["id"] for item in data["entries"])
            revision = data["revision"]

    def guarded(target, *args):
        try:
            target(*args)
        except BaseException as error:
            errors.append(error)
            stop.set()

    try:
        # The pollers go on a second after the last publication, to catch up with it.
        until = time.monotonic() + SECONDS + 1.5
        threads = [
            threading.Thread(target=guarded, args=(publisher,)),
            threading.Thread(target=guarded, args=(api_poller, until)),
            threading.Thread(target=guarded, args=(page_poller, until)),
        ]
        for thread in threads:
            thread.start()
        stop.wait(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a thread hung"
    finally:
        server.stop()

    assert not errors, errors
    assert statuses["api 400"] == 0 and statuses["changes 400"] == 0
    assert len(published) >= SECONDS  # at least one a second got through
    assert api_seen == set(published)
    assert page_seen == set(published)
    print(
        f"\ntwo gunicorn workers, state in {state}: {len(published)} entries published in"
        f" {SECONDS:.0f} s; answers {dict(sorted(statuses.items()))}; every entry delivered to"
        " the API poller and the page poller, no 400"
    )
