#!/usr/bin/env python
"""Edge-cache benchmark: a crowd of readers on one live blog, through nginx, while it is edited.

    .venv/bin/python scripts/bench_edge.py                      # 10,000 readers, 60 s, 3 runs
    .venv/bin/python scripts/bench_edge.py --readers 20000 --runs 5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_edge.py

It builds a fresh database (as scripts/bench_load.py does: one live blog with 200 entries, a
few others), starts gunicorn (gunicorn.conf.py, production settings, access log on) and, for
each run, a fresh nginx with the repository's deploy/nginx/liveblog.conf in front of it. Then:

- Readers (asyncio; many logical readers over a bounded pool of keep-alive connections) arrive
  spread over the first poll interval, each loading the blog page, then polling the live check
  with If-None-Match every poll interval, as live.js does, and fetching the changes when the
  revision moves.
- An editor publishes an entry every few seconds through the API (POST with a token, through
  the edge, which passes it by).
- Publishing stops after --seconds; readers go on for a grace period so every entry can reach
  every reader.

It prints, per run and as the spread over runs: origin requests/s (from gunicorn's access log)
and reader requests/s served (in the steady window, once every reader has arrived), the delay
from publish (the API's 201) to each reader seeing the entry (p50, p99), errors, entries that
never reached a reader, and the longest staleness seen: how long after a publish was
acknowledged a reader was still told the state before it, for the live check, the changes and
the page, against their advertised max-age. "Never reached a reader" counts (reader, entry)
pairs where the reader was there when the entry was published and never got it; with
--old-changes-url (changes URLs without the `to` revision, as live.js polled before the edge
cache) it is how many readers an edge-cached, older changes answer left behind for good.
Everything runs on 127.0.0.1, is bounded in readers, time and runs, and stops by itself.
"""

import argparse
import asyncio
import bisect
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
sys.path[:0] = [str(ROOT), str(SCRIPTS)]

import bench_load  # noqa: E402  (the scripts directory is on the path only from here)
from edge_nginx import EdgeCache, nginx_binary  # noqa: E402

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0
PAGE_DATA = re.compile(r'data-(revision|due|live-etag|live-url|changes-url)="([^"]*)"')


# --- Ports --------------------------------------------------------------------------------------


def port_picker(spec: str | None):
    """Free loopback ports: any (the system's choice), or only within FIRST-LAST."""
    if not spec:
        return bench_load.free_port
    first, last = (int(n) for n in spec.split("-"))
    candidates = iter(range(first, last + 1))

    def pick() -> int:
        for port in candidates:
            with socket.socket() as sock:
                try:
                    sock.bind((HOST, port))
                except OSError:
                    continue
                return port
        raise SystemExit(f"no free port left in {spec}")

    return pick


# --- A small HTTP/1.1 client over asyncio streams -----------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Pool:
    """Keep-alive connections to one server, shared by every reader (at most `size` at once)."""

    def __init__(self, port: int, size: int):
        self.port = port
        self.idle: asyncio.LifoQueue = asyncio.LifoQueue()
        for _ in range(size):
            self.idle.put_nowait(None)  # a slot without a connection yet

    async def request(self, method: str, path: str, headers=None, body: bytes = b"") -> Response:
        conn = await self.idle.get()
        try:
            # A kept connection the server has closed meanwhile fails at once: try a new one,
            # as browsers do for idempotent requests.
            for attempt in (1, 2):
                if conn is None:
                    conn = await asyncio.open_connection(HOST, self.port)
                try:
                    response = await asyncio.wait_for(
                        self._exchange(conn, method, path, headers or {}, body), REQUEST_TIMEOUT
                    )
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    conn[1].close()
                    conn = None
                    if attempt == 2 or method != "GET":
                        raise
                    continue
                except TimeoutError:
                    conn[1].close()
                    conn = None
                    raise
                if response.headers.get("connection", "").lower() == "close":
                    conn[1].close()
                    conn = None
                return response
        finally:
            self.idle.put_nowait(conn)

    @staticmethod
    async def _exchange(conn, method, path, headers, body) -> Response:
        reader, writer = conn
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        parsed = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                parsed[name.strip().lower()] = value.strip()
        if status in (204, 304) or method == "HEAD":
            content = b""
        elif "content-length" in parsed:
            content = await reader.readexactly(int(parsed["content-length"]))
        elif parsed.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            content = b"".join(chunks)
        else:
            content = await reader.read()
            parsed["connection"] = "close"
        return Response(status, parsed, content)


