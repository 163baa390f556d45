"""A backup restores into any database: found by natural keys, never by the ids it carries; a
slug taken by another blog is refused, or replaced or renamed when asked."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from liveblog.models import Blog, Entry, Image
from tests.factories import image_upload, make_blog, make_entry
from tests.test_import_backup import (
    edited_blogs,  # noqa: F401 (a fixture)
    empty_the_database,
    export,
    run_import,
)

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("edited_blogs")
def test_a_bundle_restores_beside_other_blogs_and_exports_the_same_bytes(tmp_path, media_root):
    # Found on main: the document's blog fields carried the primary key, so the restore updated
    # whichever blog had that id, and failed (NOT NULL created_at) after three attempts.
    export(tmp_path / "backup.zip", "--all")
    ids = list(Blog.objects.order_by("pk").values_list("pk", flat=True))
    slugs = list(Blog.objects.values_list("slug", flat=True))
    each = {slug: export(tmp_path / f"{slug}.zip", slug) for slug in slugs}
    empty_the_database(media_root)
    # Another newsroom's blogs, holding the ids the backup's blogs had.
    others = [make_blog(id=pk, title=f"Other {pk}", slug=f"other-{pk}") for pk in ids]
    for other in others:
        make_entry(other, headline=f"Theirs {other.pk}")

    output = run_import(tmp_path / "backup.zip")

    assert "blogs 2 created" in output
    for other in others:
        other.refresh_from_db()
        assert other.title == f"Other {other.pk}"
        assert list(other.entries.values_list("headline", flat=True)) == [f"Theirs {other.pk}"]
    restored = Blog.objects.exclude(pk__in=ids)
    assert sorted(restored.values_list("slug", flat=True)) == sorted(slugs)
    for slug, first in each.items():
        assert export(tmp_path / f"again-{slug}.zip", slug) == first, slug


@pytest.mark.parametrize("given", [-1, 0, 2**31, "7"])
def test_ids_a_document_carries_are_ignored(tmp_path, admin_client, given):
    document = {"title": "Chosen id", "slug": "chosen-id", "id": given, "entries": []}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document))
    run_import(path)
    blog = Blog.objects.get(slug="chosen-id")
    assert blog.pk != given and blog.pk > 0
    assert admin_client.get(f"/admin/liveblog/blog/{blog.pk}/change/").status_code == 200


def backup_of(blog: Blog, tmp_path) -> bytes:
    return export(tmp_path / f"{blog.slug}.json", blog.slug)


def test_a_taken_slug_is_refused_naming_the_options(tmp_path):
    original = make_blog(slug="storm", title="Storm, as backed up")
    make_entry(original, headline="From the backup")
    backup_of(original, tmp_path)
    original.delete()
    theirs = make_blog(slug="storm", title="Another storm")
    make_entry(theirs, headline="Not to be lost")

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(tmp_path / "storm.json"), stdout=io.StringIO(), stderr=err)

    assert "“storm” is the address of another blog here" in err.getvalue()
    assert "--replace" in err.getvalue() and "--rename" in err.getvalue()
    theirs.refresh_from_db()
    assert theirs.title == "Another storm" and Blog.objects.count() == 1


def test_rename_restores_beside_and_replace_restores_over(tmp_path):
    original = make_blog(slug="storm", title="Storm, as backed up")
    make_entry(original, headline="From the backup")
    backup_of(original, tmp_path)
    original.delete()
    theirs = make_blog(slug="storm", title="Another storm")
    make_entry(theirs, headline="Theirs")

    output = run_import("--rename", tmp_path / "storm.json")
    renamed = Blog.objects.get(slug="storm-2")
    assert "storm-2" in output
    assert renamed.title == "Storm, as backed up"
    assert list(renamed.entries.values_list("headline", flat=True)) == ["From the backup"]
    theirs.refresh_from_db()
    assert theirs.title == "Another storm"

    run_import("--replace", tmp_path / "storm.json")
    theirs.refresh_from_db()
    assert theirs.title == "Storm, as backed up"  # the same blog (id), now the backup's
    assert set(theirs.entries.values_list("headline", flat=True)) >= {"From the backup"}


def test_the_command_help_documents_replace_and_rename(capsys):
    with pytest.raises(SystemExit):
        call_command("import_seeds", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "--replace" in text and "--rename" in text
    assert "refused" in text and "<slug>-2" in text


@pytest.mark.usefixtures("edited_blogs")
def test_after_a_restore_blogs_entries_and_pictures_are_made_at_once(
    tmp_path, media_root, admin_user
):
    # Found on main (PostgreSQL): a restore kept the blog's id but the sequence did not move,
    # so the next blog made answered 500 (duplicate key).
    export(tmp_path / "backup.zip", "--all")
    empty_the_database(media_root)
    run_import(tmp_path / "backup.zip")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")

    blog = client.post("/api/blogs/", {"title": "New", "slug": "new-one"}, format="json")
    assert blog.status_code == 201, blog.content
    entry = client.post(
        "/api/blogs/new-one/entries/", {"headline": "First", "status": "published"}, format="json"
    )
    assert entry.status_code == 201, entry.content
    picture = client.post(
        "/api/images/", {"alt_text": "A square", "file": image_upload()}, format="multipart"
    )
    assert picture.status_code == 201, picture.content
    assert Entry.objects.filter(blog__slug="new-one").count() == 1
    assert Image.objects.filter(alt_text="A square").exists()


def test_restoring_the_same_document_again_finds_the_blog_it_made(tmp_path):
    original = make_blog(slug="storm", title="Storm")
    make_entry(original, headline="First")
    backup_of(original, tmp_path)
    original.delete()

    first = run_import(tmp_path / "storm.json")
    again = run_import(tmp_path / "storm.json")

    assert "blogs 1 created" in first
    assert "blogs 1 unchanged" in again and "refused" not in again
    assert Blog.objects.filter(slug="storm").count() == 1
