"""Real worker processes: two `manage.py db_worker` processes share the queue in the database,
and `manage.py rqworker` takes it from Redis (LIVEBLOG_TASKS_BACKEND=rq); either way every
webhook arrives once, signed, in order, while entries are published one after another.

Worker processes share the test database, so these need PostgreSQL (SQLite's test database
lives in this process's memory); the RQ one needs Redis as well. CI runs both."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from standardwebhooks import Webhook

from liveblog.distribution.models import Endpoint
from tests.factories import make_blog, make_entry
from tests.needs import missing
from tests.stubs import Recorder
from tests.test_gunicorn_pollers import database_url, redis_url

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 12

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the test database: needs PostgreSQL")
    return database_url()


def environment(db_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "LIVEBLOG_WEBHOOK_ALLOW_PRIVATE": "1",
        "LIVEBLOG_WEBHOOK_RETRY_SECONDS": "1",
        "DJANGO_LOG_LEVEL": "ERROR",
        **extra,
    }


def start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _out, err = process.communicate()
    return err.decode(errors="replace")


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the workers did not deliver in time")
        time.sleep(0.1)


def check(receiver: Recorder, endpoint: Endpoint, expected: list[str]) -> None:
    hook = Webhook(endpoint.secret)
    messages = [hook.verify(r["body"], r["headers"]) for r in receiver.requests]
    delivered = {}
    for message, request in zip(messages, receiver.requests, strict=True):
        delivered.setdefault(request["headers"]["webhook-id"], message)
    # At least once: a repeat is the same message; in order per endpoint.
    headlines = [m["data"]["headline"] for m in delivered.values()]
    assert headlines == expected
    revisions = [m["revision"] for m in delivered.values()]
    assert revisions == sorted(revisions)


def test_two_db_workers_deliver_in_order(postgres):
    blog = make_blog()
    env = environment(postgres)
    # The receiver fails its second request: the one behind it waits for the retry.
    with Recorder(lambda n: (500, {}, b"") if n == 1 else (204, {}, b"")) as receiver:
        endpoint = Endpoint.objects.create(blog=blog, url=receiver.url)
        workers = [
            start(["db_worker", "--queue-name", "*", "--interval", "0.1", "--no-reload"], env)
            for _ in range(2)
        ]
        try:
            expected = []
            for n in range(ENTRIES):
                expected.append(make_entry(blog, headline=f"Entry {n}").headline)
                time.sleep(0.05)
            wait_for(lambda: len(receiver.requests) >= ENTRIES + 1)
            time.sleep(0.5)  # nothing more should arrive
            check(receiver, endpoint, expected)
        finally:
            errors = [stop(worker) for worker in workers]
    assert not any("Traceback" in error for error in errors), errors


def test_rq_worker_delivers(postgres):
    try:
        import django_tasks_rq  # noqa: F401
    except ImportError:
        missing('the RQ backend: pip install -e ".[rq]" (make test installs it)')
    queue_url = redis_url()
    if queue_url is None:
        missing("the RQ backend needs Redis: apt-get install redis-server (none at REDIS_URL)")
    env = environment(postgres, LIVEBLOG_TASKS_BACKEND="rq", LIVEBLOG_TASKS_REDIS_URL=queue_url)
    blog = make_blog()
    with Recorder() as receiver:
        endpoint = Endpoint.objects.create(blog=blog, url=receiver.url)
        worker = start(
            [
                "rqworker",
                "default",
                "--worker-class",
                "rq.worker.SimpleWorker",
                "--job-class",
                "django_tasks_rq.backend.Job",
                "--with-scheduler",
            ],
            env,
        )
        try:
            # The editor's side runs with the RQ backend too: its commits queue in Redis.
            script = (
                "from liveblog.models import Blog\n"
                "from tests.factories import make_entry\n"
                f"blog = Blog.objects.get(pk={blog.pk})\n"
                "for n in range(5): make_entry(blog, headline=f'RQ entry {n}')\n"
            )
            subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", script],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                timeout=60,
            )
            try:
                wait_for(lambda: len(receiver.requests) >= 5)
            except TimeoutError:
                raise AssertionError(stop(worker)) from None
            time.sleep(0.5)
            check(receiver, endpoint, [f"RQ entry {n}" for n in range(5)])
        finally:
            error = stop(worker)
    assert "Traceback" not in error, error
