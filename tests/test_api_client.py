"""A client generated from the API's OpenAPI schema by openapi-python-client, used as generated:
every module imports, and it lists blogs, reads the `since` feed, creates, edits with If-Match
(a time set to null included), deletes an entry and uploads an image against a live server.

Generation takes a few seconds; the client is made once for the module.
"""

import importlib
import io
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from liveblog.models import Entry, EntryStatus, Image
from tests.factories import image_upload, make_blog, make_entry
from tests.needs import missing

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "liveblog_api_client"  # from the schema's title, "Liveblog API"


def generator() -> str:
    found = Path(sys.executable).parent / "openapi-python-client"
    if found.exists():
        return str(found)
    if on_path := shutil.which("openapi-python-client"):
        return on_path
    missing(
        "generated client test: openapi-python-client is not installed (pip install -e '.[test]')"
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The generated client's folder (on sys.path while the module runs)."""
    folder = tmp_path_factory.mktemp("client")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    (folder / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    # The generator formats its output with ruff by default; the code is used, not read.
    (folder / "config.json").write_text(json.dumps({"post_hooks": []}), encoding="utf-8")
    result = subprocess.run(
        [generator(), "generate", "--path", "schema.json", "--config", "config.json",
         "--output-path", "out", "--meta", "none", "--fail-on-warning"],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    package = folder / "out"
    # --meta none writes the package's modules straight into the folder: name it.
    (folder / PACKAGE).symlink_to(package, target_is_directory=True)
    sys.path.insert(0, str(folder))
    yield folder / PACKAGE
    sys.path.remove(str(folder))
    for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
        del sys.modules[name]


def client_module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def editor_token(transactional_db) -> str:
    from django.apps import apps

    migration = importlib.import_module("liveblog.migrations.0002_editors_group")
    migration.create_editors_group(apps, None)  # a transactional test before may have flushed it
    user = User.objects.create_user("newsdesk", password="pw", first_name="News", last_name="Desk")
    user.groups.add(Group.objects.get(name="Editors"))
    return Token.objects.create(user=user).key


def test_every_generated_module_imports(generated):
    names = [info.name for info in pkgutil.walk_packages([str(generated)], prefix=f"{PACKAGE}.")]
    assert len(names) > 50
    failures = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - every failure is reported by name
            failures[name] = repr(error)
    assert failures == {}


def test_the_generated_client_reads_and_writes_as_generated(
    generated, live_server, editor_token, media_root
):
    client_pkg = client_module("client")
    types = client_module("types")
    models = client_module("models")
    blogs_list = client_module("api.blogs.blogs_list")
    entries_list = client_module("api.blogs.blogs_entries_list")
    entries_create = client_module("api.blogs.blogs_entries_create")
    entry_retrieve = client_module("api.entries.entries_retrieve")
    entry_update = client_module("api.entries.entries_partial_update")
    entry_delete = client_module("api.entries.entries_destroy")
    image_create = client_module("api.images.images_create")

    blog = make_blog(title="Storm live", slug="storm")
    make_entry(blog, headline="Winds rise")
    reader = client_pkg.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    editor = client_pkg.AuthenticatedClient(
        base_url=live_server.url, token=editor_token, prefix="Token",
        raise_on_unexpected_status=True,
    )  # fmt: skip

    # List blogs, then ask again with the ETag: a 304 without a body.
    listed = blogs_list.sync_detailed(client=reader)
    assert listed.status_code == 200
    assert [item.slug for item in listed.parsed.results] == ["storm"]
    again = blogs_list.sync_detailed(client=reader, if_none_match=listed.headers["ETag"])
    assert again.status_code == 304

    # The change feed from revision 0.
    feed = entries_list.sync(blog_slug="storm", client=reader, since=0)
    assert [item.headline for item in feed.results] == ["Winds rise"]
    revision = feed.since

    # Create (JSON), read its ETag, edit with If-Match: the time set to null, then back.
    created = entries_create.sync_detailed(
        blog_slug="storm",
        client=editor,
        body=models.EntryRequest(
            headline="Ferries cancelled",
            body="All crossings are off.\n\n> Stay home.\n> — The coastguard",
            status=models.EntryStatusEnum.DRAFT,
        ),
    )
    assert created.status_code == 201, created.content
    entry = created.parsed
    assert entry.published_at is None and [b.type_ for b in entry.blocks][-1].value == "quote"
    etag = created.headers["ETag"]
    published = entry_update.sync_detailed(
        entry.id, client=editor, if_match=etag,
        body=models.PatchedEntryRequest(status=models.EntryStatusEnum.PUBLISHED),
    )  # fmt: skip
    assert published.status_code == 200 and published.parsed.published_at is not None
    stale = entry_update.sync_detailed(
        entry.id, client=client_pkg.AuthenticatedClient(
            base_url=live_server.url, token=editor_token, prefix="Token"
        ),
        if_match=etag, body=models.PatchedEntryRequest(headline="Too late"),
    )  # fmt: skip
    assert stale.status_code == 412
    etag = published.headers["ETag"]
    untimed = entry_update.sync_detailed(
        entry.id, client=editor, if_match=etag,
        body=models.PatchedEntryRequest(status=models.EntryStatusEnum.DRAFT, published_at=None),
    )  # fmt: skip
    assert untimed.status_code == 200, untimed.content
    assert untimed.parsed.published_at is None
    assert Entry.objects.get(pk=entry.id).status == EntryStatus.DRAFT

    # The feed shows what readers saw change: the entry was published, then withdrawn.
    changes = entries_list.sync(blog_slug="storm", client=reader, since=revision)
    assert entry.id in changes.removed

    # Delete with If-Match.
    current = entry_retrieve.sync_detailed(entry.id, client=editor)
    deleted = entry_delete.sync_detailed(entry.id, client=editor, if_match=current.headers["ETag"])
    assert deleted.status_code == 204
    assert not Entry.objects.filter(pk=entry.id).exists()

    # Upload an image (multipart, the one operation family that takes a file).
    picture = image_upload("flood.png", width=64, height=48)
    uploaded = image_create.sync_detailed(
        client=editor,
        body=models.ImageRequest(
            file=types.File(
                payload=io.BytesIO(picture.read()), file_name="flood.png", mime_type="image/png"
            ),
            alt_text="A flooded street",
            credit="AFP",
        ),
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.parsed.alt_text == "A flooded street"
    assert Image.objects.get(pk=uploaded.parsed.id).width == 64
