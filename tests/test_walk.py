"""One entry's life, walked once through the admin and once through the API: readers, pollers,
feeds and the history see the same thing after every step, whichever surface the editor used."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from liveblog.freshness import entry_etag
from liveblog.models import Blog, Entry
from tests.admin_forms import form_data
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db

STEPS = ["create", "publish", "schedule", "back in time", "pin", "key event", "edit", "unpublish"]


def observe(client, blog: Blog, entry_id: int, since: int) -> dict:
    """What every audience sees of the entry now."""
    page = client.get(blog.get_absolute_url()).content.decode()
    api = client.get(f"/api/blogs/{blog.slug}/entries/").json()["results"]
    feed = ET.fromstring(client.get(f"/{blog.slug}/feed/").content)
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed]
    changes = client.get(f"/{blog.slug}/live/changes/?since={since}").json()
    shown = [item for item in changes["entries"] if item["id"] == entry_id]
    entry = Entry.objects.filter(pk=entry_id).first()
    on_page = re.search(
        rf'id="entry-{entry_id}"[^>]*data-pinned="(\d)" data-key-event="(\d)"', page
    )
    return {
        "on page": on_page.groups() if on_page else None,
        "first on page": page.index(f'id="entry-{entry_id}"') == page.index('id="entry-')
        if on_page
        else None,
        "headline shown": entry is not None and entry.headline in page,
        "in the API": [e["headline"] for e in api if e["id"] == entry_id],
        "in the feed": entry is not None and entry.headline in titles,
        "change feed": "shown" if shown else "removed" if entry_id in changes["removed"] else "-",
        "state": None
        if entry is None
        else (
            entry.status,
            entry.is_pinned,
            entry.is_key_event,
            entry.published_at is not None,
            entry.is_scheduled_now,
            entry.version,
        ),
        "history": [h.history_type for h in Entry.history.filter(id=entry_id)][::-1],
    }


def walk(client, blog: Blog, steps) -> list[dict]:
    seen, entry_id = [], None
    for name, step in steps:
        before = Blog.objects.get(pk=blog.pk).revision
        entry_id = step(entry_id) or entry_id
        seen.append({"step": name, **observe(client, blog, entry_id, before)})
    return seen


def test_the_admin_and_the_api_give_the_same_results(client, editor_client, api_editor_client):
    later = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    earlier = (timezone.now() - dt.timedelta(minutes=5)).replace(microsecond=0)
    admin_blog, api_blog = make_blog(), make_blog()
    # An older entry on each blog, so "first on page" and the pin mean something.
    make_entry(admin_blog, headline="Older news A")
    make_entry(api_blog, headline="Older news B")

    def change(pk, **fields):
        url = reverse("admin:liveblog_entry_change", args=[pk])
        response = editor_client.post(
            url, form_data(editor_client.get(url), _save="Save", **fields)
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    def action(name, pk):
        response = editor_client.post(
            reverse("admin:liveblog_entry_changelist"),
            {"action": name, "_selected_action": [pk]},
        )
        assert response.status_code == 302

    def admin_create(_):
        url = reverse("admin:liveblog_entry_add") + f"?blog={admin_blog.pk}"
        data = form_data(editor_client.get(url), headline="Talks begin", body="In Geneva.")
        data.update(status="draft", _save="Save")
        assert editor_client.post(url, data).status_code == 302
        return Entry.objects.get(blog=admin_blog, headline="Talks begin").pk

    def admin_delete(pk):
        url = reverse("admin:liveblog_entry_delete", args=[pk])
        assert editor_client.post(url, {"post": "yes"}).status_code == 302

    admin_steps = [
        ("create", admin_create),
        ("publish", lambda pk: action("publish", pk)),
        (
            "schedule",
            lambda pk: change(pk, published_at_0=later.date(), published_at_1=later.time()),
        ),
        (
            "back in time",
            lambda pk: change(pk, published_at_0=earlier.date(), published_at_1=earlier.time()),
        ),
        ("pin", lambda pk: action("pin", pk)),
        ("key event", lambda pk: action("mark_key_event", pk)),
        ("edit", lambda pk: change(pk, headline="Talks resume")),
        ("unpublish", lambda pk: action("unpublish", pk)),
        ("delete", admin_delete),
    ]

    def patch(pk, **fields):
        etag = entry_etag(Entry.objects.get(pk=pk))
        url = f"/api/entries/{pk}/"
        response = api_editor_client.patch(url, fields, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content

    def api_create(_):
        response = api_editor_client.post(
            f"/api/blogs/{api_blog.slug}/entries/",
            {"headline": "Talks begin", "body": "In Geneva.", "status": "draft"},
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]

    def api_delete(pk):
        etag = entry_etag(Entry.objects.get(pk=pk))
        response = api_editor_client.delete(f"/api/entries/{pk}/", HTTP_IF_MATCH=etag)
        assert response.status_code == 204

    api_steps = [
        ("create", api_create),
        ("publish", lambda pk: patch(pk, status="published")),
        ("schedule", lambda pk: patch(pk, published_at=later.isoformat())),
        ("back in time", lambda pk: patch(pk, published_at=earlier.isoformat())),
        ("pin", lambda pk: patch(pk, is_pinned=True)),
        ("key event", lambda pk: patch(pk, is_key_event=True)),
        ("edit", lambda pk: patch(pk, headline="Talks resume")),
        ("unpublish", lambda pk: patch(pk, status="draft")),
        ("delete", api_delete),
    ]

    through_admin = walk(client, admin_blog, admin_steps)
    through_api = walk(client, api_blog, api_steps)

    for admin_step, api_step in zip(through_admin, through_api, strict=True):
        assert admin_step == api_step
    by_step = {step["step"]: step for step in through_api}
    assert by_step["create"]["on page"] is None and by_step["create"]["change feed"] == "-"
    assert by_step["publish"]["on page"] == ("0", "0") and by_step["publish"]["in the feed"]
    assert by_step["publish"]["first on page"] and by_step["publish"]["state"][3]  # timed now
    assert by_step["schedule"]["change feed"] == "removed" and by_step["schedule"]["state"][4]
    assert by_step["pin"]["on page"] == ("1", "0")
    assert by_step["key event"]["on page"] == ("1", "1")
    assert by_step["edit"]["in the API"] == ["Talks resume"]
    assert by_step["unpublish"]["change feed"] == "removed"
    assert by_step["delete"]["history"][-1] == "-"
