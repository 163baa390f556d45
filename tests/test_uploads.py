"""Uploaded pictures: one validator for the admin and the API, stored under unguessable names."""

import importlib
import re
from pathlib import PurePath

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from liveblog import renditions, uploads
from liveblog.models import Image
from tests.factories import image_upload, make_image

pytestmark = pytest.mark.django_db

STORED_NAME = re.compile(r"images/\d{4}/\d{2}/[A-Za-z0-9_-]{22}\.(jpg|png|gif|webp)")


def admin_upload(client, file):
    data = {"alt_text": "A picture", "credit": "AP", "source_url": "", "_save": "Save"}
    return client.post(reverse("admin:liveblog_image_add"), {**data, "file": file})


def api_upload(client, file):
    return client.post("/api/images/", {"alt_text": "A picture", "file": file})


@pytest.mark.parametrize(
    ("name", "fmt", "extension"),
    [
        ("report.pdf", "PNG", "png"),
        ("figure.eps", "PNG", "png"),
        ("photo.png", "JPEG", "jpg"),
        ("photo.JPEG", "JPEG", "jpg"),
        ("anim.webp", "GIF", "gif"),
        ("no-extension", "WEBP", "webp"),
    ],
)
def test_files_are_stored_under_the_extension_of_their_real_format(
    editor_client, api_editor_client, media_root, name, fmt, extension
):
    assert admin_upload(editor_client, image_upload(name=name, fmt=fmt)).status_code == 302
    assert api_upload(api_editor_client, image_upload(name=name, fmt=fmt)).status_code == 201

    for image in Image.objects.all():
        assert STORED_NAME.fullmatch(image.file.name), image.file.name
        assert image.file.name.endswith(f".{extension}")
        assert (media_root / image.file.name).exists()


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM"])
def test_admin_and_api_refuse_the_same_formats_with_the_same_message(
    editor_client, api_editor_client, media_root, fmt
):
    # Pillow reads all of these; the allowlist is JPEG, PNG, GIF and WebP.
    admin = admin_upload(editor_client, image_upload(name="photo.jpg", fmt=fmt))
    api = api_upload(api_editor_client, image_upload(name="photo.jpg", fmt=fmt))

    admin_errors = admin.context["adminform"].form.errors["file"]
    assert api.status_code == 400
    assert api.json()["errors"]["file"] == admin_errors
    assert admin_errors[0].startswith(f"This file is a {fmt} picture; upload a JPEG, PNG, GIF")
    assert not Image.objects.exists()


def test_the_api_gives_the_admins_messages_for_size_and_pixels(
    editor_client, api_editor_client, media_root, settings
):
    settings.LIVEBLOG_MAX_IMAGE_PIXELS = 1000
    admin = admin_upload(editor_client, image_upload())
    api = api_upload(api_editor_client, image_upload())
    assert api.json()["errors"]["file"] == admin.context["adminform"].form.errors["file"]
    assert "megapixels" in api.json()["errors"]["file"][0]


def test_stored_names_cannot_be_guessed_from_the_upload(api_editor_client, media_root):
    names = {
        api_upload(api_editor_client, image_upload(name="secret-draft.png")).json()["file"]
        for _ in range(3)
    }
    assert len(names) == 3
    assert not any("secret-draft" in name for name in names)
    # Renditions are named after the stored file, so they are as hard to guess.
    image = Image.objects.first()
    assert PurePath(renditions.rendition_name(image, 320)).name.startswith(
        PurePath(image.file.name).stem
    )


def test_a_name_without_an_accepted_extension_is_stored_as_bin():
    # Only trusted code saves files without validate_image(); even then nothing is served as
    # something a browser would run.
    assert uploads.image_upload_to(None, "page.html").endswith(".bin")
    assert uploads.image_upload_to(None, "picture.jpeg").endswith(".jpg")


def test_migration_moves_old_files_to_unguessable_names(media_root):
    migration = importlib.import_module("liveblog.migrations.0007_image_upload_names")
    png = image_upload(fmt="PNG").read()
    old = default_storage.save("images/2024/05/draft-picture.pdf", ContentFile(png))
    image = make_image(file=old)
    stale = default_storage.save(
        f"renditions/{image.pk}/draft-picture-0123456789-320w.jpg", ContentFile(b"x")
    )
    missing = make_image(file="images/2024/05/gone.jpg", width=40, height=30)
    current = make_image(
        file=default_storage.save(uploads.image_upload_to(None, "picture.png"), ContentFile(png))
    )

    migration.rename_stored_files(apps, None)

    image.refresh_from_db()
    assert STORED_NAME.fullmatch(image.file.name) and image.file.name.endswith(".png")
    assert default_storage.open(image.file.name).read() == png
    assert not default_storage.exists(old)
    assert not default_storage.exists(stale)
    # A file already missing, and one already well named, are left alone.
    assert Image.objects.get(pk=missing.pk).file.name == "images/2024/05/gone.jpg"
    assert Image.objects.get(pk=current.pk).file.name == current.file.name
