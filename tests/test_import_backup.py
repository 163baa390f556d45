"""The backup: export_blog to a bundle, import_seeds it into an empty database, export again:
the same bytes. On a database that has the blog, a restore follows the re-import rules."""

import datetime as dt
import io
import json
import shutil
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from liveblog.importers.bundle import BACKUP_NAME, file_sha256
from liveblog.models import (
    Blog,
    BlogStatus,
    Caption,
    Correction,
    Entry,
    EntryStatus,
    Image,
)
from tests.factories import image_upload

pytestmark = pytest.mark.django_db

LIVE_SEED = "003_66570e0849951c9e"
CLOSED_SEED = "000_62e9b136168e27ac"


def run_import(*args) -> str:
    out = io.StringIO()
    call_command("import_seeds", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def export(path, *args) -> bytes:
    call_command("export_blog", *args, "-o", str(path), stderr=io.StringIO())
    return path.read_bytes()


def empty_the_database(media_root) -> None:
    """What a new server has: no blogs, no pictures, no files (the users are made again)."""
    Blog.objects.all().delete()
    Image.objects.all().delete()
    shutil.rmtree(media_root, ignore_errors=True)


@pytest.fixture
def edited_blogs(media_root, django_user_model):
    """Both seeds imported, then everything an editor can set, set."""
    eda = django_user_model.objects.create_user("eda", password="x", is_staff=True)
    bo = django_user_model.objects.create_user("bo", password="x", is_staff=True)
    run_import()
    live = Blog.objects.get(source_name=LIVE_SEED)
    closed = Blog.objects.get(source_name=CLOSED_SEED)
    live.time_zone = "Europe/Kyiv"
    live.starts_at = dt.datetime(2025, 2, 12, 7, 30, 15, 250000, tzinfo=dt.UTC)
    live.save()
    closed.set_status(BlogStatus.LIVE)
    closed.set_status(BlogStatus.CLOSED)  # closed now: a closed_at of its own

    entries = list(live.entries.order_by("-sort_key"))
    entries[0].pin()
    entries[1].mark_key_event()
    entries[2].unpublish()  # a draft
    entries[3].publish(timezone.now() + dt.timedelta(days=2))  # scheduled
    entries[4].publish(dt.datetime(2025, 2, 12, 9, 15, tzinfo=dt.UTC))
    entries[4].authors.set([eda, bo])
    Correction.objects.create(entry=entries[4], text="Corrected the figure.", author=eda)
    Correction.objects.create(entry=entries[4], text="Fixed a name.")

    # Pictures with files: the hero and one in an entry; one made in the admin, placed twice.
    hero = Caption.objects.get(blog=closed, entry__isnull=True)
    hero.image.file = image_upload("hero.png", 60, 40)
    hero.image.save()
    uploaded = Image.objects.create(
        alt_text="Made in the admin",
        credit="Staff",
        file=image_upload("desk.jpg", 30, 20, "JPEG"),
        source_url="https://example.com/desk",
    )
    Caption.objects.create(entry=entries[4], image=uploaded, text="At the desk", position=1)
    Caption.objects.create(entry=entries[1], image=uploaded, text="Again", position=0)
    # An entry written in the admin: no import key.
    made = Entry.objects.create(blog=live, headline="Written in the admin", body="Typed.")
    made.publish()
    return {"users": [eda, bo], "live": live, "made": made, "uploaded": uploaded}


def test_restoring_a_bundle_on_an_empty_database_exports_the_same_bytes(
    edited_blogs, tmp_path, media_root
):
    first = export(tmp_path / "backup.zip", "--all")
    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        names = archive.namelist()
        document = json.loads(archive.read(BACKUP_NAME))
        files = {name: archive.read(name) for name in names if name != BACKUP_NAME}
    assert names[0] == BACKUP_NAME and len(files) == 2
    records = [image for blog in document for image in blog["images"] if image["file"]]
    assert {f"media/{r['file']}": r["sha256"] for r in records} == {
        name: file_sha256(content) for name, content in files.items()
    }

    empty_the_database(media_root)
    output = run_import(tmp_path / "backup.zip")

    assert "2 files" not in output and "blogs 2 created" in output
    assert export(tmp_path / "again.zip", "--all") == first


def test_the_restored_blog_has_what_editors_set(edited_blogs, tmp_path, media_root):
    export(tmp_path / "backup.zip", "--all")
    before = Blog.objects.get(source_name=LIVE_SEED)
    made_at = edited_blogs["made"].published_at
    empty_the_database(media_root)

    run_import(tmp_path / "backup.zip")

    live = Blog.objects.get(source_name=LIVE_SEED)
    assert (live.time_zone, live.starts_at) == (before.time_zone, before.starts_at)
    closed = Blog.objects.get(source_name=CLOSED_SEED)
    assert closed.status == BlogStatus.CLOSED and closed.closed_at is not None
    entries = list(live.entries.newest_first())
    assert entries[0].is_pinned
    assert live.entries.filter(status=EntryStatus.DRAFT).count() == 1
    scheduled = live.entries.get(is_scheduled=True)
    assert scheduled.published_at > timezone.now()
    with_people = live.entries.get(published_at=dt.datetime(2025, 2, 12, 9, 15, tzinfo=dt.UTC))
    assert sorted(u.username for u in with_people.authors.all()) == ["bo", "eda"]
    assert [(c.text, c.author and c.author.username) for c in with_people.corrections.all()] == [
        ("Corrected the figure.", "eda"),
        ("Fixed a name.", None),
    ]
    assert [(c.position, c.text) for c in with_people.captions.all()][-1] == (1, "At the desk")
    made = live.entries.get(headline="Written in the admin")
    assert made.published_at == made_at
    # Pictures: their files are back in storage, one row for the picture placed twice.
    uploaded = Image.objects.get(alt_text="Made in the admin")
    assert uploaded.captions.count() == 2
    assert (uploaded.width, uploaded.height, uploaded.source_url) == (
        30,
        20,
        "https://example.com/desk",
    )
    assert uploaded.file.storage.exists(uploaded.file.name)
    hero = Caption.objects.get(blog=closed, entry__isnull=True).image
    assert (hero.width, hero.height) == (60, 40)


def test_missing_users_are_reported_never_dropped_silently(edited_blogs, tmp_path, media_root):
    export(tmp_path / "backup.zip", "--all")
    empty_the_database(media_root)
    get_user_model().objects.filter(username="bo").delete()

    output = run_import(tmp_path / "backup.zip")

    assert "no user “bo” here (users are not in a backup); left out" in output
    live = Blog.objects.get(source_name=LIVE_SEED)
    assert "no user “bo” here" in live.import_notes
    assert [u.username for u in Entry.objects.get(authors__username="eda").authors.all()] == ["eda"]


def test_restoring_over_the_blog_keeps_editors_changes_unless_overwrite(
    edited_blogs, tmp_path, media_root
):
    backup = tmp_path / "backup.zip"
    export(backup, "--all")
    live = Blog.objects.get(source_name=LIVE_SEED)
    edited = live.entries.get(headline="Written in the admin")
    edited.body = "Changed after the backup."
    edited.save()

    output = run_import(backup)
    # Only the entry changed since the backup differs, and the editor's change is kept.
    assert "blogs 2 unchanged; entries 49 unchanged, 1 kept; images 9 unchanged" in output
    assert f"entry {edited.pk} “Written in the admin”: kept an editor's changes" in output
    edited.refresh_from_db()
    assert edited.body == "Changed after the backup."
    output = run_import("--overwrite", backup)
    assert "overwrote an editor's changes" in output
    edited.refresh_from_db()
    assert edited.body == "Typed."
    # Restoring over the same database found the same rows: nothing was duplicated.
    assert Image.objects.filter(alt_text="Made in the admin").count() == 1
    assert live.entries.filter(headline="Written in the admin").count() == 1


def test_a_picture_the_editor_changed_is_kept_unless_overwrite(edited_blogs, tmp_path):
    backup = tmp_path / "backup.zip"
    export(backup, "--all")
    uploaded = edited_blogs["uploaded"]
    uploaded.alt_text = "A better description"
    uploaded.save()

    output = run_import(backup)
    assert f"image image-{uploaded.pk}: kept an editor's changes" in output
    uploaded.refresh_from_db()
    assert uploaded.alt_text == "A better description"
    run_import("--overwrite", backup)
    uploaded.refresh_from_db()
    assert uploaded.alt_text == "Made in the admin"


def test_a_plain_json_export_says_its_pictures_are_not_in_it(edited_blogs, tmp_path, media_root):
    err = io.StringIO()
    call_command("export_blog", "--all", "-o", str(tmp_path / "backup.json"), stderr=err)
    assert "its 2 picture files are not in it (write to a .zip to include them)" in err.getvalue()
    empty_the_database(media_root)

    output = run_import(tmp_path / "backup.json")

    assert "is not in this file (export to a .zip to bring pictures); imported without it" in output
    assert not Image.objects.exclude(file="").exists()


def test_a_bundle_whose_file_does_not_match_its_hash_is_refused(edited_blogs, tmp_path, media_root):
    backup = tmp_path / "backup.zip"
    export(backup, "--all")
    with zipfile.ZipFile(backup) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content if name == BACKUP_NAME else content + b"x")
    empty_the_database(media_root)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(tampered), stdout=io.StringIO(), stderr=err)
    assert "its SHA-256 is not the one backup.json gives" in err.getvalue()
    assert not Blog.objects.exists() and not Image.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))  # files written, removed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip at all", "not a backup bundle"),
        (None, "backup.json is missing from the bundle"),
    ],
)
def test_a_broken_bundle_is_one_line_of_error(tmp_path, content, message):
    path = tmp_path / "broken.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("other.txt", "hello")
    else:
        path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(path), stdout=io.StringIO(), stderr=err)
    assert f"{path}: {message}" in err.getvalue()


