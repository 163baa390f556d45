"""Renditions: made once when an upload commits (or by a command), never while a page renders."""

import io
import logging
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image as PILImage

from liveblog import renditions
from liveblog.models import Image
from tests.factories import image_upload, make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db


def upload(width: int = 1600, height: int = 900) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), "teal").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def uploaded_image(django_capture_on_commit_callbacks, **fields) -> Image:
    """An image saved with a file, its after-commit hook run as a real commit would."""
    with django_capture_on_commit_callbacks(execute=True):
        return make_image(**fields)


def stored_widths(media_root, image, format: str = "jpeg") -> list[int]:
    folder = media_root / "renditions" / str(image.pk)
    extension = renditions.FORMATS[format][0]
    return sorted(int(p.stem.rsplit("-", 1)[1][:-1]) for p in folder.glob(f"*.{extension}"))


def test_upload_makes_every_rendition_after_the_commit(
    media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        image = make_image(file=upload())
    # Nothing is written until the transaction commits.
    assert not (media_root / "renditions").exists()
    assert len(callbacks) == 1

    callbacks[0]()

    assert stored_widths(media_root, image) == [320, 640, 960, 1280, 1600]
    assert stored_widths(media_root, image, "webp") == [320, 640, 960, 1280, 1600]
    with PILImage.open(media_root / renditions.rendition_name(image, 640)) as picture:
        assert picture.size == (640, 360) and picture.format == "JPEG"
    with PILImage.open(media_root / renditions.rendition_name(image, 320, "webp")) as picture:
        assert picture.size == (320, 180) and picture.format == "WEBP"


def test_editing_an_image_does_not_make_its_renditions_again(
    media_root, django_capture_on_commit_callbacks
):
    image = uploaded_image(django_capture_on_commit_callbacks, file=upload(400, 300))
    made = media_root / renditions.rendition_name(image, 400)
    first = made.stat().st_mtime_ns

    image.alt_text = "Edited"
    with django_capture_on_commit_callbacks(execute=True):
        image.save()

    assert made.stat().st_mtime_ns == first


def test_admin_and_api_uploads_make_renditions(
    editor_client, api_editor_client, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            "/admin/liveblog/image/add/",
            {"alt_text": "A", "credit": "", "source_url": "", "file": upload(700, 400)},
        )
        assert response.status_code == 302
        created = api_editor_client.post(
            "/api/images/", {"alt_text": "B", "file": image_upload("b.png", 900, 300)}
        )
        assert created.status_code == 201

    by_admin, by_api = Image.objects.order_by("pk")
    assert stored_widths(media_root, by_admin) == [320, 640, 700]
    assert stored_widths(media_root, by_api) == [320, 640, 900]
    # The API lists exactly the renditions that exist.
    listed = [r["url"].rsplit("/", 1)[1] for r in created.json()["renditions"]]
    assert listed == [
        renditions.rendition_name(by_api, w).rsplit("/", 1)[1] for w in (320, 640, 900)
    ]


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (200, [200]),
        (500, [320, 500]),
        (1280, [320, 640, 960, 1280]),
        (1500, [320, 640, 960, 1280, 1500]),
        (1600, [320, 640, 960, 1280, 1600]),
        (1700, [320, 640, 960, 1280, 1600, 1700]),
        (6000, [320, 640, 960, 1280, 1600, 2048]),
    ],
)
def test_widths_follow_the_original_up_to_the_cap_without_duplicates(width, expected):
    image = Image(pk=1, file="images/x.jpg", width=width, height=width // 2)

    assert renditions.widths_for(image) == expected
    listed = [int(item.rsplit(" ", 1)[1][:-1]) for item in renditions.srcset(image).split(", ")]
    assert listed == expected


def test_nearest_width_picks_a_rendition_that_exists():
    image = Image(pk=1, file="images/x.jpg", width=1700, height=900)

    assert renditions.rendition_url(image, 1200).endswith("-1280w.jpg")
    assert renditions.rendition_url(image, 5000).endswith("-1700w.jpg")
    assert renditions.rendition_url(image, 10, "webp").endswith("-320w.webp")
    assert renditions.rendition_url(Image(pk=2, alt_text="no file"), 640) == ""


def test_pages_render_renditions_without_asking_the_storage(
    client, media_root, django_capture_on_commit_callbacks, monkeypatch
):
    blog = make_blog()
    image = uploaded_image(
        django_capture_on_commit_callbacks, file=upload(3000, 1500), alt_text="Wide"
    )
    make_caption(entry=make_entry(blog), image=image)
    make_caption(blog=blog, image=image)

    def refuse(self, name):
        raise AssertionError(f"storage asked about {name} while rendering a page")

    monkeypatch.setattr(FileSystemStorage, "exists", refuse)
    monkeypatch.setattr(FileSystemStorage, "open", refuse)
    page = client.get(blog.get_absolute_url()).content.decode()

    srcset = re.search(r'<img src="([^"]+)" srcset="([^"]+)"', page)
    assert srcset.group(1).endswith("-960w.jpg")
    widths = re.findall(r" (\d+)w", srcset.group(2))
    assert widths == ["320", "640", "960", "1280", "1600", "2048"]
    # Every URL on the page names a file the upload made.
    for name in re.findall(r"/media/(renditions/[^\" ]+)", page):
        assert (media_root / name).is_file(), name
    # Social previews use a 1280 rendition, not the 3000-pixel original.
    assert re.search(r'property="og:image" content="[^"]+-1280w\.jpg"', page)


def test_a_picture_pillow_cannot_read_falls_back_to_its_original(media_root, caplog):
    name = default_storage.save("images/broken.jpg", ContentFile(b"not really a jpeg"))
    image = make_image(file=name, width=800, height=600)

    with caplog.at_level(logging.ERROR, logger="liveblog.renditions"):
        outcome = renditions.make_renditions(image)

    assert outcome is renditions.Outcome.COPIED
    assert f"image {image.pk}: could not make renditions" in caplog.text
    for width in (320, 640, 800):
        assert (media_root / renditions.rendition_name(image, width)).read_bytes() == (
            b"not really a jpeg"
        )


def test_a_failing_storage_does_not_undo_the_upload(
    media_root, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken_save(self, name, content, max_length=None):
        if name.startswith("renditions/"):
            raise OSError("disk full")
        return original_save(self, name, content, max_length)

    original_save = FileSystemStorage.save
    monkeypatch.setattr(FileSystemStorage, "save", broken_save)

    with caplog.at_level(logging.ERROR):
        image = uploaded_image(django_capture_on_commit_callbacks, file=upload(400, 300))

    assert Image.objects.filter(pk=image.pk, file=image.file.name).exists()
    assert "disk full" in caplog.text
    monkeypatch.setattr(FileSystemStorage, "save", original_save)
    assert not renditions.has_renditions(image)

    call_command("make_renditions", stdout=io.StringIO())

    assert renditions.has_renditions(image)


def test_command_makes_missing_renditions_and_reports(media_root, capsys):
    made = make_image(file=upload(500, 300))  # on_commit does not run inside the test
    make_image(alt_text="no file")

    call_command("make_renditions")
    call_command("make_renditions")
    call_command("make_renditions", str(made.pk), "--force")

    assert capsys.readouterr().out.splitlines() == [
        "renditions: 1 made",
        "renditions: 1 already complete",
        "renditions: 1 made",
    ]
    assert stored_widths(media_root, made) == [320, 500]


def test_command_names_what_it_could_not_do(media_root):
    lost = make_image(file="images/gone.png", width=640, height=480)

    with pytest.raises(CommandError, match=rf"image {lost.pk} \(images/gone.png\): "):
        call_command("make_renditions", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no uploaded picture with id 999"):
        call_command("make_renditions", "999")
