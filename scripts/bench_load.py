#!/usr/bin/env python
"""Load benchmark: one command, a fresh database, the production server, bounded load.

    .venv/bin/python scripts/bench_load.py                 # SQLite (a new file in a temp dir)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_load.py
    REDIS_URL=redis://127.0.0.1:6379/0 ...                 # the cache in Redis, not per worker

It builds a database with 200 blogs (one with 5,000 entries and pictures, one with 30, the rest
with a few each) using bulk_create, runs collectstatic, starts gunicorn (gunicorn.conf.py, 2
workers, production settings without the HTTPS redirect) on 127.0.0.1, and drives load at 16
connections with wrk (Debian's `wrk`; a Python keep-alive load generator where wrk is missing)
against each target for a bounded time. It prints requests/s, p50/p99 latency and errors per
target and the ratio to a do-nothing Django view measured in the same run, checks the aims of
issue 15, then stops the server and removes what it created (`--keep` keeps the database).
On PostgreSQL it uses a separate database, <name>_bench, on the same server: dropped and
re-created at the start, dropped at the end.
"""

# ruff: noqa: T201  (a command-line script: it reports by printing)

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
HOST = "127.0.0.1"


# --- Database ----------------------------------------------------------------------------------


def bench_database_url(workdir: Path) -> str:
    """A fresh database: a new SQLite file, or <name>_bench next to DATABASE_URL's database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path=f"/{name}_bench"))


def recreate_postgres(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def server_env(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench_load_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(SCRIPTS)]),
        "DJANGO_PRODUCTION": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        # Plain HTTP on the loopback: no TLS to redirect to.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        # One client address sends everything: per-IP throttling would measure only 429s.
        "LIVEBLOG_API_ANON_RATE": "",
        "DJANGO_LOG_LEVEL": "ERROR",
        # The shipped gunicorn settings as they are, worker recycling included: a benchmark
        # that turned it off never showed what it cost.
    }
    return env


def build(counts: dict[str, int]) -> dict[str, dict]:
    """Migrate and fill the database; return {"big": {...}, "small": {...}} with slugs and ids."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from liveblog.body import parse
    from liveblog.models import Blog, BlogStatus, Caption, Entry, EntryStatus, Image, sort_key_for

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    start = timezone.now() - timedelta(days=30)
    body = (
        "Officials said the situation was developing and more details would follow.\n\n"
        "- Roads closed in the centre\n- Trains running with delays\n\n"
        "Residents were asked to follow the advice of the emergency services."
    )
    blocks = parse(body)  # what Entry.save() would derive (bulk_create skips save)
    plan = [("big", counts["big"]), ("small", counts["small"])]
    plan += [(f"other-{n}", counts["other"]) for n in range(counts["blogs"] - 2)]
    result = {}
    with transaction.atomic():
        blogs = Blog.objects.bulk_create(
            Blog(
                title=f"Bench live blog {name}",
                slug=f"bench-{name}",
                standfirst="A benchmark blog with a realistic amount of content.",
                key_points=["The first thing to know", "The second thing to know"],
                intro="Follow the latest news as it happens.",
                status=BlogStatus.LIVE,
                revision=size,
                changed_at=start + timedelta(minutes=size),
            )
            for name, size in plan
        )
        images = Image.objects.bulk_create(
            Image(alt_text=f"Picture {n} of the scene", credit="Agency") for n in range(500)
        )
        for blog, (name, size) in zip(blogs, plan, strict=True):
            entries = Entry.objects.bulk_create(
                (
                    Entry(
                        blog=blog,
                        headline=f"Update {n}: what happened at {n % 24:02d}:00",
                        body=body,
                        body_blocks=blocks,
                        order=n,
                        published_at=start + timedelta(minutes=n),
                        sort_key=sort_key_for(start + timedelta(minutes=n), n),
                        is_key_event=n % 50 == 0,
                        is_pinned=n == size // 2,
                        status=EntryStatus.PUBLISHED,
                        revision=n,
                    )
                    for n in range(1, size + 1)
                ),
                batch_size=500,
            )
            # Every fifth entry shows a picture, after its first paragraph.
            Caption.objects.bulk_create(
                (
                    Caption(
                        blog=blog,
                        entry=entry,
                        image=images[i % len(images)],
                        text="The scene this morning",
                        position=1,
                    )
                    for i, entry in enumerate(entries)
                    if entry.order % 5 == 0
                ),
                batch_size=500,
            )
            if name in ("big", "small"):
                Caption.objects.create(blog=blog, image=images[0], text="The hero picture")
                middle = entries[len(entries) // 3]
                result[name] = {"slug": blog.slug, "entry": middle.pk, "entries": size}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()
    return result


# Each target's throughput as a share of the empty view's, measured in the same run (issue 15).
AIMS = {"blog page": 0.7, "entry permalink": 0.7, "API entries list": 0.6, "live check": 0.9}
# Against Django with no middleware at all (issue 24): what the middleware stack may cost.
BARE_AIMS = {"blog page": 0.75, "entry permalink": 0.75, "API entries list": 0.5}


# --- Server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(
    env: dict[str, str], port: int, workers: int, log: Path, ready: str = "/healthz/"
) -> subprocess.Popen:
    """gunicorn with the shipped settings, once `ready` answers 200 (the bare yardstick serves
    nothing but its do-nothing view)."""
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py")]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            status, _, _ = fetch(port, ready)
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise SystemExit(f"gunicorn did not answer {ready} within 30 s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# --- Load --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    path: str
    expect: int = 200
    headers: dict = field(default_factory=dict)


@dataclass
class Result:
    target: Target
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    # The baselines' requests/s in the slices interleaved with this target's (see measure()):
    # the project's empty view, and Django's with no middleware.
    baseline_rps: float = 0.0
    bare_rps: float = 0.0

    @property
    def ratio(self) -> float:
        return self.requests_per_second / self.baseline_rps if self.baseline_rps else 1.0

    @property
    def bare_ratio(self) -> float:
        return self.requests_per_second / self.bare_rps if self.bare_rps else 1.0


WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(port: int, target: Target, seconds: int, connections: int) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{target.path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = {p: float(v) * UNITS[u] for p, v, u in WRK_LATENCY.findall(output)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in match.groups())
    return Result(target, rps, latency.get("50", 0.0), latency.get("99", 0.0), errors, total)


def run_python(port: int, target: Target, seconds: int, connections: int) -> Result:
    """Threads with keep-alive connections; counts a response with another status as an error."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop_at = time.monotonic() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                conn.request("GET", target.path, headers=target.headers)
                response = conn.getresponse()
                response.read()
                if response.status != target.expect:
                    errors[n] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
            latencies[n].append((time.perf_counter() - began) * 1000)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    flat = sorted(x for per in latencies for x in per)
    p99 = flat[min(len(flat) - 1, int(len(flat) * 0.99))] if flat else 0.0
    return Result(
        target,
        len(flat) / elapsed,
        statistics.median(flat) if flat else 0.0,
        p99,
        sum(errors),
        len(flat),
    )


def combine(results: list[Result]) -> Result:
    """Slices of one target as one result: p50 the median of the slices', p99 the worst."""
    seconds = sum(r.requests / r.requests_per_second for r in results if r.requests_per_second)
    requests = sum(r.requests for r in results)
    return Result(
        results[0].target,
        requests / seconds if seconds else 0.0,
        statistics.median(r.p50_ms for r in results),
        max(r.p99_ms for r in results),
        sum(r.errors for r in results),
        requests,
    )


def measure(
    port: int,
    target: Target,
    baseline: Target,
    seconds: int,
    connections: int,
    tool: str,
    bare_port: int,
) -> tuple[Result, Result, Result]:
    """Load the target and the two baselines (the project's empty view; Django's with no
    middleware, on `bare_port`) in alternating slices, so all see the same machine.

    Other programs on a shared machine come and go; measuring the baseline once at the start
    would credit or blame the target for them.
    """
    status, _, _ = fetch(port, target.path, target.headers)
    if status != target.expect:
        raise SystemExit(f"{target.name}: {target.path} answered {status}, not {target.expect}")
    runner = run_wrk if tool == "wrk" else run_python
    runner(port, target, 1, connections)  # warm-up: caches, connections, the OS
    rounds = max(1, seconds // 2)
    slice_seconds = max(1, seconds // rounds)
    ours, theirs, bare = [], [], []
    for _ in range(rounds):
        ours.append(runner(port, target, slice_seconds, connections))
        theirs.append(runner(port, baseline, slice_seconds, connections))
        bare.append(runner(bare_port, baseline, slice_seconds, connections))
    result, base, bare_result = combine(ours), combine(theirs), combine(bare)
    result.baseline_rps = base.requests_per_second
    result.bare_rps = bare_result.requests_per_second
    return result, base, bare_result


def targets_for(port: int, blogs: dict) -> list[Target]:
    import django

    django.setup()
    from django.urls import reverse

    targets = [Target("baseline (empty view)", reverse("bench-baseline"))]
    for label, blog in blogs.items():
        slug = blog["slug"]
        live = reverse("liveblog:blog-live", kwargs={"slug": slug})
        _, headers, _ = fetch(port, live)
        etag = {k.lower(): v for k, v in headers.items()}["etag"]
        size = f"{label}, {blog['entries']:,} entries"
        targets += [
            Target(f"blog page ({size})", reverse("liveblog:blog-detail", kwargs={"slug": slug})),
            Target(
                f"entry permalink ({size})",
                reverse("liveblog:entry-detail", kwargs={"slug": slug, "pk": blog["entry"]}),
            ),
            Target(
                f"API entries list ({size})",
                reverse("api:blog-entries-list", kwargs={"blog_slug": slug}),
            ),
            Target(f"live check 304 ({size})", live, 304, {"If-None-Match": etag}),
        ]
    return targets


# --- Report ------------------------------------------------------------------------------------


def report(results: list[Result], connections: int) -> list[str]:
    print(
        f"\n{'target':<42} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'ratio':>6}"
        f" {'bare':>6}"
    )
    for r in results:
        ratio = r.ratio
        print(
            f"{r.target.name:<42} {r.requests_per_second:>8.0f} {r.p50_ms:>7.2f} "
            f"{r.p99_ms:>7.2f} {r.errors:>6} {ratio:>6.0%} {r.bare_ratio:>6.0%}"
        )
    missed = []
    by_name = {r.target.name: r for r in results}
    for r in results:
        ratio = r.ratio
        if r.errors:
            missed.append(f"{r.target.name}: {r.errors} errors")
        if r.p99_ms >= 25:
            missed.append(f"{r.target.name}: p99 {r.p99_ms:.1f} ms at {connections} connections")
        aim = next((aim for kind, aim in AIMS.items() if r.target.name.startswith(kind)), 0)
        if ratio < aim:
            missed.append(f"{r.target.name}: {ratio:.0%} of the baseline (aim {aim:.0%})")
        bare = next((aim for kind, aim in BARE_AIMS.items() if r.target.name.startswith(kind)), 0)
        if r.bare_rps and r.bare_ratio < bare:
            missed.append(f"{r.target.name}: {r.bare_ratio:.0%} of bare Django (aim {bare:.0%})")
    for kind in ("blog page", "API entries list", "entry permalink", "live check 304"):
        pair = [r for name, r in by_name.items() if name.startswith(kind)]
        # Compared as ratios to their own baselines, which cancels the machine's changing load.
        if len(pair) == 2 and pair[0].ratio < 0.9 * pair[1].ratio:
            missed.append(
                f"{kind}: the big blog at {pair[0].ratio:.0%} of the baseline, the small at "
                f"{pair[1].ratio:.0%} (aim: the same)"
            )
    print("\naims (issues 15 and 24):", "all met" if not missed else "missed:")
    for line in missed:
        print(f"  - {line}")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=int, default=8, help="load per target, and as much again for the baseline"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blogs", type=int, default=200)
    parser.add_argument("--big", type=int, default=5000, help="entries in the big blog")
    parser.add_argument("--small", type=int, default=30, help="entries in the small blog")
    parser.add_argument("--other", type=int, default=5, help="entries in each other blog")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()
    if not 0 < args.seconds <= 60 or not 0 < args.connections <= 64:
        parser.error("keep it bounded: at most 60 s per target and 64 connections")
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")

    workdir = Path(tempfile.mkdtemp(prefix="liveblog-bench-"))
    database_url = bench_database_url(workdir)
    env = server_env(database_url)
    os.environ.update(env)
    sys.path[:0] = [str(ROOT), str(SCRIPTS)]
    is_postgres = database_url.startswith("postgres")
    if is_postgres:
        recreate_postgres(database_url)
    process = bare_process = None
    try:
        began = time.monotonic()
        counts = {"big": args.big, "small": args.small, "other": args.other, "blogs": args.blogs}
        blogs = build(counts)
        print(
            f"built {args.blogs} blogs ({args.big:,}, {args.small} and {args.other} entries) on "
            f"{'PostgreSQL' if is_postgres else 'SQLite'} in {time.monotonic() - began:.1f} s"
        )
        port = free_port()
        process = start_server(env, port, args.workers, workdir / "gunicorn.log")
        bare_port = free_port()
        bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench_load_bare_settings"}
        bare_process = start_server(
            bare_env, bare_port, args.workers, workdir / "bare.log", ready="/bench/baseline/"
        )
        cache = "Redis" if os.environ.get("REDIS_URL") else "local memory per worker"
        print(
            f"gunicorn: {args.workers} workers on {HOST}:{port}; cache: {cache}; load: {tool}, "
            f"{args.connections} connections, {args.seconds} s per target"
        )
        baseline, *targets = targets_for(port, blogs)
        results, baselines, bares = [], [], []
        for target in targets:
            result, base, bare = measure(
                port, target, baseline, args.seconds, args.connections, tool, bare_port
            )
            results.append(result)
            baselines.append(base)
            bares.append(bare)
        empty = combine(baselines)
        empty.bare_rps = combine(bares).requests_per_second
        bare_row = combine(bares)
        bare_row.target = Target("bare Django (no middleware)", baseline.path)
        missed = report([bare_row, empty, *results], args.connections)
    finally:
        if process is not None:
            stop_server(process)
        if bare_process is not None:
            stop_server(bare_process)
        if args.keep:
            print(f"kept {database_url} and {workdir}")
        else:
            if is_postgres:
                recreate_postgres(database_url, drop_only=True)
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
