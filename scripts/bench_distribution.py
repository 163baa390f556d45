#!/usr/bin/env python
"""Distribution benchmark: one publish fanned out to 10,000 Web Push followers and 50 webhook
endpoints, on this machine, against local stubs.

    .venv/bin/python scripts/bench_distribution.py [--followers 10000] [--endpoints 50]
        [--workers 2] [--publishes 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ...   # PostgreSQL (<name>_bench)

It builds a fresh database (a new SQLite file, or <name>_bench on PostgreSQL), a live blog with
the followers (every-update mode, each with its own push address on the push-service stub) and
the endpoints (each a path on the webhook stub), starts `--workers` `manage.py db_worker`
processes, publishes one entry through the API and prints: the publishing request's time, the
time from its answer to the last push and to the last webhook, the deepest the queue got (tasks
ready or running), the worker count, and what the stubs received (every webhook verified with
`standardwebhooks`, a sample of pushes decrypted with `http_ece`).

"Before and after": the publishing request is timed over HTTP against gunicorn (one worker,
keep-alive), `--publishes` times from a checkout of the code before distribution (`--before
PATH`, e.g. a `git worktree add` of the commit before it; it shares this database) and from
this one, with the followers and endpoints in place and no queue worker running; and once more
from this one while the workers do the fan-out (on another blog, so the fan-out measured stays
one publish's). Publishes are 0.1 s apart (PAUSE): the queueing happens once a request's
answer has gone, which back-to-back requests on one gunicorn worker would count in the next
one. Medians and p90 are printed; the request must not grow.
"""

# ruff: noqa: T201  (a command-line script: it reports by printing)

import argparse
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAUSE = 0.1


