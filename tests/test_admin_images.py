"""The image admin: thumbnails, usage, filters, upload validation and protected deletes."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PillowImage

from liveblog.models import Image
from tests.factories import make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:liveblog_image_changelist")
ADD = reverse("admin:liveblog_image_add")


def png(width: int = 40, height: int = 30, name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (width, height), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def upload(client, file, **fields):
    data = {"alt_text": "A picture", "credit": "AP", "source_url": "", "_save": "Save"}
    return client.post(ADD, {**data, **fields, "file": file})


def test_upload_of_a_real_picture_records_its_size(editor_client, media_root):
    response = upload(editor_client, png(40, 30))

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (40, 30)
    assert (media_root / image.file.name).exists()


def test_upload_that_is_not_a_picture_is_refused(editor_client, media_root):
    fake = SimpleUploadedFile("photo.jpg", b"not really a jpeg", content_type="image/jpeg")

    response = upload(editor_client, fake)

    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not Image.objects.exists()


def test_upload_over_the_byte_limit_is_refused(editor_client, media_root, settings):
    settings.LIVEBLOG_MAX_IMAGE_BYTES = 50

    response = upload(editor_client, png(40, 30))

    errors = response.context["adminform"].form.errors["file"]
    assert errors[0].startswith("This file is ")
    assert "pictures may be at most 50\xa0bytes" in errors[0]
    assert not Image.objects.exists()


def test_upload_over_the_pixel_limit_is_refused(editor_client, media_root, settings):
    settings.LIVEBLOG_MAX_IMAGE_PIXELS = 1000

    response = upload(editor_client, png(40, 30))

    errors = response.context["adminform"].form.errors["file"]
    assert errors == [
        "This picture is 40 × 30 pixels (0.0 megapixels); the limit is 0.0 megapixels. "
        "Scale it down first."
    ]
    assert not Image.objects.exists()


def test_changelist_shows_thumbnail_or_alt_text_and_usage(editor_client, media_root):
    upload(editor_client, png(), alt_text="With file")
    with_file = Image.objects.get()
    without = make_image(alt_text="Soldiers at a checkpoint")
    blog = make_blog(title="War")
    make_caption(entry=make_entry(blog), image=without)
    make_caption(blog=blog, image=without)  # the blog's hero

    response = editor_client.get(CHANGELIST)

    html = response.content.decode()
    assert f'<img src="{with_file.file.url}" alt="With file"' in html
    assert "No file: Soldiers at a checkpoint" in html
    usage_url = reverse("admin:liveblog_caption_changelist") + f"?image__id__exact={without.pk}"
    assert f'<a href="{usage_url}">2 caption(s)</a>' in html
    captions = editor_client.get(usage_url)
    assert captions.status_code == 200
    assert len(captions.context["cl"].result_list) == 2


def test_changelist_searches_caption_text_and_filters_has_file(editor_client):
    used = make_image(alt_text="Tanks")
    make_caption(entry=make_entry(make_blog()), image=used, text="Armour near Kharkiv")
    make_caption(entry=make_entry(make_blog()), image=used, text="More armour near Kharkiv")
    make_image(alt_text="Other")
    make_image(alt_text="Filed", file="images/2024/01/x.jpg", width=8, height=6)

    found = editor_client.get(CHANGELIST, {"q": "kharkiv"}).context["cl"].result_list
    assert [(image, image.usage_count) for image in found] == [(used, 2)]
    without_file = editor_client.get(CHANGELIST, {"has_file": "no"}).context["cl"].result_list
    assert {image.alt_text for image in without_file} == {"Tanks", "Other"}
    with_file = editor_client.get(CHANGELIST, {"has_file": "yes"}).context["cl"].result_list
    assert [image.alt_text for image in with_file] == ["Filed"]
    by_credit = editor_client.get(CHANGELIST, {"credit": "Reuters"}).context["cl"]
    assert by_credit.result_count == 3


def test_deleting_a_used_image_is_refused_naming_where_it_is_used(editor_client):
    image = make_image(alt_text="Smoke over the city")
    blog = make_blog(title="Kyiv live")
    entry = make_entry(blog, headline="Strikes overnight")
    make_caption(entry=entry, image=image)
    delete_url = reverse("admin:liveblog_image_delete", args=[image.pk])

    response = editor_client.post(delete_url, {"post": "yes"})

    assert Image.objects.filter(pk=image.pk).exists()
    html = response.content.decode()
    assert "would require deleting the following protected related objects" in html
    entry_url = reverse("admin:liveblog_entry_change", args=[entry.pk])
    assert f'<a href="{entry_url}">entry “Strikes overnight”</a> in blog “Kyiv live”' in html


def test_bulk_delete_refuses_used_images_and_names_the_blog_hero(editor_client):
    image = make_image(alt_text="Front page")
    make_caption(blog=make_blog(title="Budget day"), image=image)

    response = editor_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"}
    )

    assert Image.objects.filter(pk=image.pk).exists()
    assert "hero image of blog “Budget day”" in response.content.decode()


def test_unused_image_can_be_deleted(editor_client):
    image = make_image()

    editor_client.post(reverse("admin:liveblog_image_delete", args=[image.pk]), {"post": "yes"})

    assert not Image.objects.exists()


def test_image_change_page_lists_where_it_is_used(editor_client):
    image = make_image()
    entry = make_entry(make_blog(title="Floods"), headline="Rivers rising")
    make_caption(entry=entry, image=image)

    response = editor_client.get(reverse("admin:liveblog_image_change", args=[image.pk]))

    assert "entry “Rivers rising”</a> in blog “Floods”" in response.content.decode()


def test_changelist_labels_the_file_photo_flag_for_editors(editor_client):
    make_image(is_file_photo=True)

    html = editor_client.get(CHANGELIST).content.decode()

    assert "File photo" in html and "Is file photo</a>" not in html
    assert 'alt="True"' in html  # the admin's tick icon
