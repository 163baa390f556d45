"""Uploaded media on S3: upload, renditions and serving, against moto's S3-compatible server."""

import io
import re
import sys
import urllib.request
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image as PILImage

from config.settings import s3_media_storage
from liveblog import renditions
from liveblog.models import Image
from tests.factories import image_upload, make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db

moto_server = pytest.importorskip(
    "moto.moto_server.threaded_moto_server",
    reason="S3 tests need moto's server (pip install 'moto[server]', part of the test extra)",
)


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 on a free loopback port, for this module's tests."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, media_root):
    """A new bucket, made the default storage exactly as the settings would from the environment."""
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        # moto, like S3, refuses anonymous reads of private objects: readers need public ones.
        "AWS_DEFAULT_ACL": "public-read",
    }.items():
        monkeypatch.setenv(name, value)
    name = f"liveblog-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "default": s3_media_storage(name)}
    return client, name


def keys(bucket) -> set[str]:
    client, name = bucket
    return {item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])}


def fetch(url: str):
    """(status, headers, body) of a GET; the headers are read case-insensitively."""
    assert url.startswith("http://127.0.0.1:"), url  # never anything but the local server
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


def upload(width: int, height: int):
    return image_upload("harbour.png", width, height)


def test_api_upload_puts_the_original_and_its_renditions_in_the_bucket(
    api_editor_client, bucket, s3_endpoint, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_editor_client.post(
            "/api/images/", {"alt_text": "Harbour", "file": upload(1600, 900)}
        )
    assert response.status_code == 201, response.content
    image = Image.objects.get(pk=response.json()["id"])

    stored = keys(bucket)
    assert image.file.name in stored and image.file.name.startswith("images/")
    expected = {
        renditions.rendition_name(image, w, f)
        for w in (320, 640, 960, 1280, 1600)
        for f in ("jpeg", "webp")
    }
    assert expected <= stored
    assert len(stored) == 1 + len(expected)
    # Nothing went to the local disk.
    assert not media_root.exists() or not any(media_root.rglob("*.*"))
    # The API's URLs are the bucket's.
    _, name = bucket
    assert response.json()["file"].startswith(f"{s3_endpoint}/{name}/images/")


def test_reader_pages_link_renditions_the_bucket_serves(
    client, api_editor_client, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = api_editor_client.post(
            "/api/images/", {"alt_text": "Harbour", "file": upload(1200, 600)}
        )
    image = Image.objects.get(pk=created.json()["id"])
    blog = make_blog()
    make_caption(entry=make_entry(blog), image=image)

    page = client.get(blog.get_absolute_url()).content.decode()

    img = re.search(r'<img src="([^"]+)" srcset="([^"]+)"', page)
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)"', page)
    candidates = [(img.group(1), None)]
    for srcset in (img.group(2), webp.group(1)):
        for item in srcset.split(", "):
            url, width = item.rsplit(" ", 1)
            candidates.append((url.replace("&amp;", "&"), int(width[:-1])))
    assert [w for _, w in candidates[1:]] == [320, 640, 960, 1200] * 2
    for url, width in candidates:
        status, headers, body = fetch(url)
        assert status == 200, url
        assert headers["Cache-Control"] == "public, max-age=86400"
        with PILImage.open(io.BytesIO(body)) as picture:
            assert headers["Content-Type"] == f"image/{picture.format.lower()}"
            assert picture.width == (width or 960)


def test_command_makes_renditions_for_pictures_already_in_the_bucket(bucket):
    buffer = io.BytesIO()
    PILImage.new("RGB", (700, 350), "orange").save(buffer, "JPEG")
    name = default_storage.save("images/2024/01/old.jpg", ContentFile(buffer.getvalue()))
    old = make_image(file=name, width=700, height=350)  # no commit hook runs inside the test
    assert not renditions.has_renditions(old)

    out = io.StringIO()
    call_command("make_renditions", stdout=out)

    assert out.getvalue() == "renditions: 1 made\n"
    assert renditions.has_renditions(old)
    status, headers, body = fetch(renditions.rendition_url(old, 640, "webp"))
    assert status == 200 and body[8:12] == b"WEBP"


def test_a_custom_domain_gives_plain_urls(bucket, s3_endpoint, settings, monkeypatch):
    _, name = bucket
    host = s3_endpoint.removeprefix("http://")
    monkeypatch.setenv("AWS_S3_CUSTOM_DOMAIN", f"{host}/{name}")
    monkeypatch.setenv("AWS_S3_URL_PROTOCOL", "http:")
    settings.STORAGES = {**settings.STORAGES, "default": s3_media_storage(name)}
    image = make_image(file=upload(400, 200))
    renditions.make_renditions(image)

    url = renditions.rendition_url(image, 400)

    assert url == f"http://{host}/{name}/{renditions.rendition_name(image, 400)}"
    assert fetch(url)[0] == 200


def test_settings_read_the_bucket_from_the_environment(monkeypatch):
    monkeypatch.setenv("LIVEBLOG_MEDIA_S3_PREFIX", "newsroom/media")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_QUERYSTRING_AUTH", "yes")

    options = s3_media_storage("pictures")["OPTIONS"]

    assert options["bucket_name"] == "pictures"
    assert options["location"] == "newsroom/media"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_a_bucket_without_django_storages_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "storages", None)

    with pytest.raises(ImproperlyConfigured, match="django-storages is not installed"):
        s3_media_storage("pictures")