# --- The newsroom and its readers ---------------------------------------------------------------


@dataclass
class Publish:
    acknowledged: float  # monotonic time of the API's 201
    entry_id: int
    revision: int


@dataclass
class Run:
    readers: int
    poll: float
    old_changes_url: bool = False
    started: float = 0.0
    publishing_until: float = 0.0
    ends: float = 0.0
    publishes: list[Publish] = field(default_factory=list)
    # Per reader: when it had the page, and when it first saw each entry published after that.
    joined: dict[int, float] = field(default_factory=dict)
    seen: dict[int, dict[int, float]] = field(default_factory=dict)
    requests: Counter = field(default_factory=Counter)  # (kind, status) -> count, steady window
    body_bytes: Counter = field(default_factory=Counter)  # kind -> bytes, steady window
    all_requests: int = 0
    latency: dict[str, list[float]] = field(default_factory=dict)
    staleness: dict[str, float] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    changes_behind_check: int = 0
    reloads: int = 0
    poll_gaps: list[float] = field(default_factory=list)

    @property
    def steady_from(self) -> float:
        return self.started + self.poll

    def superseded_at(self, revision: int) -> float | None:
        """When a state at `revision` stopped being current: the first publish above it."""
        revisions = [p.revision for p in self.publishes]
        index = bisect.bisect_right(revisions, revision)
        return self.publishes[index].acknowledged if index < len(revisions) else None

    def note_state(self, kind: str, revision: int, at: float) -> None:
        gone = self.superseded_at(revision)
        if gone is not None and at > gone:
            self.staleness[kind] = max(self.staleness.get(kind, 0.0), at - gone)

    def note_request(self, kind: str, status: int, size: int, began: float, ended: float) -> None:
        self.all_requests += 1
        if self.steady_from <= began < self.publishing_until:
            self.requests[kind, status] += 1
            self.body_bytes[kind] += size
            self.latency.setdefault(kind, []).append(ended - began)
        if status not in (200, 201, 304):
            self.errors[f"{kind} HTTP {status}"] += 1


async def timed(run: Run, pool: Pool, kind: str, path: str, headers=None, method="GET", body=b""):
    began = time.monotonic()
    try:
        response = await pool.request(method, path, headers, body)
    except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as error:
        run.errors[f"{kind} {type(error).__name__}"] += 1
        return None
    run.note_request(kind, response.status, len(response.body), began, time.monotonic())
    return response


def page_state(body: bytes) -> dict[str, str]:
    return dict(PAGE_DATA.findall(body.decode("utf-8", "replace")))


