"""Photographers' files: a 30 MB JPEG is accepted through the desk, the admin and the API and
stored downscaled (renditions made after the commit, `renditions.make_renditions_later`); a
60 MB one is refused naming the limit, the text typed with it kept. Prints the timings."""

import io
import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageOps

from liveblog import renditions
from liveblog.models import Entry, Image
from tests.factories import make_blog

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
# Random pixels hardly compress: about 4 bytes a pixel at quality 100 without subsampling.
SIZES = {"30mb": (3240, 2430), "60mb": (4460, 3500)}
ALT = "Fishing boats pulled up on the dyke at Husum"
CREDIT = "Jana Vogt / Nordpress"


@pytest.fixture(scope="module")
def camera_files(tmp_path_factory) -> dict:
    """The two JPEGs, made once: {name: (bytes, (width, height))}. The 30 MB one is a portrait
    shot held sideways (EXIF orientation 6), as cameras write them."""
    folder = tmp_path_factory.mktemp("camera")
    made = {}
    for name, (width, height) in SIZES.items():
        path = folder / f"{name}.jpg"
        picture = PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        exif = PILImage.Exif()
        exif[0x0112] = 6 if name == "30mb" else 1
        picture.save(path, "JPEG", quality=100, subsampling=0, exif=exif)
        made[name] = (path.read_bytes(), (width, height))
    return made


def jpeg(camera_files, name: str) -> SimpleUploadedFile:
    content = camera_files[name][0]
    return SimpleUploadedFile(f"DSC_{name}.JPG", content, content_type="image/jpeg")


def test_the_files_are_the_sizes_photographers_send(camera_files):
    assert 30 * MB <= len(camera_files["30mb"][0]) < 33 * MB
    assert 60 * MB <= len(camera_files["60mb"][0]) < 63 * MB


