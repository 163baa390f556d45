"""Two imports of the same material at once, on PostgreSQL with real threads and connections.

Both once ended in a traceback: the same new file (liveblog_blog_slug_key) or two files sharing
pictures (image_unique_import_key). A barrier holds each import right after it looked for what
exists, so both have found nothing before either writes: the race happens on every run.
"""

import threading

import pytest
from django.db import connection, connections

from liveblog.importers import loader
from liveblog.importers.loader import import_file
from liveblog.models import Blog, Caption, Entry, Image

PICTURES = "\n\n".join(
    f"Picture {n}\nA scene from the day, number {n} [Reuters]" for n in range(1, 4)
)


def page(title: str) -> str:
    return (
        f"{title}\n\nStandfirst.\n\nFirst headline\n\nOne.\n\n{PICTURES}\n\n"
        "Second headline\n\nTwo.\n\nSource: Agencies"
    )


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test: needs PostgreSQL (set DATABASE_URL; CI runs it)")


def hold_after(monkeypatch, name: str, parties: int = 2) -> None:
    """Make loader.<name> wait for the other imports on its first call in each thread."""
    barrier = threading.Barrier(parties, timeout=20)
    waited = threading.local()
    real = getattr(loader, name)

    def held(*args, **kwargs):
        result = real(*args, **kwargs)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return result

    monkeypatch.setattr(loader, name, held)


def run_together(*jobs) -> list:
    """Run each job in its own thread (own connection); return results or what they raised."""
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            results[index] = job()
        except BaseException as error:  # the test reports it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an import hung"
    return results


def test_the_same_new_file_imported_twice_at_once_converges(postgres, tmp_path, monkeypatch):
    path = tmp_path / "breaking.txt"
    path.write_text(page("Breaking news live"))
    hold_after(monkeypatch, "_find_blog")

    results = run_together(lambda: import_file(path), lambda: import_file(path))

    assert not [r for r in results if isinstance(r, BaseException)], results
    outcomes = sorted(r.tally.summary().split(";")[0] for r in results)
    # One created the blog; the other, tried again, found it and had nothing left to do.
    assert outcomes == ["blogs 1 created", "blogs 1 unchanged"]
    assert Blog.objects.count() == 1 and Entry.objects.count() == 2
    assert Image.objects.count() == 3 and Caption.objects.count() == 3


def test_two_files_sharing_pictures_imported_at_once_share_them(postgres, tmp_path, monkeypatch):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(page("Morning live"))
    second.write_text(page("Evening live"))
    hold_after(monkeypatch, "_admin_images")  # right before the pictures are inserted

    results = run_together(lambda: import_file(first), lambda: import_file(second))

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Blog.objects.count() == 2
    assert Image.objects.count() == 3  # one row per picture, shared by both blogs
    assert Caption.objects.count() == 6


def test_two_json_documents_with_one_new_slug_converge(postgres, tmp_path, monkeypatch):
    import json

    document = {
        "title": "Restored",
        "slug": "restored",
        "entries": [{"headline": "H", "blocks": [], "key": "k1"}],
    }
    path = tmp_path / "restored.json"
    path.write_text(json.dumps(document))
    hold_after(monkeypatch, "_find_blog")

    results = run_together(lambda: import_file(path), lambda: import_file(path))

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert list(Blog.objects.values_list("slug", flat=True)) == ["restored"]
    assert Entry.objects.count() == 1
