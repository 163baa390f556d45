"""Only times every zone can show are accepted, on every write path (the model's validators).

An entry at 0001-01-01T00:00Z in a New York blog once made its page, permalink, change feed,
search and the admin list answer 500 (OverflowError converting to the zone), and a start of
9999-12-31T20:00Z in Tokyo broke the index; the API had accepted both (201).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from liveblog.models import Blog, Entry, EntryStatus, validate_showable_time
from tests.admin_forms import form_data
from tests.factories import make_blog

pytestmark = pytest.mark.django_db

YEAR_ONE = "0001-01-01T00:00:00Z"
YEAR_9999 = "9999-12-31T20:00:00Z"


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1899, 12, 31, 23, 59, tzinfo=dt.UTC),
        dt.datetime(9001, 1, 1, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, 5),  # naive: read as UTC
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
    ],
)
def test_times_outside_1900_to_9000_are_refused(value):
    with pytest.raises(ValidationError, match="between the years 1900 and 9000"):
        validate_showable_time(value)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(1900, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2025, 2, 7, 10, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        dt.datetime(9000, 12, 31, 23, 59, tzinfo=dt.UTC),
        dt.date(2025, 2, 7),
    ],
)
def test_times_inside_are_accepted_and_show_in_every_zone(value):
    validate_showable_time(value)
    if isinstance(value, dt.datetime):
        for offset in (-12, 14):
            value.astimezone(dt.timezone(dt.timedelta(hours=offset)))  # no OverflowError


def test_the_api_refuses_an_entry_in_the_year_1(api_editor_client):
    blog = make_blog(time_zone="America/New_York")
    response = api_editor_client.post(
        f"/api/blogs/{blog.slug}/entries/",
        {"headline": "Too early", "status": "published", "published_at": YEAR_ONE},
        format="json",
    )
    assert response.status_code == 400
    assert "between the years 1900 and 9000" in str(response.json()["errors"]["published_at"])
    assert not Entry.objects.exists()


def test_the_api_refuses_a_start_in_the_year_9999(api_editor_client):
    blog = make_blog(time_zone="Asia/Tokyo")
    response = api_editor_client.patch(
        f"/api/blogs/{blog.slug}/", {"starts_at": YEAR_9999}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"starts_at"}
    blog.refresh_from_db()
    assert blog.starts_at is None


def test_the_api_refuses_a_coverage_date_in_the_year_1(api_editor_client):
    response = api_editor_client.post(
        "/api/blogs/", {"title": "T", "slug": "t", "coverage_date": "0001-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"coverage_date"}


def test_the_admin_refuses_an_entry_in_the_year_1(editor_client):
    blog = make_blog(time_zone="America/New_York")
    add = reverse("admin:liveblog_entry_add")
    page = editor_client.get(add + f"?blog={blog.pk}")
    data = form_data(page, headline="Too early", status=EntryStatus.PUBLISHED, _save="Save")
    data.update(published_at_0="01/01/0001", published_at_1="00:00:00")

    response = editor_client.post(add + f"?blog={blog.pk}", data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "between the years 1900 and 9000" in str(errors["published_at"])
    assert not Entry.objects.exists()


def test_the_admin_refuses_a_blog_start_in_the_year_9999(editor_client):
    blog = make_blog(time_zone="Asia/Tokyo")
    change = reverse("admin:liveblog_blog_change", args=[blog.pk])
    data = form_data(editor_client.get(change), _save="Save")
    data.update(starts_at_0="31/12/9999", starts_at_1="20:00:00")

    response = editor_client.post(change, data)

    assert response.status_code == 200
    assert "starts_at" in response.context["adminform"].form.errors
    assert Blog.objects.get(pk=blog.pk).starts_at is None
