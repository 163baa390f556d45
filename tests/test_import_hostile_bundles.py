"""Crafted backup bundles: a restore stores every picture exactly as an upload is stored (the
content validated, a random name with its real format's extension, renditions made), and a
bundle that would expand too far is refused, naming the limit, before anything is written."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from PIL import Image as PILImage

from liveblog import renditions, uploads
from liveblog.importers.bundle import BACKUP_NAME, MEDIA_PREFIX, file_sha256
from liveblog.models import Blog, Image

pytestmark = pytest.mark.django_db

# A valid GIF whose comment is a page with a script: what a browser runs if it is ever served
# as HTML from the site's origin.
SCRIPT = b"<html><script>alert(document.domain)</script></html>"


def picture(fmt: str = "GIF", size=(12, 8), **options) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(buffer, fmt, **options)
    return buffer.getvalue()


POLYGLOT = picture("GIF", comment=SCRIPT)


def document(files: dict[str, bytes]) -> dict:
    """A backup document of one blog whose hero and entries show a picture per file."""
    images = [
        {
            "key": f"picture-{n}",
            "alt": f"Picture {n}",
            "credit": "",
            "file_photo": False,
            "source_url": None,
            "file": name,
            "sha256": file_sha256(content),
        }
        for n, (name, content) in enumerate(files.items())
    ]
    entries = [
        {
            "headline": f"Update {n}",
            "blocks": [
                {"type": "paragraph", "text": "Text."},
                {
                    "type": "image",
                    "alt": record["alt"],
                    "caption": "",
                    "credit": "",
                    "file_photo": False,
                },
            ],
            "image_keys": [record["key"]],
        }
        for n, record in enumerate(images)
    ]
    return {"title": "Harbour watch", "slug": "harbour", "entries": entries, "images": images}


def bundle(path, files: dict[str, bytes], *, members: dict[str, bytes] | None = None) -> str:
    """A bundle of the document naming `files`, holding them (and any extra `members`)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(BACKUP_NAME, json.dumps(document(files)))
        for name, content in {**files, **(members or {})}.items():
            archive.writestr(MEDIA_PREFIX + name, content)
    return str(path)


def restore(path) -> str:
    out = io.StringIO()
    call_command("import_seeds", path, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refusal(path) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", path, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def stored_files(media_root) -> list[str]:
    if not media_root.exists():
        return []
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


HOSTILE_NAMES = [
    "images/evil.html",
    "images/evil.svg",
    "images/evil.htm",
    "images/evil.xhtml",
    "images/evil.js",
    "evil.html",
    "images/2025/01/evil.gif.html",
    "images/./evil.html",
    "images//evil.html",
    # The shape of an upload's name, but another format's extension.
    "images/2025/01/AAAAAAAAAAAAAAAAAAAAAA.png",
    "images/2025/01/AAAAAAAAAAAAAAAAAAAAAA.bin",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_restored_picture_is_stored_under_an_upload_name_of_its_real_format(
    tmp_path, media_root, name, django_capture_on_commit_callbacks
):
    path = bundle(tmp_path / "backup.zip", {name: POLYGLOT})

    with django_capture_on_commit_callbacks(execute=True):
        restore(path)

    image = Image.objects.get()
    assert uploads.is_upload_name(image.file.name, "gif"), image.file.name
    assert image.file.name != name
    # Stored as an upload is: the very bytes (a GIF is served as a GIF), nothing else written
    # under the bundle's name, and the renditions made.
    assert (media_root / image.file.name).read_bytes() == POLYGLOT
    originals = [f for f in stored_files(media_root) if not f.startswith("renditions/")]
    assert originals == [image.file.name]
    assert renditions.has_renditions(image)


def test_a_bundle_keeps_the_name_an_upload_of_the_same_format_had(tmp_path, media_root):
    """So that a restored backup exports to the same bytes (tests/test_import_backup.py)."""
    name = "images/2025/01/AAAAAAAAAAAAAAAAAAAAAA.gif"

    restore(bundle(tmp_path / "backup.zip", {name: POLYGLOT}))

    assert Image.objects.get().file.name == name


def test_a_name_already_taken_in_storage_gets_a_new_one(tmp_path, media_root):
    name = "images/2025/01/AAAAAAAAAAAAAAAAAAAAAA.gif"
    (media_root / "images/2025/01").mkdir(parents=True)
    (media_root / name).write_bytes(picture("GIF", (5, 5)))

    restore(bundle(tmp_path / "backup.zip", {name: POLYGLOT}))

    image = Image.objects.get()
    assert image.file.name != name and uploads.is_upload_name(image.file.name, "gif")
    assert (media_root / name).read_bytes() != POLYGLOT  # the other file is left alone


def test_a_plain_json_restore_never_links_a_file_under_a_name_no_upload_has(tmp_path, media_root):
    """A file a hostile restore once wrote as images/evil.html stays unreachable from pictures."""
    (media_root / "images").mkdir(parents=True)
    (media_root / "images/evil.html").write_bytes(POLYGLOT)
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(document({"images/evil.html": POLYGLOT})))

    output = restore(str(path))

    assert "“images/evil.html” is not in this file" in output
    assert not Image.objects.get().file


OUTSIDE = "not a relative file name inside the media"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.gif", OUTSIDE),
        ("/etc/evil.gif", OUTSIDE),
        ("images/../../evil.gif", OUTSIDE),
        ("images\\evil.gif", OUTSIDE),
        ("", OUTSIDE),
        ("images/evil\x00.gif", "contains a NUL character"),
    ],
)
def test_a_path_trick_is_refused_naming_the_field(tmp_path, media_root, name, reason):
    message = refusal(bundle(tmp_path / "backup.zip", {name: POLYGLOT}))

    assert f"images[0].file: {reason}" in message
    assert not Blog.objects.exists() and stored_files(media_root) == []


