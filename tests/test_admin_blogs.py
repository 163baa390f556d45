"""The blog admin: changelist columns, key points, hero image, provenance, status actions."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from liveblog.models import Blog, BlogStatus, Caption, Entry
from tests.admin_forms import form_data
from tests.factories import make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:liveblog_blog_changelist")


def change_url(blog: Blog) -> str:
    return reverse("admin:liveblog_blog_change", args=[blog.pk])


def run_action(client, action: str, *blogs: Blog):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [b.pk for b in blogs]}, follow=True
    )


def test_changelist_shows_status_counts_and_site_link(editor_client):
    blog = make_blog(title="Election night", status=BlogStatus.LIVE)
    make_entry(blog, is_key_event=True)
    make_entry(blog)
    make_entry(blog)
    make_blog(title="Budget", status=BlogStatus.DRAFT)

    response = editor_client.get(CHANGELIST)

    rows = {b.title: b for b in response.context["cl"].result_list}
    assert (rows["Election night"].entry_count, rows["Election night"].key_event_count) == (3, 1)
    assert (rows["Budget"].entry_count, rows["Budget"].key_event_count) == (0, 0)
    html = response.content.decode()
    assert 'class="lb-badge lb-badge--live"' in html and ">Live</span>" in html
    assert 'class="lb-badge lb-badge--draft"' in html
    assert f'href="{blog.get_absolute_url()}" target="_blank">View on site' in html
    assert "Preview (draft)" in html


def test_changelist_searches_standfirst_and_filters_status(editor_client):
    wanted = make_blog(title="Storm", standfirst="Hurricane makes landfall in Florida")
    make_blog(title="Other", standfirst="Markets")
    make_blog(title="Closed storm", standfirst="Hurricane", status=BlogStatus.CLOSED)

    response = editor_client.get(CHANGELIST, {"q": "hurricane", "status__exact": "live"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_key_points_are_edited_one_per_line(editor_client):
    blog = make_blog(key_points=["First point", "Second point"])
    page = editor_client.get(change_url(blog))
    data = form_data(page)
    assert data["key_points"] == "First point\nSecond point"

    data.update(key_points="Second point\n\n  New   point \nFirst point\n", _save="Save")
    response = editor_client.post(change_url(blog), data)

    assert response.status_code == 302
    blog.refresh_from_db()
    assert blog.key_points == ["Second point", "New point", "First point"]


def test_saving_blog_fields_bumps_the_revision_and_records_history(editor_client, editor):
    blog = make_blog(title="Old title")
    revision = blog.revision
    data = form_data(editor_client.get(change_url(blog)), title="New title", _save="Save")

    editor_client.post(change_url(blog), data)

    blog.refresh_from_db()
    assert blog.title == "New title" and blog.revision > revision
    log = LogEntry.objects.get(object_id=str(blog.pk))
    assert (log.user, log.get_change_message()) == (editor, "Changed Title.")


def test_hero_image_is_picked_inline(editor_client):
    blog = make_blog()
    image = make_image(alt_text="Crowds outside parliament")
    data = form_data(editor_client.get(change_url(blog)))
    data.update({"captions-0-image": str(image.pk), "captions-0-text": "Crowds", "_save": "Save"})

    response = editor_client.post(change_url(blog), data)

    assert response.status_code == 302
    hero = Caption.objects.get(blog=blog)
    assert (hero.is_hero, hero.image, hero.text) == (True, image, "Crowds")


def test_hero_inline_leaves_entry_captions_alone(editor_client):
    blog = make_blog()
    make_caption(entry=make_entry(blog), text="In an entry")

    response = editor_client.get(change_url(blog))

    assert "In an entry" not in response.content.decode()


def test_import_provenance_is_shown_read_only(editor_client):
    blog = make_blog(source_name="000_abc.txt", source_hash="f" * 64)
    page = editor_client.get(change_url(blog))
    html = page.content.decode()
    assert "000_abc.txt" in html and "f" * 64 in html
    assert 'name="source_hash"' not in html

    data = form_data(page, source_hash="tampered", source_name="x.txt", _save="Save")
    editor_client.post(change_url(blog), data)

    blog.refresh_from_db()
    assert (blog.source_name, blog.source_hash) == ("000_abc.txt", "f" * 64)


def test_closing_in_the_form_records_when(editor_client):
    blog = make_blog(status=BlogStatus.LIVE)
    data = form_data(editor_client.get(change_url(blog)), status="closed", _save="Save")

    editor_client.post(change_url(blog), data)

    blog.refresh_from_db()
    assert blog.status == BlogStatus.CLOSED and blog.closed_at is not None


def test_go_live_close_and_reopen_actions(editor_client, editor):
    blog = make_blog(status=BlogStatus.UPCOMING)
    revision = blog.revision

    run_action(editor_client, "go_live", blog)
    blog.refresh_from_db()
    assert blog.status == BlogStatus.LIVE and blog.revision > revision

    run_action(editor_client, "close", blog)
    blog.refresh_from_db()
    assert blog.status == BlogStatus.CLOSED and blog.closed_at is not None

    response = run_action(editor_client, "reopen", blog)
    blog.refresh_from_db()
    assert blog.status == BlogStatus.LIVE and blog.closed_at is None
    assert "1 blog reopened and live again." in [str(m) for m in response.context["messages"]]
    messages = LogEntry.objects.filter(object_id=str(blog.pk)).order_by("action_time", "id")
    assert [m.get_change_message() for m in messages] == [
        "Went live (action “Go live”).",
        "Closed (action “Close”).",
        "Reopened (action “Reopen”).",
    ]
    assert {m.user for m in messages} == {editor}


def test_reopen_leaves_blogs_that_are_not_closed(editor_client):
    live = make_blog(status=BlogStatus.LIVE)

    response = run_action(editor_client, "reopen", live)

    assert "1 blog left alone: only closed blogs can be reopened." in [
        str(m) for m in response.context["messages"]
    ]
    assert not LogEntry.objects.exists()


def test_blog_page_counts_entries_needing_attention(editor_client):
    blog = make_blog()
    make_entry(blog, body="Fine.\n\n[Full report](https://example.com/report)")
    make_entry(blog, body="Intro.\n\n[Read the statement]()")
    with_fileless = make_entry(blog, body="Picture below.")
    make_caption(entry=with_fileless)  # the factory's Image has no file

    response = editor_client.get(change_url(blog))

    html = response.content.decode()
    assert "<strong>2 entries</strong></a> need attention:" in html
    assert f"?blog__id__exact={blog.pk}&amp;attention=yes" in html
    # Each reason with its count, linking to those entries.
    assert (
        f'<a href="/admin/liveblog/entry/?blog__id__exact={blog.pk}&amp;attention='
        'lacks_link_address">1 with a link without its address</a>'
    ) in html
    assert "1 with a picture without a file</a>" in html


def test_needing_attention_queryset():
    blog = make_blog()
    fine = make_entry(blog, body="[Report](https://example.com/)")
    stub = make_entry(blog, body="[Statement]()")
    fileless = make_entry(blog)
    make_caption(entry=fileless)
    make_caption(entry=fileless)
    with_file = make_entry(blog)
    make_caption(entry=with_file, image=make_image(file="images/2024/01/a.jpg", width=8, height=6))

    found = list(Entry.objects.needing_attention().order_by("id"))

    assert found == [stub, fileless]  # once each, whatever the number of captions
    assert fine not in found and with_file not in found


def test_needs_attention_filter_keeps_picture_counts_right(editor_client):
    blog = make_blog()
    entry = make_entry(blog)
    make_caption(entry=entry)
    make_caption(entry=entry, image=make_image(file="images/2024/01/b.jpg", width=8, height=6))

    response = editor_client.get(reverse("admin:liveblog_entry_changelist"), {"attention": "yes"})

    assert [(e, e.image_count) for e in response.context["cl"].result_list] == [(entry, 2)]


def test_coverage_date_filter(editor_client):
    today = make_blog(coverage_date=dt.date.today())
    make_blog(coverage_date=dt.date(2001, 9, 11))

    response = editor_client.get(
        CHANGELIST,
        {
            "coverage_date__gte": dt.date.today().isoformat(),
            "coverage_date__lt": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
        },
    )

    assert list(response.context["cl"].result_list) == [today]


def test_changelist_shows_last_updated_in_the_blogs_zone(editor_client):
    blog = make_blog(time_zone="Asia/Tokyo")
    Blog.objects.filter(pk=blog.pk).update(
        changed_at=dt.datetime(2026, 1, 10, 23, 30, tzinfo=dt.UTC)
    )

    html = editor_client.get(CHANGELIST).content.decode()

    assert "Last updated" in html
    assert '<span class="lb-date">11 Jan 2026</span> <span class="lb-time">08:30 JST</span>' in html