async def reader(number: int, run: Run, pool: Pool, page_url: str) -> None:
    await asyncio.sleep(random.uniform(0, run.poll))
    page = await timed(run, pool, "page", page_url)
    if page is None or page.status != 200:
        return
    now = time.monotonic()
    state = page_state(page.body)
    revision, due, etag = int(state["revision"]), state.get("due"), state.get("live-etag")
    # The state the ETag we hold stands for: a 304 means the edge still reports that one.
    etag_revision = revision
    run.note_state("page", revision, now)
    run.joined[number] = now
    seen = run.seen.setdefault(number, {})
    last_poll = now
    while True:
        await asyncio.sleep(run.poll)
        now = time.monotonic()
        if now >= run.ends:
            return
        run.poll_gaps.append(now - last_poll)
        last_poll = now
        headers = {"Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        check = await timed(run, pool, "live check", state["live-url"], headers)
        if check is None or check.status not in (200, 304):
            continue
        if check.status == 304:
            run.note_state("live check", etag_revision, time.monotonic())
            continue
        live = json.loads(check.body)
        run.note_state("live check", live["revision"], time.monotonic())
        # As live.js does: the new ETag is kept whatever the changes bring (see --help).
        etag, etag_revision = check.headers.get("etag"), live["revision"]
        if live["revision"] == revision and live.get("due") == due:
            continue
        # What live.js asks for; `due` only while the check still reports it.
        url = f"{state['changes-url']}?since={revision}"
        if live.get("due") is not None:
            url += f"&due={due if due is not None else live['due']}"
        if not run.old_changes_url:
            # As live.js does since the edge cache: the URL names the state wanted.
            url += f"&to={live['revision']}"
        changes = await timed(run, pool, "changes", url, {"Accept": "application/json"})
        if changes is None or changes.status != 200:
            continue
        data = json.loads(changes.body)
        at = time.monotonic()
        run.note_state("changes", data["revision"], at)
        if data.get("reload"):
            run.reloads += 1
        if data["revision"] < live["revision"]:
            run.changes_behind_check += 1
        for entry in data.get("entries", ()):
            seen.setdefault(entry["id"], at)
        revision, due = data["revision"], data.get("due", due)


async def editor(run: Run, pool: Pool, slug: str, token: str, every: float) -> None:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    n = 0
    while time.monotonic() + every < run.publishing_until:
        await asyncio.sleep(every)
        n += 1
        body = json.dumps(
            {
                "headline": f"Update {n}: officials give new figures",
                "body": "The latest figures were given at a briefing.\n\nMore to follow.",
                "status": "published",
            }
        ).encode()
        response = await timed(
            run, pool, "publish", f"/api/blogs/{slug}/entries/", headers, "POST", body
        )
        if response is None or response.status != 201:
            continue
        created = json.loads(response.body)
        run.publishes.append(Publish(time.monotonic(), created["id"], created["revision"]))


async def simulate(args, edge_port: int, blog: dict, token: str) -> Run:
    run = Run(readers=args.readers, poll=args.poll, old_changes_url=args.old_changes_url)
    readers_pool = Pool(edge_port, args.connections)
    editor_pool = Pool(edge_port, 1)
    run.started = time.monotonic()
    run.publishing_until = run.started + args.seconds
    run.ends = run.publishing_until + args.grace
    page_url = f"/{blog['slug']}/"
    tasks = [
        asyncio.create_task(reader(n, run, readers_pool, page_url)) for n in range(args.readers)
    ]
    tasks.append(asyncio.create_task(editor(run, editor_pool, blog["slug"], token, args.every)))
    await asyncio.gather(*tasks)
    return run


# --- Origin and edge logs -----------------------------------------------------------------------

GUNICORN_LINE = re.compile(
    r'\[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+)'
)


def origin_requests(log: Path, offset: int, since: float, until: float) -> tuple[Counter, int]:
    """Requests gunicorn logged from `offset` on, by kind, within [since, until) (epoch s)."""
    counts = Counter()
    with log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", "replace")
    for match in GUNICORN_LINE.finditer(text):
        at = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if since <= at < until:
            counts[kind_of(match["method"], match["path"])] += 1
    return counts, log.stat().st_size


def kind_of(method: str, path: str) -> str:
    if method == "POST":
        return "publish"
    if path.rstrip("/").endswith("/live"):
        return "live check"
    if "/live/changes/" in path:
        return "changes"
    return "page" if path.count("/") == 2 else "other"


def edge_statuses(log: Path) -> Counter:
    counts = Counter()
    for line in log.read_text().splitlines():
        parts = line.split(" ")
        if len(parts) >= 5:
            counts[parts[2]] += 1
    return counts


# --- Report -------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


@dataclass
class Figures:
    origin_rps: float
    origin_by_kind: dict[str, float]
    reader_rps: float
    reader_by_kind: dict[str, float]
    delay_p50: float
    delay_p99: float
    delay_max: float
    deliveries: int
    missed: int
    errors: int
    staleness: dict[str, float]
    latency_p99_ms: float
    latency_by_kind: dict[str, tuple[float, float]]
    poll_gap_p99: float
    changes_behind_check: int
    edge: Counter

    def line(self) -> str:
        stale = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(self.staleness.items()))
        return (
            f"origin {self.origin_rps:6.2f} req/s | readers {self.reader_rps:7.0f} req/s | "
            f"publish->seen p50 {self.delay_p50:4.1f} s p99 {self.delay_p99:4.1f} s | "
            f"errors {self.errors} | missed {self.missed} | stalest: {stale}"
        )


