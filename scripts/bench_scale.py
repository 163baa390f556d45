"""Scale benchmark: what a reader, an editor and a crawler cost on a blog of 30, 5,000 and
50,000 entries (2% of them key events, as a long story has), cold and warm, on SQLite or
PostgreSQL: in-process timings (median of several requests), the queries each request runs and
the size of each answer, then the 50,000/30 ratio per path.

"Cold" is an answer built from the database (the response cache and the state memo emptied
before each request), "warm" the same request answered again from the kept copy.

    python scripts/bench_scale.py                              # SQLite, a temporary file
    python scripts/bench_scale.py --postgres postgres://postgres@127.0.0.1:5432/liveblog_bench
    python scripts/bench_scale.py --sizes 30 5000 --repeat 5
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_EVENT_SHARE = 50  # one entry in 50 is a key event (1,000 of 50,000)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LIVEBLOG_API_ANON_RATE"] = ""
    os.environ["LIVEBLOG_SEARCH_RATE"] = ""
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def recreate_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_blog(size: int):
    """A live blog of `size` published entries, every 50th a key event, through the model's own
    bulk path (derivation, change log, counts, history), in batches."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from liveblog.models import Blog, Entry, EntryStatus

    blog = Blog.objects.create(title=f"Blog of {size}", slug=f"blog-{size}", status="live")
    start = timezone.now() - datetime.timedelta(seconds=size * 30)
    words = "minister talks border troops ceasefire aid summit council vote strike".split()
    batch = 5_000
    for first in range(0, size, batch):
        entries = []
        for n in range(first, min(size, first + batch)):
            text = " ".join(words[(n + k) % len(words)] for k in range(40))
            entries.append(
                Entry(
                    blog=blog,
                    headline=f"Update {n}: {words[n % len(words)]} {words[(n * 7) % len(words)]}",
                    body=f"{text.capitalize()}.\n\n{text.capitalize()} again.",
                    status=EntryStatus.PUBLISHED,
                    is_key_event=n % KEY_EVENT_SHARE == 0,
                    published_at=start + datetime.timedelta(seconds=n * 30),
                )
            )
        for entry in entries:
            entry.changed_at = entry.published_at
        with transaction.atomic():
            Entry.objects.bulk_write(blog, created=entries, updated=[], fields=[], reason="bench")
    blog.refresh_from_db()
    return blog


def paths(blog, since: int, editor_blog_pk: int) -> dict[str, list[tuple[str, dict]]]:
    """Each audience's requests: (path, extra headers)."""
    from liveblog import stream

    slug = blog.slug
    following = stream.entry_page(blog, stream.Listing()).next
    older = f"/{slug}/entries/?before={following}" if following else f"/{slug}/entries/"
    return {
        "reader": [
            (f"/{slug}/", {}),
            (f"/{slug}/live/", {}),
            (f"/{slug}/live/changes/?since={since}", {}),
            (older, {}),
            (f"/{slug}/feed/", {}),
            (f"/{slug}/feed/key-events/", {}),
            (f"/api/blogs/{slug}/", {}),
            (f"/api/blogs/{slug}/entries/", {}),
            (f"/api/blogs/{slug}/entries/?since={since}", {}),
            ("/api/blogs/", {}),
        ],
        "editor": [
            (f"/admin/liveblog/blog/{editor_blog_pk}/desk/", {"editor": True}),
            (f"/admin/liveblog/blog/{editor_blog_pk}/desk/stream/", {"editor": True}),
            (f"/admin/liveblog/entry/?blog__id__exact={editor_blog_pk}", {"editor": True}),
            (f"/admin/liveblog/blog/{editor_blog_pk}/change/", {"editor": True}),
            (f"/api/blogs/{slug}/entries/?editor", {"editor": True}),
        ],
        "crawler": [
            ("/sitemap.xml", {}),
            ("/sitemap-entries.xml", {}),
        ],
    }


def forget_everything() -> None:
    """Empty the response cache, the process's memo of states and rendered answers."""
    from django.core.cache import cache

    from liveblog import freshness
    from liveblog.freshness import cache as kept

    cache.clear()
    freshness.forget_recent_states()
    kept.memo.__init__()