def test_one_blog_exports_to_a_bundle_too(edited_blogs, tmp_path, media_root):
    slug = edited_blogs["live"].slug
    first = export(tmp_path / "one.zip", slug)
    empty_the_database(media_root)
    run_import(tmp_path / "one.zip")
    assert list(Blog.objects.values_list("slug", flat=True)) == [slug]
    assert export(tmp_path / "again.zip", slug) == first


def test_a_dry_run_of_a_bundle_writes_no_rows_and_no_files(edited_blogs, tmp_path, media_root):
    export(tmp_path / "backup.zip", "--all")
    empty_the_database(media_root)

    output = run_import("--dry-run", tmp_path / "backup.zip")

    assert "Dry run, nothing written" in output and "blogs 2 created" in output
    assert not Blog.objects.exists() and not Image.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_every_field_an_editor_can_set_is_in_the_export(edited_blogs, tmp_path):
    """By its own name or its SEED_FORMAT.md name: a field added to Blog later (a language)
    is exported, and restored, without a change to the importer."""
    from liveblog.importers.fields import BLOG_DOCUMENT_KEYS

    call_command("export_blog", "--all", "-o", str(tmp_path / "b.json"), stderr=io.StringIO())
    document = json.loads((tmp_path / "b.json").read_text())[0]
    editable = [f.name for f in Blog._meta.concrete_fields if f.editable and not f.primary_key]
    assert [name for name in editable if BLOG_DOCUMENT_KEYS.get(name, name) not in document] == []
    entry = document["entries"][0]
    carried = {"body": "blocks", "blog": None}  # the body as blocks; the blog is the document
    for field in Entry._meta.concrete_fields:
        if field.editable and not field.primary_key and carried.get(field.name, 1) is not None:
            assert carried.get(field.name, field.name) in entry, field.name
    assert "authors" in entry and "corrections" in entry


