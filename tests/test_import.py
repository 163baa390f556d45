"""import_seeds and export_blog: round trip, idempotency, editors' work, bad files."""

import datetime
import io
import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from liveblog.importers.export import blogs_for_export, export_blog
from liveblog.models import Blog, BlogStatus, Caption, Entry, EntryStatus, Image

pytestmark = pytest.mark.django_db

SEEDS = ["000_62e9b136168e27ac", "003_66570e0849951c9e"]
DOCUMENT_KEYS = [
    "format",
    "title",
    "standfirst",
    "date",
    "published",
    "updated",
    "key_points",
    "hero_image",
    "intro",
    "closed_notice",
    "source",
]


def run_import(*args) -> str:
    out = io.StringIO()
    call_command("import_seeds", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def exported(source_name: str) -> dict:
    blog = blogs_for_export(Blog.objects.filter(source_name=source_name)).get()
    return export_blog(blog)


def document_part(document: dict) -> dict:
    part = {key: document[key] for key in DOCUMENT_KEYS}
    part["entries"] = [
        {"headline": e["headline"], "blocks": e["blocks"]} for e in document["entries"]
    ]
    return part


@pytest.fixture
def seed_copy(tmp_path, seeds_dir):
    folder = tmp_path / "seeds"
    shutil.copytree(seeds_dir, folder)
    return folder


@pytest.mark.parametrize("name", SEEDS)
def test_import_then_export_equals_the_expected_document(name, expected_dir):
    run_import()
    expected = json.loads((expected_dir / f"{name}.json").read_text())
    assert document_part(exported(name)) == expected


def test_import_records_what_the_design_asks():
    output = run_import()
    assert "2 files, 0 unchanged" in output
    closed = Blog.objects.get(source_name="000_62e9b136168e27ac")
    live = Blog.objects.get(source_name="003_66570e0849951c9e")
    assert closed.status == BlogStatus.CLOSED and live.status == BlogStatus.LIVE
    # The sidecar supplies what format A cannot: the year.
    assert str(closed.coverage_date) == "2022-02-07"
    assert closed.slug == "ukraine-latest-updates-us-germany-in-lockstep-says-biden"
    assert closed.entries.count() == 34 and live.entries.count() == 15
    assert not Entry.objects.exclude(status=EntryStatus.PUBLISHED).exists()
    assert not Entry.objects.filter(published_at__isnull=False).exists()  # never invented
    newest = closed.entries.order_by("-order").first()
    assert newest.headline.startswith("Biden: US, Germany")
    assert Caption.objects.filter(blog=closed, entry__isnull=True).count() == 1
    assert closed.source_hash and closed.imported_at


def test_second_run_changes_nothing_and_skips_by_hash(django_assert_max_num_queries):
    run_import()
    before = (
        Blog.objects.count(),
        Entry.objects.count(),
        Image.objects.count(),
        Caption.objects.count(),
    )
    revisions = list(Blog.objects.values_list("revision", flat=True))
    # One query for the known hashes; nothing is parsed or written.
    with django_assert_max_num_queries(1):
        output = run_import()
    assert "2 unchanged (skipped by hash)" in output
    assert "blogs 2 unchanged" in output
    after = (
        Blog.objects.count(),
        Entry.objects.count(),
        Image.objects.count(),
        Caption.objects.count(),
    )
    assert before == after
    assert list(Blog.objects.values_list("revision", flat=True)) == revisions


def test_same_picture_used_twice_is_one_image(tmp_path):
    pair = "A soldier\nSandbags were handed out [Reuters]"
    text = f"T\n\nS.\n\nFirst\n\nOne.\n\n{pair}\n\nSecond\n\nTwo.\n\n{pair}"
    (tmp_path / "pics.txt").write_text(text)
    run_import(tmp_path / "pics.txt")
    assert Image.objects.count() == 1
    assert Caption.objects.count() == 2


def test_reimport_keeps_editor_changes_and_updates_the_rest(seed_copy):
    run_import(seed_copy)
    blog = Blog.objects.get(source_name="003_66570e0849951c9e")
    edited = blog.entries.get(headline__startswith="Ukraine detains")
    edited.body = edited.body + "\n\nAn editor's added paragraph."
    edited.save()
    untouched = blog.entries.get(headline__startswith="NATO chief")

    path = seed_copy / "003_66570e0849951c9e.txt"
    text = path.read_text()
    text = text.replace(
        "The US is currently the biggest provider", "The US remains the biggest provider"
    )
    text = text.replace("It said more than 14 instances", "It said more than 15 instances")
    path.write_text(text)

    output = run_import(seed_copy)
    assert "entries 1 updated" in output and "1 kept" in output
    assert "kept an editor's changes" in output
    edited.refresh_from_db()
    untouched.refresh_from_db()
    assert "An editor's added paragraph." in edited.body
    assert "14 instances" in edited.body
    assert (
        "The US remains the biggest provider"
        in blog.entries.get(headline__startswith="Ukraine regaining").body
    )
    assert untouched.import_hash == untouched.content_hash()

    output = run_import("--overwrite", path)
    assert "overwrote an editor's changes" in output
    edited.refresh_from_db()
    assert "An editor's added paragraph." not in edited.body
    assert "15 instances" in edited.body


def test_reimport_adds_new_entries_on_top_and_drops_vanished_ones(seed_copy):
    run_import(seed_copy)
    path = seed_copy / "003_66570e0849951c9e.txt"
    lines = path.read_text().split("\n")
    lines.insert(6, "Brand new development\nSomething happened just now.")
    path.write_text("\n".join(lines))
    run_import(path)
    blog = Blog.objects.get(source_name="003_66570e0849951c9e")
    assert blog.entries.count() == 16
    assert blog.entries.order_by("-order").first().headline == "Brand new development"


def test_blog_fields_an_editor_changed_are_kept(seed_copy):
    run_import(seed_copy)
    blog = Blog.objects.get(source_name="003_66570e0849951c9e")
    blog.title = "Editor's better title"
    blog.save()
    path = seed_copy / "003_66570e0849951c9e.txt"
    path.write_text(
        path.read_text().replace("borders 'unrealistic'Published", "borders 'unreal'Published")
    )
    output = run_import(path)
    blog.refresh_from_db()
    assert blog.title == "Editor's better title"
    assert "kept an editor's changes to the blog's fields" in output


def test_a_corrected_headline_updates_the_same_entry(seed_copy):
    run_import(seed_copy)
    entry = Entry.objects.get(headline="British minister: Ukraine should decide when to negotiate")
    path = seed_copy / "003_66570e0849951c9e.txt"
    path.write_text(path.read_text().replace("Ukraine should decide", "Kyiv should decide"))
    output = run_import(path)
    assert "entries 1 updated, 14 unchanged" in output
    entry.refresh_from_db()
    assert entry.headline == "British minister: Kyiv should decide when to negotiate"


def test_dry_run_writes_nothing(seeds_dir):
    output = run_import("--dry-run", seeds_dir)
    assert output.startswith(str(seeds_dir)) or "Dry run" in output
    assert "Dry run, nothing written" in output and "entries 49 created" in output
    assert not Blog.objects.exists() and not Image.objects.exists()


BAD_FILES = {
    "empty.txt": (b"", ":1: the file is empty"),
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00", ":3: binary data"),
    "latin1.txt": ("Titre\n\nÉté.\n".encode("latin-1"), ":3: not UTF-8"),
    "title-only.txt": (b"A title with nothing else\n", ":1: the blog has a title but no entries"),
    "bad.json": (b'{"title": "x", "entries": [{"headline": ""}]}', "entries[0].headline"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_reported_and_leaves_nothing(tmp_path, seeds_dir, name):
    data, message = BAD_FILES[name]
    shutil.copy(seeds_dir / "003_66570e0849951c9e.txt", tmp_path)
    (tmp_path / name).write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_seeds", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert f"{tmp_path / name}" in err.getvalue()
    assert message in err.getvalue()
    # The good file still imported; the bad one left nothing behind.
    assert list(Blog.objects.values_list("source_name", flat=True)) == ["003_66570e0849951c9e"]


def test_failure_midway_rolls_the_whole_file_back(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text("T\n\nS.\n\nHeadline\n\nText.")
    from liveblog.importers import loader

    def explode(*args, **kwargs):
        raise loader.ReaderError("simulated failure while writing captions", 0)

    monkeypatch.setattr(loader, "_load_entries", explode)
    with pytest.raises(CommandError):
        call_command("import_seeds", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Blog.objects.exists() and not Image.objects.exists()


def test_a_file_over_the_limit_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(big), stdout=io.StringIO(), stderr=err)
    assert f"{big}: the file is 62.9 MB, over the 50 MB limit" in err.getvalue()


def test_a_folder_with_no_seeds_is_an_error(tmp_path):
    (tmp_path / "notes.md").write_text("nothing here")
    with pytest.raises(CommandError, match="no seed files"):
        call_command("import_seeds", str(tmp_path), stdout=io.StringIO())


def test_bad_sidecar_names_its_field(tmp_path):
    (tmp_path / "blog.txt").write_text("T\n\nS.\n\nHeadline\n\nText.")
    (tmp_path / "blog.meta.json").write_text('{"date": "7 Feb"}')
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "blog.meta.json: field 'date'" in err.getvalue()


def test_export_then_import_restores_the_blog(tmp_path, django_db_blocker):
    run_import()
    blog = Blog.objects.get(source_name="003_66570e0849951c9e")
    entry = blog.entries.order_by("-order")[2]
    entry.pin()
    entry.mark_key_event()
    Entry.objects.filter(pk=blog.entries.order_by("-order")[3].pk).update(status=EntryStatus.DRAFT)
    out = tmp_path / "backup.json"
    call_command("export_blog", "--all", "-o", str(out), stderr=io.StringIO())
    before = {b["slug"]: b for b in json.loads(out.read_text())}

    Blog.objects.all().delete()
    Image.objects.all().delete()
    output = run_import(out)
    assert "blogs 2 created" in output
    after = {b["slug"]: b for b in json.loads(call_export_all())}
    # Ids are not carried: the restored blogs export exactly as the originals did.
    assert after == before


def call_export_all() -> str:
    out = io.StringIO()
    call_command("export_blog", "--all", stdout=out)
    return out.getvalue()


def test_export_of_one_blog_and_unknown_slug():
    run_import()
    out = io.StringIO()
    call_command(
        "export_blog", "us-says-ukraine-regaining-pre-2014-borders-unrealistic", stdout=out
    )
    assert json.loads(out.getvalue())["format"] == "B"
    with pytest.raises(CommandError, match="no blog with slug"):
        call_command("export_blog", "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="give one blog slug, or --all"):
        call_command("export_blog", stdout=io.StringIO())


def test_imported_blog_shows_the_sources_last_updated_date(client):
    run_import()
    blog = Blog.objects.get(source_name="003_66570e0849951c9e")
    assert blog.is_as_imported
    page = client.get(blog.get_absolute_url()).content.decode()
    # The source's date, written as the site writes dates.
    assert 'Last updated <time datetime="2025-02-13">13 Feb 2025</time>' in page
    make = blog.entries.first()
    make.headline = "An editor's new headline"
    make.save()
    blog.refresh_from_db()
    blog.changed_at += datetime.timedelta(minutes=2)  # the editor's change came later
    Blog.objects.filter(pk=blog.pk).update(changed_at=blog.changed_at)
    page = client.get(blog.get_absolute_url()).content.decode()
    assert 'Last updated <time datetime="2025-02-13">13 Feb 2025</time>' not in page


@pytest.fixture
def small_chunks(monkeypatch):
    """Entries written four at a time and spilled to disk at once: the chunk boundaries a
    50,000-entry file meets, on the seeds."""
    from liveblog.importers import loader, spill

    monkeypatch.setattr(loader, "WRITE_CHUNK", 4)
    monkeypatch.setattr(spill, "SPOOL_BYTES", 1)


@pytest.mark.parametrize("name", SEEDS)
def test_written_in_chunks_a_seed_imports_and_reimports_as_one_file(
    name, seed_copy, expected_dir, small_chunks
):
    from liveblog.importers.reader import read_bytes

    run_import(seed_copy / f"{name}.txt")
    expected = json.loads((expected_dir / f"{name}.json").read_text())
    assert document_part(exported(name)) == expected
    blog = Blog.objects.get(source_name=name)
    ids = dict(blog.entries.values_list("import_key", "pk"))

    # At the source: a new entry on top, and a paragraph of the third changed.
    path = seed_copy / f"{name}.txt"
    newest, second, third = expected["entries"][:3]
    paragraph = next(b["text"] for b in third["blocks"] if b["type"] == "paragraph")
    text = path.read_text()
    assert text.count(paragraph) == 1
    text = text.replace(paragraph, paragraph + " More soon.")
    start = text.index(newest["headline"])
    text = text[:start] + "Brand new development\n\nSomething happened just now.\n\n" + text[start:]
    path.write_text(text)
    count = len(expected["entries"])
    output = run_import(path)
    assert f"entries 1 created, 1 updated, {count - 1} unchanged" in output
    assert document_part(exported(name)) == document_part(read_bytes(path.read_bytes()))

    # Then the new entry gone again, and the second's headline corrected in its place.
    text = text.replace("Brand new development\n\nSomething happened just now.\n\n", "")
    text = text.replace(second["headline"], second["headline"] + " (corrected)", 1)
    path.write_text(text)
    output = run_import(path)
    assert f"entries 1 updated, {count - 1} unchanged, 1 deleted" in output
    assert document_part(exported(name)) == document_part(read_bytes(path.read_bytes()))
    corrected = blog.entries.get(headline=second["headline"] + " (corrected)")
    assert corrected.pk in ids.values()  # the same entry, updated in its place
    blog.refresh_from_db()
    assert blog.entries.count() == blog.entry_count == count
