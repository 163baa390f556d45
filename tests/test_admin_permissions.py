"""The "Editors" group: created by a migration, enough to do the job, no user management."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import make_blog, make_entry, make_image

pytestmark = pytest.mark.django_db


def test_migration_creates_editors_group_with_exactly_these_permissions():
    group = Group.objects.get(name="Editors")

    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))

    expected = {("liveblog", "add_blog"), ("liveblog", "change_blog"), ("liveblog", "view_blog")}
    for model in ("entry", "caption", "image", "correction"):
        expected |= {
            ("liveblog", f"{action}_{model}") for action in ("add", "change", "delete", "view")
        }
    assert codenames == expected


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:liveblog_blog_changelist",
        "admin:liveblog_entry_changelist",
        "admin:liveblog_image_changelist",
        "admin:liveblog_caption_changelist",
        "admin:liveblog_blog_add",
        "admin:liveblog_entry_add",
        "admin:liveblog_image_add",
    ],
)
def test_editor_can_open_the_editorial_pages(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 200


def test_editor_can_edit_entries_and_use_autocomplete(editor_client):
    blog = make_blog(title="Markets live")
    make_image(alt_text="Trading floor")
    entry = make_entry(blog)

    assert (
        editor_client.get(reverse("admin:liveblog_entry_change", args=[entry.pk])).status_code
        == 200
    )
    found = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "trading",
            "app_label": "liveblog",
            "model_name": "caption",
            "field_name": "image",
        },
    )
    assert [r["text"] for r in found.json()["results"]] == ["Trading floor"]
    blogs = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "markets", "app_label": "liveblog", "model_name": "entry", "field_name": "blog"},
    )
    assert [r["text"] for r in blogs.json()["results"]] == ["Markets live"]


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_group_changelist"),
    ],
)
def test_editor_cannot_see_or_manage_users(editor_client, url):
    assert editor_client.get(url).status_code == 403


def test_admin_index_offers_editors_no_user_management(editor_client):
    html = editor_client.get(reverse("admin:index")).content.decode()

    assert "Entries" in html and "Images" in html
    assert reverse("admin:auth_user_changelist") not in html


def test_editor_cannot_delete_a_blog(editor_client):
    blog = make_blog()

    response = editor_client.post(
        reverse("admin:liveblog_blog_delete", args=[blog.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert type(blog).objects.filter(pk=blog.pk).exists()


def test_staff_without_the_group_sees_nothing(client, django_user_model):
    user = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    client.force_login(user)

    assert client.get(reverse("admin:liveblog_entry_changelist")).status_code == 403