def figures(run: Run, origin: Counter, steady_seconds: float, edge: Counter) -> Figures:
    delays = []
    missed = 0
    for number, joined in run.joined.items():
        seen = run.seen.get(number, {})
        for publish in run.publishes:
            if publish.acknowledged <= joined:
                continue  # the reader's page may already show it
            if publish.entry_id in seen:
                delays.append(seen[publish.entry_id] - publish.acknowledged)
            else:
                missed += 1
    reader_total = sum(run.requests.values())
    by_kind = Counter()
    for (kind, _status), count in run.requests.items():
        by_kind[kind] += count
    latencies = [x for kind, values in run.latency.items() if kind != "publish" for x in values]
    return Figures(
        origin_rps=sum(origin.values()) / steady_seconds,
        origin_by_kind={k: v / steady_seconds for k, v in origin.items()},
        reader_rps=(reader_total - by_kind["publish"]) / steady_seconds,
        reader_by_kind={k: v / steady_seconds for k, v in by_kind.items() if k != "publish"},
        delay_p50=percentile(delays, 0.5),
        delay_p99=percentile(delays, 0.99),
        delay_max=max(delays, default=float("nan")),
        deliveries=len(delays),
        missed=missed,
        errors=sum(run.errors.values()),
        staleness=dict(run.staleness),
        latency_p99_ms=percentile(latencies, 0.99) * 1000,
        latency_by_kind={
            kind: (percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000)
            for kind, values in sorted(run.latency.items())
        },
        poll_gap_p99=percentile(run.poll_gaps, 0.99),
        changes_behind_check=run.changes_behind_check,
        edge=edge,
    )


def spread(values: list[float], unit: str, digits: int = 1) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f} {unit}"
    return (
        f"median {statistics.median(values):.{digits}f} {unit} "
        f"(min {min(values):.{digits}f}, max {max(values):.{digits}f})"
    )


def report_run(number: int, run: Run, result: Figures, live_max_age: int) -> None:
    print(f"\nrun {number}: {result.line()}")
    kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(result.origin_by_kind.items()))
    print(f"  origin req/s by kind: {kinds}")
    kinds = ", ".join(f"{k} {v:.0f}" for k, v in sorted(result.reader_by_kind.items()))
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(run.requests.items()))
    print(f"  reader req/s by kind: {kinds}  ({statuses})")
    print(
        f"  {len(run.publishes)} entries published, {result.deliveries:,} deliveries to readers, "
        f"longest {result.delay_max:.1f} s; client p99 latency {result.latency_p99_ms:.1f} ms; "
        f"p99 gap between a reader's polls {result.poll_gap_p99:.1f} s (aim {run.poll:.0f})"
    )
    latency = ", ".join(f"{k} {a:.1f}/{b:.1f}" for k, (a, b) in result.latency_by_kind.items())
    print(f"  client latency p50/p99 ms: {latency}")
    sizes = Counter()
    for (kind, _status), count in run.requests.items():
        sizes[kind] += count
    average = ", ".join(
        f"{kind} {run.body_bytes[kind] / count / 1024:.1f} KiB"
        for kind, count in sorted(sizes.items())
    )
    steady = (run.publishing_until - run.steady_from) or 1
    megabits = sum(run.body_bytes.values()) * 8 / steady / 1e6
    print(f"  average body: {average}; readers' bodies {megabits:.1f} Mbit/s")
    print(
        f"  edge cache: {dict(sorted(result.edge.items()))}; changes older than the check that "
        f"prompted them: {result.changes_behind_check}; reloads: {run.reloads}"
    )
    if run.errors:
        print(f"  errors: {dict(run.errors)}")
    within = result.staleness.get("live check", 0.0) <= live_max_age + 1
    print(
        f"  live check stalest {result.staleness.get('live check', 0.0):.1f} s against its "
        f"max-age {live_max_age} s: {'within' if within else 'OVER'} (nginx counts whole seconds)"
    )