def test_a_file_that_is_no_picture_is_refused_whatever_its_name(tmp_path, media_root):
    page = SCRIPT
    message = refusal(bundle(tmp_path / "backup.zip", {"images/2025/01/a.gif": page}))

    assert "media/images/2025/01/a.gif: This file is not a picture Pillow can read" in message
    assert not Blog.objects.exists() and stored_files(media_root) == []


# --- caps ---------------------------------------------------------------------------------------


def zeros_png() -> bytes:
    """A valid PNG of about 10 MB that is nothing but zeros (stored uncompressed): a thousandfold
    in a zip."""
    return picture("PNG", (1870, 1870), compress_level=0)


def test_the_issues_zip_bomb_is_refused_before_anything_is_written(tmp_path, media_root):
    """20 pictures, each a valid 10 MB PNG of zeros: 200 MB from a bundle of a few hundred KB."""
    content = zeros_png()
    assert len(content) > 10_000_000
    files = {f"images/2025/01/zeros-{n:02}.png": content for n in range(20)}
    path = bundle(tmp_path / "bomb.zip", files)
    assert (tmp_path / "bomb.zip").stat().st_size < 500_000

    message = refusal(path)

    assert "media/images/2025/01/zeros-00.png expands" in message
    assert "over LIVEBLOG_BUNDLE_MAX_RATIO (100)" in message
    assert not Blog.objects.exists() and not Image.objects.exists()
    assert stored_files(media_root) == []


def test_too_many_members_are_refused_naming_the_setting(tmp_path, media_root, settings):
    settings.LIVEBLOG_BUNDLE_MAX_MEMBERS = 5
    files = {f"images/2025/01/p{n}.gif": picture("GIF", (n + 1, 1)) for n in range(5)}

    message = refusal(bundle(tmp_path / "many.zip", files))

    assert "the bundle has 6 members, over LIVEBLOG_BUNDLE_MAX_MEMBERS (5)" in message
    assert not Blog.objects.exists() and stored_files(media_root) == []


def test_too_many_bytes_in_all_are_refused_naming_the_setting(tmp_path, media_root, settings):
    settings.LIVEBLOG_BUNDLE_MAX_BYTES = 100_000
    # Pictures that do not compress, each within the upload limit, too large together.
    files = {f"images/2025/01/noise-{n}.png": noise_png(seed=n, size=(120, 120)) for n in range(3)}
    assert sum(map(len, files.values())) > 100_000

    message = refusal(bundle(tmp_path / "large.zip", files))

    assert "the bundle's members would take" in message
    assert "over LIVEBLOG_BUNDLE_MAX_BYTES" in message
    assert not Blog.objects.exists() and stored_files(media_root) == []


def noise_png(*, seed: int, size) -> bytes:
    import random

    rng = random.Random(seed)
    picture = PILImage.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_bundle_within_the_caps_restores(tmp_path, media_root, settings):
    """The caps do not refuse an ordinary bundle: pictures of noise do not compress."""
    settings.LIVEBLOG_BUNDLE_MAX_BYTES = 1_000_000
    files = {"images/2025/01/noise.png": noise_png(seed=1, size=(700, 400))}
    assert len(files["images/2025/01/noise.png"]) > 800_000

    assert "blogs 1 created" in restore(bundle(tmp_path / "fine.zip", files))