def stored_as_expected(image: Image, settings) -> None:
    """Downscaled to the long edge, upright (the EXIF turn applied), renditions made."""
    edge = settings.LIVEBLOG_IMAGE_LONG_EDGE
    assert max(image.width, image.height) == edge
    # 3240 x 2430 turned a quarter: a portrait.
    assert (image.width, image.height) == (edge * 2430 // 3240, edge)
    assert image.file.size < 10 * MB
    with image.file.open("rb") as stored, PILImage.open(stored) as picture:
        assert picture.format == "JPEG" and picture.size == (image.width, image.height)
        assert ImageOps.exif_transpose(picture).size == picture.size  # no turn left to do
    assert renditions.has_renditions(image)


def timed(label: str, call):
    started = time.perf_counter()
    response = call()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return response


# --- the API -----------------------------------------------------------------------------------


def test_the_api_takes_30_mb_and_refuses_60_naming_the_limit(
    api_editor_client, camera_files, media_root, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        accepted = timed(
            "API 30 MB",
            lambda: api_editor_client.post(
                "/api/images/", {"file": jpeg(camera_files, "30mb"), "alt_text": ALT}
            ),
        )
    assert accepted.status_code == 201, accepted.content
    stored_as_expected(Image.objects.get(), settings)
    assert accepted.json()["width"] == 2250 and len(accepted.json()["renditions"]) == 6

    refused = timed(
        "API 60 MB",
        lambda: api_editor_client.post(
            "/api/images/",
            {"file": jpeg(camera_files, "60mb"), "alt_text": ALT, "credit": CREDIT},
        ),
    )
    assert refused.status_code == 400
    (message,) = refused.json()["errors"]["file"]
    assert message.startswith("This file is 6") and "at most 50.0\xa0MB" in message
    assert set(refused.json()["errors"]) == {"file"}  # the text sent with it was fine
    assert Image.objects.count() == 1


# --- the admin's image form --------------------------------------------------------------------


def test_the_admin_takes_30_mb_and_refuses_60_keeping_the_form(
    editor_client, camera_files, media_root, settings, django_capture_on_commit_callbacks
):
    add = reverse("admin:liveblog_image_add")
    fields = {"alt_text": ALT, "credit": CREDIT, "source_url": "", "_save": "Save"}
    with django_capture_on_commit_callbacks(execute=True):
        accepted = timed(
            "admin 30 MB",
            lambda: editor_client.post(add, {**fields, "file": jpeg(camera_files, "30mb")}),
        )
    assert accepted.status_code == 302
    stored_as_expected(Image.objects.get(), settings)

    refused = timed(
        "admin 60 MB",
        lambda: editor_client.post(add, {**fields, "file": jpeg(camera_files, "60mb")}),
    )
    assert refused.status_code == 200  # the form again, not a bare 400 page
    form = refused.context["adminform"].form
    assert list(form.errors) == ["file"]
    assert "at most 50.0\xa0MB" in form.errors["file"][0]
    html = refused.content.decode()
    assert re.search(rf'<textarea name="alt_text"[^>]*>\s*{ALT}</textarea>', html)
    assert f'value="{CREDIT}"' in html
    assert Image.objects.count() == 1


# --- the desk ----------------------------------------------------------------------------------


def test_the_desk_takes_30_mb_and_refuses_60_naming_the_limit(
    editor_client, camera_files, media_root, settings, django_capture_on_commit_callbacks
):
    blog = make_blog()
    post = reverse("admin:liveblog_blog_desk_post", args=[blog.pk])
    fields = {"action": "publish", "headline": "Boats ashore", "body": "Husum.", "alt_text": ALT}
    with django_capture_on_commit_callbacks(execute=True):
        accepted = timed(
            "desk 30 MB",
            lambda: editor_client.post(post, {**fields, "photo": jpeg(camera_files, "30mb")}),
        )
    assert accepted.status_code == 201, accepted.content
    image = Entry.objects.get().captions.get().image
    stored_as_expected(image, settings)

    refused = timed(
        "desk 60 MB",
        lambda: editor_client.post(post, {**fields, "photo": jpeg(camera_files, "60mb")}),
    )
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert list(errors) == ["photo"] and "at most 50.0\xa0MB" in errors["photo"][0]
    assert Entry.objects.count() == 1 and Image.objects.count() == 1
    # The desk's script keeps what was typed (the browser test shows it) and checks the size
    # before sending, from the limit the page gives it.
    page = editor_client.get(reverse("admin:liveblog_blog_desk", args=[blog.pk])).content
    assert f'"maxImageBytes": {settings.LIVEBLOG_MAX_IMAGE_BYTES}'.encode() in page


def test_the_limits_are_settings(api_editor_client, media_root, settings):
    settings.LIVEBLOG_IMAGE_LONG_EDGE = 0  # kept as sent
    settings.LIVEBLOG_MAX_IMAGE_BYTES = 1 * MB
    small = io.BytesIO()
    PILImage.new("RGB", (4000, 100), "navy").save(small, "JPEG")
    kept = api_editor_client.post(
        "/api/images/",
        {"file": SimpleUploadedFile("wide.jpg", small.getvalue()), "alt_text": "Wide"},
    )
    assert kept.status_code == 201 and kept.json()["width"] == 4000
    settings.LIVEBLOG_IMAGE_LONG_EDGE = 1000
    again = api_editor_client.post(
        "/api/images/",
        {"file": SimpleUploadedFile("wide.jpg", small.getvalue()), "alt_text": "Wide"},
    )
    assert (again.json()["width"], again.json()["height"]) == (1000, 25)
    noise = PILImage.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    big = io.BytesIO()
    noise.save(big, "PNG", compress_level=0)
    refused = api_editor_client.post(
        "/api/images/", {"file": SimpleUploadedFile("n.png", big.getvalue()), "alt_text": "N"}
    )
    assert "at most 1.0\xa0MB" in refused.json()["errors"]["file"][0]


def test_an_animated_gif_keeps_its_frames(api_editor_client, media_root, settings):
    settings.LIVEBLOG_IMAGE_LONG_EDGE = 100
    frames = [PILImage.new("RGB", (300, 200), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    response = api_editor_client.post(
        "/api/images/",
        {"file": SimpleUploadedFile("a.gif", buffer.getvalue()), "alt_text": "Animated"},
    )
    assert response.status_code == 201 and response.json()["width"] == 300