def measure(client, editor, path: str, headers: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    caller = editor if headers.get("editor") else client
    url = path.replace("?editor", "")
    cold, warm, queries, size = [], [], None, 0
    for _ in range(repeat):
        forget_everything()
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = caller.get(url)
            cold.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
        queries, size = len(captured), len(response.content)
        # Warm: the same again (the kept copy); for the desk's poll, with its ETag (the 304).
        conditional = {"HTTP_IF_NONE_MATCH": response["ETag"]} if "/stream/" in url else {}
        began = time.perf_counter()
        again = caller.get(url, **conditional)
        warm.append(time.perf_counter() - began)
        assert again.status_code == (304 if conditional else 200), (url, again.status_code)
    return {
        "cold_ms": statistics.median(cold) * 1000,
        "warm_ms": statistics.median(warm) * 1000,
        "queries": queries,
        "bytes": size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="a scratch PostgreSQL database")
    parser.add_argument("--sizes", type=int, nargs="*", default=[30, 5_000, 50_000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if args.postgres:
        recreate_postgres(args.postgres)
        database_url = args.postgres
    else:
        database_url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    setup_django(database_url)
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from liveblog.models import Blog, Entry

    # Not setup_test_environment(): its instrumented template rendering (a signal and a copy of
    # the context per template, for the test client's response.context) costs what production
    # never pays, most of all per widget in the admin's rows.
    settings.ALLOWED_HOSTS = ["testserver"]
    # Served from the apps, as in the tests (no collectstatic run here).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    editor_user = User.objects.create_user("bench-editor", password="x", is_staff=True)
    editor_user.groups.add(Group.objects.get(name="Editors"))
    editor = Client()
    editor.force_login(editor_user)
    client = Client()
    figures: dict[int, dict[str, dict]] = {}
    for size in args.sizes:
        began = time.perf_counter()
        blog = make_blog(size)
        made = time.perf_counter() - began
        # The planner's statistics and PostgreSQL's visibility map, as autovacuum (or SQLite's
        # PRAGMA optimize, run after requests and imports) keeps them on a blog that grew over
        # weeks: without the map, counts read every row's heap page instead of the index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        since = blog.revision
        for n in range(5):  # what a poller who looked a moment ago has not seen
            Entry.objects.create(
                blog=blog, headline=f"Fresh {n}", body="Just in.", status="published"
            )
        blog = Blog.objects.get(pk=blog.pk)
        print(f"{connection.vendor}: blog of {size:,} entries made in {made:.1f} s", flush=True)
        figures[size] = {}
        for audience, requests in paths(blog, since, blog.pk).items():
            for path, headers in requests:
                shown = path.replace(blog.slug, "<slug>").replace(f"/{blog.pk}/", "/<id>/")
                shown = re.sub(r"before=[0-9.]+", "before=...", shown)
                shown = re.sub(r"since=[0-9]+", "since=N", shown).replace("?editor", " (editor)")
                shown = re.sub(r"exact=[0-9]+", "exact=<id>", shown)
                name = f"{audience} {shown}"
                figures[size][name] = measure(client, editor, path, headers, args.repeat)
    sizes = sorted(figures)
    print(
        f"\n{connection.vendor}, median of {args.repeat}; ms cold / ms warm (the desk's poll:"
        " its 304) / queries cold / KB"
    )
    header = "path".ljust(58) + "".join(f"{size:>26,}" for size in sizes)
    if len(sizes) > 1:
        header += f"  {sizes[-1]:,}/{sizes[0]:,} cold"
    print(header)
    for name in figures[sizes[0]]:
        line = name[:57].ljust(58)
        for size in sizes:
            f = figures[size][name]
            line += (
                f"{f['cold_ms']:8.1f} {f['warm_ms']:6.2f} {f['queries']:3d} "
                f"{f['bytes'] / 1024:6.1f}"
            ).rjust(26)
        if len(sizes) > 1:
            first, last = figures[sizes[0]][name], figures[sizes[-1]][name]
            line += f"  {last['cold_ms'] / first['cold_ms']:5.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