def drop_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def bench_database_url(workdir: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    bench = urlunsplit(parts._replace(path=f"/{name}_bench"))
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}_bench"')
        connection.execute(f'CREATE DATABASE "{name}_bench"')
    return bench


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--publishes", type=int, default=30)
    parser.add_argument("--before", type=Path, help="a checkout of the code before distribution")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-distribution-"))
    from py_vapid import Vapid

    vapid = Vapid()
    vapid.generate_keys()
    from cryptography.hazmat.primitives import serialization

    public = b64(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    private = b64(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    env = {
        "DATABASE_URL": bench_database_url(workdir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_LOG_LEVEL": "ERROR",
        "LIVEBLOG_WEBHOOK_ALLOW_PRIVATE": "1",
        "LIVEBLOG_VAPID_PUBLIC_KEY": public,
        "LIVEBLOG_VAPID_PRIVATE_KEY": private,
        "LIVEBLOG_SITE_URL": "https://live.example",
        "LIVEBLOG_API_ANON_RATE": "",
        "REDIS_URL": "",
        "LIVEBLOG_STATE_REDIS_URL": "",
    }
    os.environ.update(env)
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django_tasks_db.models import DBTaskResult
    from rest_framework.authtoken.models import Token
    from standardwebhooks import Webhook

    from liveblog.distribution.models import Dispatch, Endpoint, FollowMode, PushSubscription
    from liveblog.models import Blog, BlogStatus
    from tests.stubs import Recorder

    print(f"database: {connection.vendor}; building it in {workdir}")
    call_command("migrate", verbosity=0)
    blog = Blog.objects.create(title="Benchmark", slug="benchmark", status=BlogStatus.LIVE)
    editor = User.objects.create_superuser("bench", password="x")
    token = Token.objects.create(user=editor).key

    quiet = Blog.objects.create(title="Another", slug="another", status=BlogStatus.LIVE)
    servers: list[subprocess.Popen] = []

    def serve(checkout: Path) -> http.client.HTTPConnection:
        """gunicorn from `checkout` (one sync worker) on a free port; a keep-alive connection."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server_env = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_LOG_LEVEL": "warning",
        }
        servers.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                cwd=checkout,
                env=server_env,
                start_new_session=True,
            )
        )
        for _ in range(200):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/healthz/")
                connection.getresponse().read()
                return connection
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn from {checkout} did not start")

    def stop_servers() -> None:
        while servers:
            server = servers.pop()
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    def publish(connection, headline: str, where: Blog = blog) -> float:
        body = json.dumps(
            {"headline": headline, "body": "A paragraph of the update.", "status": "published"}
        )
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        started = time.perf_counter()
        connection.request("POST", f"/api/blogs/{where.slug}/entries/", body, headers)
        response = connection.getresponse()
        content = response.read()
        took = (time.perf_counter() - started) * 1000
        assert response.status == 201, content
        return took

    def summary(times: list[float]) -> str:
        ordered = sorted(times)
        p90 = ordered[int(len(ordered) * 0.9) - 1]
        return f"median {statistics.median(ordered):.1f} ms, p90 {p90:.1f} ms (n={len(ordered)})"

    # --- followers and endpoints on local stubs ------------------------------------------------
    push_stub = Recorder(lambda n: (201, {}, b""))
    hook_stub = Recorder(lambda n: (204, {}, b""))
    key = ec.generate_private_key(ec.SECP256R1())
    p256dh = b64(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    auth_secret = os.urandom(16)
    PushSubscription.objects.bulk_create(
        PushSubscription(
            blog=blog,
            endpoint=f"{push_stub.url}/push/{n}",
            p256dh=p256dh,
            auth=b64(auth_secret),
            mode=FollowMode.ALL,
        )
        for n in range(args.followers)
    )
    endpoints = [
        Endpoint.objects.create(blog=blog, url=f"{hook_stub.url}/hook/{n}")
        for n in range(args.endpoints)
    ]
    secrets = {f"/hook/{n}": e.secret for n, e in enumerate(endpoints)}

    # --- the publishing request, before and after (no worker runs yet) -------------------------
    def timed(checkout: Path, label: str) -> list[float]:
        connection = serve(checkout)
        publish(connection, f"{label} warm-up")
        times = []
        for n in range(args.publishes):
            times.append(publish(connection, f"{label} {n}"))
            # An editor's publishes are seconds apart: what a request does once its answer has
            # gone (queueing the distribution) is not counted in the next one.
            time.sleep(PAUSE)
        connection.close()
        stop_servers()
        return times

    before = timed(args.before, "before") if args.before else []
    after = timed(ROOT, "after")
    # Forget them: the fan-out measured below is one publish's.
    DBTaskResult.objects.all().delete()
    now = Blog.objects.get(pk=blog.pk).revision
    Dispatch.objects.update_or_create(
        blog=blog, defaults={"push_revision": now, "hub_revision": now}
    )
    Endpoint.objects.update(revision=now)

    # --- workers --------------------------------------------------------------------------------
    worker_env = {**os.environ}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.05",
                "--no-reload",
                "--no-startup-delay",
                "--verbosity",
                "0",
            ],
            cwd=ROOT,
            env=worker_env,
            start_new_session=True,
        )
        for _ in range(args.workers)
    ]
    depth = {"max": 0, "stop": False}

    def watch_queue() -> None:
        from django.db import connections

        while not depth["stop"]:
            waiting = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
            depth["max"] = max(depth["max"], waiting)
            time.sleep(0.05)
        connections.close_all()

    try:
        connection = serve(ROOT)
        time.sleep(2)  # the workers start
        watcher = threading.Thread(target=watch_queue, daemon=True)
        watcher.start()
        published_at = time.time()
        publish_ms = publish(connection, "The fan-out")
        answered = time.time()
        during = []
        deadline = answered + 600
        while (
            len(push_stub.requests) < args.followers or len(hook_stub.requests) < args.endpoints
        ) and time.time() < deadline:
            if len(during) < args.publishes and len(push_stub.requests) < args.followers // 2:
                # On a blog nobody follows: the fan-out measured stays the one publish's.
                during.append(publish(connection, f"during {len(during)}", quiet))
            time.sleep(0.05)
        depth["stop"] = True
        watcher.join()
        pushes = list(push_stub.requests)
        hooks = list(hook_stub.requests)
        last_push = max((r["at"] for r in pushes), default=float("nan"))
        last_hook = max((r["at"] for r in hooks), default=float("nan"))
    finally:
        stop_servers()
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        push_stub.stop()
        hook_stub.stop()

    # --- what arrived -----------------------------------------------------------------------------
    import http_ece

    first_hooks = {}
    for request in hooks:
        path = request["path"]
        message = Webhook(secrets[path]).verify(request["body"], request["headers"])
        first_hooks.setdefault(path, message)
    fanout = [m for m in first_hooks.values() if m["data"]["headline"] == "The fan-out"]
    sample = pushes[:: max(1, len(pushes) // 20)]
    notices = [
        json.loads(
            http_ece.decrypt(
                r["body"], private_key=key, auth_secret=auth_secret, version="aes128gcm"
            )
        )
        for r in sample
    ]
    print()
    print(f"followers {args.followers}, endpoints {args.endpoints}, workers {args.workers}")
    print(f"publishing request (the fan-out's): {publish_ms:.1f} ms")
    print(
        f"pushes received: {len(pushes)} (sample of {len(notices)} decrypted: "
        f"{sum(n['body'] == 'The fan-out' for n in notices)} carry the entry)"
    )
    print(
        f"webhooks received: {len(hooks)} on {len(first_hooks)} endpoints, all signatures "
        f"valid, {len(fanout)} for the fan-out's entry"
    )
    print(f"time from the publish's answer to the last push: {last_push - answered:.2f} s")
    print(f"time from the publish's answer to the last webhook: {last_hook - answered:.2f} s")
    print(f"deepest queue (tasks ready or running): {depth['max']}")
    if before:
        print(f"publishing request before distribution ({args.before}): {summary(before)}")
    print(f"publishing request after (this checkout): {summary(after)}")
    if during:
        print(f"publishing request during the fan-out: {summary(during)}")
    print(f"(the publish itself started at {published_at:.3f}; a notice: {notices[:1]})")
    connection.close()
    from django.db import connections

    connections.close_all()
    if env["DATABASE_URL"].startswith("postgres"):
        drop_postgres(env["DATABASE_URL"])
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