def test_blocks_export_in_one_key_order_whatever_the_database_gives_back(tmp_path):
    """PostgreSQL's jsonb returns a stored block's keys sorted ("text" before "type"), SQLite as
    written: a bundle made on one and restored on the other must still export the same bytes."""
    from tests.factories import make_blog, make_entry

    entry = make_entry(make_blog(slug="keys"), body="A paragraph.")
    Entry.objects.filter(pk=entry.pk).update(
        body_blocks=[{"text": "A paragraph.", "type": "paragraph"}]
    )

    document = json.loads(export(tmp_path / "keys.json", "keys"))

    assert list(document["entries"][0]["blocks"][0]) == ["type", "text"]


def test_a_picture_file_gone_from_storage_is_reported_and_the_backup_still_restores(
    edited_blogs, tmp_path, media_root
):
    uploaded = edited_blogs["uploaded"]
    uploaded.file.storage.delete(uploaded.file.name)
    err = io.StringIO()
    call_command("export_blog", "--all", "-o", str(tmp_path / "backup.zip"), stderr=err)
    assert f"picture file {uploaded.file.name} is missing from the media storage" in err.getvalue()
    empty_the_database(media_root)

    run_import(tmp_path / "backup.zip")

    assert not Image.objects.get(alt_text="Made in the admin").file


def test_a_backup_keeps_approval_and_labels(tmp_path, media_root, django_user_model):
    """A submitted entry stays in the queue with its note, a label keeps its time, note and
    history, and the backup restores to the same bytes."""
    from tests.factories import make_blog, make_entry

    blog = make_blog(slug="approval")
    waiting = make_entry(blog, headline="Waiting", status="draft", import_key="waiting")
    waiting.submit()
    waiting.return_to_author("Which harbour?")
    waiting.submit()
    labelled = make_entry(blog, headline="Labelled", import_key="labelled")
    labelled.set_verification("unconfirmed")
    labelled.set_verification("retracted", "It was a drill.")
    first = export(tmp_path / "approval.json", "approval")
    Blog.objects.all().delete()

    run_import(tmp_path / "approval.json")

    restored = {entry.headline: entry for entry in Entry.objects.all()}
    assert restored["Waiting"].status == "submitted"
    assert (
        restored["Waiting"].submitted_at
        == Entry.history.filter(headline="Waiting", status="submitted")
        .latest("history_id")
        .submitted_at
    )
    label = restored["Labelled"]
    assert (label.verification, label.verification_note) == ("retracted", "It was a drill.")
    assert [item["label"] for item in label.verification_log] == ["unconfirmed", "retracted"]
    assert label.verified_at is not None
    assert export(tmp_path / "again.json", "approval") == first