def report_spread(results: list[Figures], live_max_age: int) -> None:
    print(f"\nover {len(results)} runs:")
    rows = [
        ("origin requests/s", [r.origin_rps for r in results], "req/s", 2),
        ("reader requests/s served", [r.reader_rps for r in results], "req/s", 0),
        ("publish -> seen p50", [r.delay_p50 for r in results], "s", 1),
        ("publish -> seen p99", [r.delay_p99 for r in results], "s", 1),
        ("errors", [r.errors for r in results], "", 0),
        ("entries that never reached a reader", [r.missed for r in results], "", 0),
    ]
    for kind in ("live check", "changes", "page"):
        rows.append((f"stalest {kind}", [r.staleness.get(kind, 0.0) for r in results], "s", 1))
    for label, values, unit, digits in rows:
        print(f"  {label:<36} {spread(values, unit, digits)}")
    ratio = [r.reader_rps / r.origin_rps for r in results if r.origin_rps]
    if ratio:
        print(f"  {'reader requests per origin request':<36} {spread(ratio, '', 0)}")
    print(f"  (live check max-age {live_max_age} s; page and changes max-age 10 s)")


# --- What one edge serves -----------------------------------------------------------------------


def measure_capacity(args, origin_port: int, edge_port: int, workdir: Path, blog: dict) -> None:
    """Cached answers per second from one nginx worker, with wrk on the same machine."""
    if not shutil.which("wrk"):
        print("\ncapacity: skipped, wrk is not installed (apt-get install wrk)")
        return
    slug = blog["slug"]
    with EdgeCache(upstream=f"{HOST}:{origin_port}", media_root=workdir / "media", port=edge_port):
        _, headers, body = bench_load.fetch(edge_port, f"/{slug}/live/")
        headers = {k.lower(): v for k, v in headers.items()}
        revision = json.loads(body)["revision"]
        targets = [
            bench_load.Target(
                "live check 304", f"/{slug}/live/", 304, {"If-None-Match": headers["etag"]}
            ),
            bench_load.Target("changes 200", f"/{slug}/live/changes/?since={revision - 1}"),
            bench_load.Target("blog page 200", f"/{slug}/"),
        ]
        print(f"\ncapacity of one nginx worker (wrk, 64 connections, {args.capacity} s each):")
        rates = {}
        for target in targets:
            bench_load.fetch(edge_port, target.path, target.headers)  # into the cache
            result = bench_load.run_wrk(edge_port, target, args.capacity, 64)
            rates[target.name] = result.requests_per_second
            print(
                f"  {target.name:<16} {result.requests_per_second:>8.0f} req/s  "
                f"p99 {result.p99_ms:.1f} ms  errors {result.errors}"
            )
    # Each reader costs a live check and (while the blog moves) a changes fetch per poll.
    per_reader = 1 / rates["live check 304"] + 1 / rates["changes 200"]
    print(
        f"  => about {args.poll / per_reader:,.0f} polling readers per nginx worker at a "
        f"{args.poll} s poll, before page loads and pictures"
    )


# --- Main ---------------------------------------------------------------------------------------


