"""History that reads well: a reason for every recorded write (admin, desk, API, approval), one
row per write, the project's time format in the blog's zone, and links only where the reader may
follow them."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from liveblog.freshness import entry_etag
from liveblog.models import Entry
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 12, 6, 13, 5, tzinfo=dt.UTC)  # 15:05 in Kyiv


@pytest.fixture
def blog():
    return make_blog(slug="storm", time_zone="Europe/Kyiv")


def reasons(entry) -> list[tuple[str, str | None]]:
    return list(
        entry.history.order_by("history_id").values_list(
            "history_change_reason", "history_user__username"
        )
    )


def test_a_publish_from_the_desk_is_one_row_with_its_reason(editor_client, blog):
    url = reverse("admin:liveblog_blog_desk_post", args=[blog.pk])
    response = editor_client.post(
        url, {"action": "publish", "headline": "Pinned news", "is_pinned": "on"}
    )
    assert response.status_code == 201
    entry = Entry.objects.get()
    assert entry.is_pinned and entry.is_visible
    assert reasons(entry) == [("Created and published (live desk).", "editor")]


def test_every_surface_gives_its_reason(editor_client, api_editor_client, blog):
    entry = make_entry(blog, headline="Fisrt")
    change = reverse("admin:liveblog_entry_change", args=[entry.pk])
    form = editor_client.get(change).context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
        if name not in ("authors", "published_at")
    }
    when = entry.published_at.astimezone(blog.zone)
    data.update(
        {
            "headline": "First",
            "published_at_0": when.strftime("%Y-%m-%d"),
            "published_at_1": when.strftime("%H:%M:%S"),
            "captions-TOTAL_FORMS": 0,
            "captions-INITIAL_FORMS": 0,
            "corrections-TOTAL_FORMS": 0,
            "corrections-INITIAL_FORMS": 0,
        }
    )
    saved = editor_client.post(change, data)
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    entry.refresh_from_db()
    api_editor_client.patch(
        f"/api/entries/{entry.pk}/",
        {"is_key_event": True},
        format="json",
        HTTP_IF_MATCH=entry_etag(entry),
    )
    action = editor_client.post(
        reverse("admin:liveblog_entry_changelist"),
        {"action": "unpublish", "_selected_action": [entry.pk]},
    )
    assert action.status_code == 302
    assert [reason for reason, _ in reasons(entry)] == [
        None,  # made by the test's factory, outside any surface
        "Changed headline (entry form).",
        "Changed key event (API).",
        "Unpublished (action “Unpublish”).",
    ]
    assert [who for _, who in reasons(entry)][1:] == ["editor", "api-editor", "editor"]


def test_the_history_page_reads_like_the_rest_of_the_admin(client, blog, editor):
    with time_machine.travel(AT, tick=False):
        entry = make_entry(blog, headline="Quake")
        entry._history_user = editor
        entry._change_reason = "Published (live desk)."
        entry.unpublish()
    boss = User.objects.create_superuser("boss", password="pw")
    page = reverse("admin:liveblog_entry_history", args=[entry.pk])

    client.force_login(editor)
    html = client.get(page).content.decode()
    assert "6 Dec 2026, 15:05 EET" in html  # the blog's zone, 24-hour clock
    assert " p.m." not in html and " PM" not in html
    table = re.search(r'<table id="change-history".*?<tbody>(.*?)</tbody>', html, re.S)[1]
    rows = re.findall(r"<tr>.*?</tr>", table, re.S)
    assert len(rows) == 2
    # No cell says "None": a row without a reason shows a dash, one without a user says so.
    assert ">None<" not in html.replace(" ", "").replace("\n", "")
    assert "Published (live desk)." in html
    # An editor may not open user accounts: the name is not a link to a 403.
    assert "Eda" in html and "/admin/auth/user/" not in html

    client.force_login(boss)
    assert f"/admin/auth/user/{editor.pk}/change/" in client.get(page).content.decode()
