"""Lighthouse (npm `lighthouse` 12, the line that runs on Node 20) on Debian's Chromium, through
the shipped edge (deploy/nginx/liveblog.conf: compression, media from the disk) in front of
the app: a seed page and a live blog with pictures, mobile and desktop.

Budgets: performance at least 95, accessibility, best practices and SEO 100, and no layout
shift (CLS 0). Each report's JSON is kept in artifacts/ (lighthouse-<page>-<form factor>.json)
and the scores in artifacts/lighthouse-scores.txt. About 20 s a run on the 2-core machine;
the PostgreSQL pass leaves it to the SQLite pass.
"""

import json
import os
import shutil
import subprocess

import pytest
from django.db import connection

from liveblog.models import Blog
from scripts.edge_nginx import EdgeCache, nginx_binary
from tests import showcase
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT
from tests.needs import missing

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
BUDGET = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}


# Lighthouse's own failure to record the browser's trace (NO_NAVSTART, NO_FCP, ... in a CI run
# on a busy 2-core machine): its message asks for another run, so it gets up to two more. Any
# other error, and every budget below, fails at once.
TRACE_FAILED = "Something went wrong with recording the trace over your page load"
TRACE_ATTEMPTS = 3


def lighthouse(url: str, form_factor: str, report) -> dict:
    """Run Lighthouse on the URL; the parsed report (also written to `report`)."""
    flags = ["--headless=new", *CHROMIUM_ARGS]
    command = [
        shutil.which("node"), str(LIGHTHOUSE), url,
        "--output=json", f"--output-path={report}", "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(flags)}",
        "--max-wait-for-load=30000",
    ]  # fmt: skip
    if form_factor == "desktop":
        command.append("--preset=desktop")
    for _attempt in range(TRACE_ATTEMPTS):
        result = subprocess.run(
            command, env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        if result.returncode == 0 or TRACE_FAILED not in result.stderr:
            break
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(report.read_text())


@pytest.fixture
def edge(live_server, media_root, settings):
    if shutil.which("node") is None:
        missing("Lighthouse test: Node.js is not installed (apt-get install nodejs)")
    if not LIGHTHOUSE.exists():
        missing(f"Lighthouse test: {LIGHTHOUSE} is missing (run `npm ci`)")
    if not CHROMIUM.exists():
        missing("Lighthouse test: /usr/bin/chromium is not installed (apt-get install chromium)")
    if nginx_binary() is None:
        missing("Lighthouse test: nginx is not installed (apt-get install nginx)")
    media_root.mkdir(parents=True, exist_ok=True)
    with EdgeCache(upstream=f"127.0.0.1:{live_server.thread.port}", media_root=media_root) as cache:
        yield cache


def test_reader_pages_meet_the_lighthouse_budgets(edge, artifacts_dir):
    if connection.vendor != "sqlite":
        # Lighthouse judges what the browser gets, the same from either database: one run
        # (90 s) in CI is enough.
        pytest.skip("Lighthouse runs in the SQLite pass only (the pages are the same here)")
    site = showcase.build()
    seed = Blog.objects.filter(imported_at__isnull=False).order_by("pk").first()
    pages = {"live-with-pictures": site.live, "seed": seed}

    scores, failures = [], []
    for name, blog in pages.items():
        for form_factor in ("mobile", "desktop"):
            report = artifacts_dir / f"lighthouse-{name}-{form_factor}.json"
            data = lighthouse(edge.url + blog.get_absolute_url(), form_factor, report)
            got = {key: data["categories"][key]["score"] for key in CATEGORIES}
            if (got["performance"] or 0) < BUDGET["performance"]:
                # Performance is timed, and a busy machine slows the page's main thread: as
                # Lighthouse's own guidance has it, judge the median of three runs.
                runs = [data] + [
                    lighthouse(edge.url + blog.get_absolute_url(), form_factor, report)
                    for _ in range(2)
                ]
                runs.sort(key=lambda run: run["categories"]["performance"]["score"] or 0)
                data = runs[1]
                report.write_text(json.dumps(data))
                got = {key: data["categories"][key]["score"] for key in CATEGORIES}
            cls = data["audits"]["cumulative-layout-shift"]["numericValue"]
            scores.append(
                f"{name} {form_factor}: "
                + ", ".join(f"{key} {round(value * 100)}" for key, value in got.items())
                + f", CLS {cls}"
            )
            for key, minimum in BUDGET.items():
                if got[key] is None or got[key] < minimum:
                    failed = [
                        f"{audit['id']} ({audit['score']})"
                        for audit in data["audits"].values()
                        if audit.get("score") is not None
                        and audit["score"] < 1
                        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
                    ]
                    failures.append(f"{name} {form_factor} {key}: {got[key]}; {failed[:12]}")
            if cls != 0:
                failures.append(f"{name} {form_factor}: CLS {cls}")
    (artifacts_dir / "lighthouse-scores.txt").write_text("\n".join(scores) + "\n")
    print("\n".join(scores))  # noqa: T201  (the figures the report quotes)
    assert failures == [], "\n".join(failures)