def make_editor_token() -> str:
    from django.contrib.auth.models import Permission, User
    from django.db import connection
    from rest_framework.authtoken.models import Token

    user = User.objects.create_user("bench-editor", password=secrets.token_urlsafe(16))
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="liveblog"))
    key = Token.objects.create(user=user).key
    connection.close()
    return key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60, help="how long the editor publishes")
    parser.add_argument(
        "--grace", type=int, default=0, help="readers' time after (default 2 polls)"
    )
    parser.add_argument("--poll", type=int, default=15, help="LIVEBLOG_POLL_SECONDS")
    parser.add_argument("--every", type=float, default=4.0, help="seconds between publishes")
    parser.add_argument("--connections", type=int, default=256, help="readers' connection pool")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--entries", type=int, default=200, help="entries in the live blog")
    parser.add_argument("--ports", help="pick ports only within FIRST-LAST (e.g. 8100-8129)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    parser.add_argument(
        "--live-check-memo",
        type=int,
        default=None,
        help="LIVEBLOG_LIVE_CHECK_SECONDS for the app (default: the app's own default)",
    )
    parser.add_argument(
        "--capacity",
        type=int,
        default=0,
        metavar="SECONDS",
        help="then measure with wrk how many cached requests/s the edge itself serves",
    )
    parser.add_argument(
        "--old-changes-url",
        action="store_true",
        help="poll as live.js did before the edge cache: changes URLs without &to=<revision>, "
        "so an answer the edge kept for an older state is reused for a newer one",
    )
    args = parser.parse_args()
    args.grace = args.grace or 2 * args.poll
    if not (
        0 < args.readers <= 100_000
        and 0 < args.seconds <= 300
        and 0 < args.grace <= 120
        and 0 < args.runs <= 10
        and 0 < args.connections <= 1000
        and 1 <= args.poll < args.seconds
        and args.every >= 0.5
    ):
        parser.error(
            "keep it bounded: at most 100,000 readers, 300 s, 120 s of grace, 10 runs and 1,000 "
            "connections; a poll interval shorter than the run; publishing at most twice a second"
        )
    if nginx_binary() is None:
        raise SystemExit("nginx is not installed (apt-get install nginx)")
    pick_port = port_picker(args.ports)

    workdir = Path(tempfile.mkdtemp(prefix="liveblog-bench-edge-"))
    database_url = bench_load.bench_database_url(workdir)
    env = bench_load.server_env(database_url)
    env["LIVEBLOG_POLL_SECONDS"] = str(args.poll)
    if args.live_check_memo is not None:
        env["LIVEBLOG_LIVE_CHECK_SECONDS"] = str(args.live_check_memo)
    access_log = workdir / "origin-access.log"
    env["GUNICORN_ACCESS_LOG"] = str(access_log)
    env["DJANGO_MEDIA_ROOT"] = str(workdir / "media")
    os.environ.update(env)
    is_postgres = database_url.startswith("postgres")
    if is_postgres:
        bench_load.recreate_postgres(database_url)
    live_max_age = max(1, args.poll // 3)
    process = None
    results = []
    try:
        counts = {"big": args.entries, "small": 30, "other": 5, "blogs": 5}
        blog = bench_load.build(counts)["big"]
        token = make_editor_token()
        (workdir / "media").mkdir()
        origin_port = pick_port()
        process = bench_load.start_server(env, origin_port, args.workers, workdir / "gunicorn.log")
        print(
            f"{'PostgreSQL' if is_postgres else 'SQLite'}, gunicorn {args.workers} workers, "
            f"nginx with deploy/nginx/liveblog.conf; {args.readers:,} readers polling every "
            f"{args.poll} s over {args.connections} connections, a publish every {args.every:g} s "
            f"for {args.seconds} s, then {args.grace} s more for readers; {args.runs} runs"
        )
        for number in range(1, args.runs + 1):
            edge = EdgeCache(
                upstream=f"{HOST}:{origin_port}",
                media_root=workdir / "media",
                port=pick_port(),
                connections=max(1024, 2 * args.connections),
                access_log=True,
            )
            edge.start()
            try:
                offset = access_log.stat().st_size if access_log.exists() else 0
                wall_start = time.time()
                run = asyncio.run(simulate(args, edge.port, blog, token))
            finally:
                edge.stop()
            steady = args.seconds - args.poll
            origin, _ = origin_requests(
                access_log, offset, wall_start + args.poll, wall_start + args.seconds
            )
            result = figures(run, origin, steady, edge_statuses(edge.access_log))
            if args.keep:
                shutil.copy(edge.access_log, workdir / f"edge-access-{number}.log")
            edge.cleanup()
            report_run(number, run, result, live_max_age)
            results.append(result)
        report_spread(results, live_max_age)
        if args.capacity:
            measure_capacity(args, origin_port, pick_port(), workdir, blog)
    finally:
        if process is not None:
            bench_load.stop_server(process)
        if args.keep:
            print(f"kept {database_url} and {workdir}")
        else:
            if is_postgres:
                bench_load.recreate_postgres(database_url, drop_only=True)
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if any(r.errors or r.missed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
