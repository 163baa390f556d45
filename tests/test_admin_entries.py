"""The entry admin: list editing, actions, pinning, bylines, corrections, conflicts and history."""

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from liveblog.models import Correction, Entry, EntryStatus
from tests.admin_forms import form_data
from tests.factories import make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:liveblog_entry_changelist")
ADD = reverse("admin:liveblog_entry_add")


def change_url(entry: Entry) -> str:
    return reverse("admin:liveblog_entry_change", args=[entry.pk])


def run_action(client, action: str, *entries: Entry, **params):
    return client.post(
        CHANGELIST + params.pop("query", ""),
        {"action": action, "_selected_action": [e.pk for e in entries], **params},
        follow=True,
    )


def test_changelist_shows_newest_first_with_flags_and_picture_count(editor_client):
    blog = make_blog(time_zone="Europe/Kyiv")
    at = dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC)
    older = make_entry(blog, headline="Older", published_at=at)
    newer = make_entry(blog, headline="Newer", is_key_event=True)
    make_caption(entry=newer)
    make_caption(entry=newer)

    response = editor_client.get(CHANGELIST)

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows == [newer, older]
    assert rows[0].image_count == 2
    html = response.content.decode()
    assert html.index("Newer") < html.index("Older")
    # Shown in the blog's time zone, date above time so the flags beside it stay in view.
    assert '<span class="lb-date">1 Mar 2024</span> <span class="lb-time">12:00 EET</span>' in html
    assert 'name="form-0-is_pinned"' in html and 'name="form-0-is_key_event"' in html


def test_changelist_filters_by_blog_and_searches_body(editor_client):
    blog, other = make_blog(), make_blog()
    wanted = make_entry(blog, body="The ceasefire holds in the north.")
    make_entry(blog, body="Nothing to see.")
    make_entry(other, body="The ceasefire holds elsewhere.")

    response = editor_client.get(CHANGELIST, {"blog__id__exact": blog.pk, "q": "ceasefire"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_scheduled_entries_are_labelled(editor_client):
    blog = make_blog()
    make_entry(blog, published_at=timezone.now() + dt.timedelta(hours=2))

    response = editor_client.get(CHANGELIST)

    assert "Scheduled" in response.content.decode()


def test_list_editable_pin_unpins_the_previous_entry(editor_client):
    blog = make_blog()
    old = make_entry(blog, is_pinned=True)
    new = make_entry(blog)
    page = editor_client.get(CHANGELIST)
    # Rows are by time, newest first (the pin is a column): `new` is form-0, `old` form-1.
    data = form_data(page, **{"form-0-is_pinned": "on", "_save": "Save"})

    response = editor_client.post(CHANGELIST, data, follow=True)

    assert response.status_code == 200
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.is_pinned and not old.is_pinned
    assert Entry.objects.filter(blog=blog, is_pinned=True).count() == 1


def test_list_editable_pin_and_key_event_of_the_old_pin_in_one_save(editor_client):
    blog = make_blog()
    old = make_entry(blog, is_pinned=True)
    new = make_entry(blog)
    page = editor_client.get(CHANGELIST)
    changes = {"form-0-is_pinned": "on", "form-1-is_key_event": "on", "_save": "Save"}
    data = form_data(page, **changes)

    editor_client.post(CHANGELIST, data, follow=True)

    old.refresh_from_db()
    new.refresh_from_db()
    assert new.is_pinned and not old.is_pinned and old.is_key_event


def test_list_editable_refuses_two_new_pins_in_one_blog(editor_client):
    blog = make_blog()
    first, second = make_entry(blog), make_entry(blog)
    page = editor_client.get(CHANGELIST)
    data = form_data(page, **{"form-0-is_pinned": "on", "form-1-is_pinned": "on", "_save": "Save"})

    response = editor_client.post(CHANGELIST, data)

    assert "Only one entry per blog can be pinned" in response.content.decode()
    assert not Entry.objects.filter(pk__in=[first.pk, second.pk], is_pinned=True).exists()


def test_list_edit_is_recorded_in_history(editor_client, editor):
    entry = make_entry(make_blog())
    page = editor_client.get(CHANGELIST)

    data = form_data(page, **{"form-0-is_key_event": "on", "_save": "Save"})
    editor_client.post(CHANGELIST, data)

    log = LogEntry.objects.get(object_id=str(entry.pk), action_flag=CHANGE)
    assert log.user == editor
    assert "Key event" in log.get_change_message()


def test_action_messages_count_in_words(editor_client):
    blog = make_blog()
    drafts = [make_entry(blog, status=EntryStatus.DRAFT) for _ in range(3)]

    response = run_action(editor_client, "publish", *drafts)

    assert [str(m) for m in response.context["messages"]] == ["3 entries published."]


def test_publish_and_unpublish_actions(editor_client, editor):
    blog = make_blog()
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    published = make_entry(blog)

    response = run_action(editor_client, "publish", draft, published)

    draft.refresh_from_db()
    assert draft.status == EntryStatus.PUBLISHED
    messages = [str(m) for m in response.context["messages"]]
    assert "1 entry published." in messages
    assert "1 entry left alone: already published." in messages
    log = LogEntry.objects.get(object_id=str(draft.pk))
    assert (log.user, log.get_change_message()) == (editor, "Published (action “Publish”).")

    run_action(editor_client, "unpublish", draft)
    draft.refresh_from_db()
    assert draft.status == EntryStatus.DRAFT


def test_pin_action_moves_the_pin(editor_client):
    blog = make_blog()
    old = make_entry(blog, is_pinned=True)
    new = make_entry(blog)
    revision = blog.revision

    run_action(editor_client, "pin", new)

    old.refresh_from_db()
    new.refresh_from_db()
    blog.refresh_from_db()
    assert new.is_pinned and not old.is_pinned
    assert blog.revision > revision  # readers are told


def test_pin_action_refuses_two_entries_of_one_blog(editor_client):
    blog = make_blog(title="Ukraine war")
    first, second = make_entry(blog), make_entry(blog)

    response = run_action(editor_client, "pin", first, second)

    assert not Entry.objects.filter(is_pinned=True).exists()
    assert "pick one entry per blog" in response.content.decode()
    assert "Ukraine war" in response.content.decode()


def test_pin_action_pins_one_entry_in_each_of_two_blogs(editor_client):
    one, two = make_entry(make_blog()), make_entry(make_blog())

    run_action(editor_client, "pin", one, two)

    assert set(Entry.objects.filter(is_pinned=True)) == {one, two}


def test_mark_and_unmark_key_event_actions(editor_client):
    entry = make_entry(make_blog())

    run_action(editor_client, "mark_key_event", entry)
    entry.refresh_from_db()
    assert entry.is_key_event

    run_action(editor_client, "unmark_key_event", entry)
    entry.refresh_from_db()
    assert not entry.is_key_event


def test_add_form_defaults_authors_to_the_editor_and_saves_a_caption(editor_client, editor):
    blog = make_blog()
    image = make_image(alt_text="Firefighters at the scene")
    page = editor_client.get(ADD + f"?blog={blog.pk}")
    data = form_data(page)
    assert data["authors"] == str(editor.pk)
    data.update(
        {
            "headline": "Fire in the city centre",
            "body": "Crews are on site.\n\n- road closed\n- avoid the area",
            "status": EntryStatus.PUBLISHED,
            "captions-TOTAL_FORMS": "1",
            "captions-0-image": str(image.pk),
            "captions-0-text": "Crews at work",
            "captions-0-position": "1",
            "_save": "Save",
        }
    )

    response = editor_client.post(ADD, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = Entry.objects.get(headline="Fire in the city centre")
    assert list(entry.authors.all()) == [editor]
    assert entry.published_at is not None
    assert [c.image for c in entry.captions.all()] == [image]
    assert entry.captions.get().blog == blog
    assert [b["type"] for b in entry.blocks()] == ["paragraph", "image", "list"]


def test_add_form_pinning_a_new_entry_unpins_the_old_one(editor_client):
    blog = make_blog()
    old = make_entry(blog, is_pinned=True)
    page = editor_client.get(ADD + f"?blog={blog.pk}")
    data = form_data(page, headline="Breaking", is_pinned="on", _save="Save")

    response = editor_client.post(ADD, data)

    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_pinned
    assert Entry.objects.get(headline="Breaking").is_pinned


def test_change_form_shows_rendered_preview(editor_client):
    entry = make_entry(make_blog(), body="First paragraph.\n\n[Read the report]()")
    make_caption(entry=entry, text="A burnt-out car", position=1)

    response = editor_client.get(change_url(entry))

    html = response.content.decode()
    assert '<div class="lb-preview" id="lb-server-preview">' in html
    assert "<p>First paragraph.</p>" in html
    assert "Read the report <strong>(link without address)</strong>" in html
    assert "No file yet:" in html  # the caption's image has no file
    assert (
        html.index("First paragraph.</p>")
        < html.index("A burnt-out car")
        < html.index("Read the report <strong>")
    )


def test_second_save_of_the_same_entry_is_refused_and_keeps_the_input(editor_client):
    entry = make_entry(make_blog(), headline="Original", body="Original body.")
    mine = form_data(editor_client.get(change_url(entry)))
    theirs = form_data(editor_client.get(change_url(entry)))
    theirs.update(headline="Their headline", _save="Save")
    assert editor_client.post(change_url(entry), theirs).status_code == 302

    mine.update(headline="My headline", body="My careful rewrite.", _save="Save")
    response = editor_client.post(change_url(entry), mine)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Eda changed this entry at " in html  # named from the history, with what changed
    assert "were NOT saved. They changed: headline." in html
    assert 'value="My headline"' in html and "My careful rewrite." in html
    entry.refresh_from_db()
    assert entry.headline == "Their headline"

    # Pressing Save again, knowingly, replaces their version with mine.
    again = form_data(response, _save="Save")
    assert editor_client.post(change_url(entry), again).status_code == 302
    entry.refresh_from_db()
    assert (entry.headline, entry.body) == ("My headline", "My careful rewrite.")


def test_list_edit_and_actions_also_move_the_version(editor_client):
    entry = make_entry(make_blog())
    stale = form_data(editor_client.get(change_url(entry)), headline="Stale", _save="Save")

    run_action(editor_client, "mark_key_event", entry)
    response = editor_client.post(change_url(entry), stale)

    assert "Eda changed this entry at " in response.content.decode()
    entry.refresh_from_db()
    assert entry.headline != "Stale" and entry.is_key_event


def test_change_history_names_the_changed_fields(editor_client, editor):
    entry = make_entry(make_blog())
    data = form_data(editor_client.get(change_url(entry)), headline="New", _save="Save")

    editor_client.post(change_url(entry), data)

    log = LogEntry.objects.get(object_id=str(entry.pk), action_flag=CHANGE)
    assert log.user == editor
    assert log.get_change_message() == "Changed Headline."
    # The History page shows every write (admin, API, import) with its old and new values.
    history = editor_client.get(reverse("admin:liveblog_entry_history", args=[entry.pk]))
    page = history.content.decode()
    assert "<strong>Headline:</strong>" in page and "&rarr;&nbsp;&nbsp;New" in page
    latest = entry.history.first()
    assert (latest.history_user, latest.headline) == (editor, "New")
    assert latest.diff_against(latest.prev_record).changed_fields == ["headline"]


def test_correction_on_a_published_entry_records_its_author(editor_client, editor):
    entry = make_entry(make_blog(), status=EntryStatus.PUBLISHED)
    data = form_data(editor_client.get(change_url(entry)))
    data.update(
        {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-text": "corrected the casualty figure",
            "corrections-0-created_at_0": "22/11/2026",
            "corrections-0-created_at_1": "14:05:00",
            "_save": "Save",
        }
    )

    response = editor_client.post(change_url(entry), data)

    assert response.status_code == 302
    correction = Correction.objects.get(entry=entry)
    assert (correction.text, correction.author) == ("corrected the casualty figure", editor)


def test_correction_on_a_draft_is_refused(editor_client):
    entry = make_entry(make_blog(), status=EntryStatus.DRAFT)
    data = form_data(editor_client.get(change_url(entry)))
    data.update(
        {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-text": "fixed a typo",
            "corrections-0-created_at_0": "22/11/2026",
            "corrections-0-created_at_1": "14:05:00",
            "_save": "Save",
        }
    )

    response = editor_client.post(change_url(entry), data)

    assert response.status_code == 200
    assert "Corrections are notes readers see under a published entry" in response.content.decode()
    assert not Correction.objects.exists()


def test_changelist_narrowed_to_one_blog_drops_the_blog_column(editor_client):
    # A wide blog column pushed status, key event, pinned and pictures off a 1280px screen.
    blog = make_blog(title="Russia-Ukraine war: what we know on day 1,001 of the invasion")
    make_entry(blog, headline="Strikes overnight")

    everything = editor_client.get(CHANGELIST).content.decode()
    one_blog = editor_client.get(CHANGELIST, {"blog__id__exact": blog.pk}).content.decode()

    assert f'<span title="{blog.title}">Russia-Ukraine war: what we…</span>' in everything
    assert "column-blog_title" in everything
    assert "column-blog_title" not in one_blog
    assert "Strikes overnight" in one_blog and 'name="form-0-is_pinned"' in one_blog


def test_change_form_shows_and_reads_times_in_the_blogs_zone(editor_client):
    blog = make_blog(time_zone="Europe/Kyiv")
    entry = make_entry(blog, published_at=dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC))
    page = editor_client.get(change_url(entry))
    data = form_data(page)
    # As the changelist and readers see it: 10:00 in Kyiv (UTC+2 in January), not 08:00.
    assert (data["published_at_0"], data["published_at_1"]) == ("10/01/2026", "10:00:00")
    assert "In Europe/Kyiv time." in page.content.decode()

    data.update(published_at_1="12:30:00", _save="Save")
    assert editor_client.post(change_url(entry), data).status_code == 302

    entry.refresh_from_db()
    assert entry.published_at == dt.datetime(2026, 1, 10, 10, 30, tzinfo=dt.UTC)


def test_new_entry_opened_for_a_blog_is_scheduled_in_the_blogs_zone(editor_client):
    blog = make_blog(time_zone="Europe/Kyiv")
    page = editor_client.get(ADD + f"?blog={blog.pk}")
    data = form_data(page, headline="Address to parliament", status=EntryStatus.PUBLISHED)
    data.update(published_at_0="10/01/2030", published_at_1="09:00:00", _save="Save")

    response = editor_client.post(ADD + f"?blog={blog.pk}", data)

    assert response.status_code == 302
    entry = Entry.objects.get(headline="Address to parliament")
    assert entry.published_at == dt.datetime(2030, 1, 10, 7, 0, tzinfo=dt.UTC)


def test_add_from_a_changelist_narrowed_to_a_blog_preselects_that_blog(editor_client):
    blog = make_blog(time_zone="Asia/Tokyo")
    filters = f"?_changelist_filters=blog__id__exact%3D{blog.pk}"

    page = editor_client.get(ADD + filters)

    assert form_data(page)["blog"] == str(blog.pk)
    assert "In Asia/Tokyo time." in page.content.decode()


def test_save_and_add_another_opens_the_next_entry_in_the_same_blog(editor_client):
    blog = make_blog()
    entry = make_entry(blog)
    data = form_data(editor_client.get(change_url(entry)), headline="Corrected")
    data["_addanother"] = "Save and add another"

    response = editor_client.post(change_url(entry), data)

    assert response.status_code == 302
    assert response["Location"] == ADD + f"?blog={blog.pk}"
    assert form_data(editor_client.get(response["Location"]))["blog"] == str(blog.pk)

    # After an add, Django keeps the ?blog= the add form was opened with.
    data = form_data(editor_client.get(response["Location"]), headline="Next")
    data["_addanother"] = "Save and add another"
    response = editor_client.post(ADD + f"?blog={blog.pk}", data)
    assert response["Location"] == ADD + f"?blog={blog.pk}"


def test_pinning_writes_the_unpin_into_the_displaced_entrys_history(editor_client, editor):
    blog = make_blog()
    old = make_entry(blog, is_pinned=True)
    new = make_entry(blog, headline="Ceasefire announced")
    newest = make_entry(blog, headline="Ceasefire broken")

    run_action(editor_client, "pin", new)
    data = form_data(editor_client.get(change_url(newest)), is_pinned="on", _save="Save")
    editor_client.post(change_url(newest), data)

    old_history = old.history.filter(history_type="~")
    assert [(h.history_user, h.history_change_reason) for h in old_history] == [
        (editor, "Unpinned: “Ceasefire announced” was pinned instead.")
    ]
    new_history = new.history.filter(history_type="~").order_by("history_date", "history_id")
    assert [h.history_change_reason for h in new_history] == [
        "Pinned (action “Pin”).",
        "Unpinned: “Ceasefire broken” was pinned instead.",
    ]


def test_unpin_action(editor_client):
    blog = make_blog()
    pinned = make_entry(blog, is_pinned=True)
    other = make_entry(blog)

    response = run_action(editor_client, "unpin", pinned, other)

    pinned.refresh_from_db()
    assert not pinned.is_pinned
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["1 entry unpinned.", "1 entry left alone: not pinned."]
    assert LogEntry.objects.get(object_id=str(pinned.pk)).get_change_message() == (
        "Unpinned (action “Unpin”)."
    )


def test_conflict_with_a_change_outside_the_admin_names_no_one(editor_client):
    entry = make_entry(make_blog(), headline="Original")
    mine = form_data(editor_client.get(change_url(entry)), headline="Mine", _save="Save")
    entry.headline = "From the API"
    entry.save()  # the API and imports write no admin history

    response = editor_client.post(change_url(entry), mine)

    html = response.content.decode()
    assert "Someone else changed this entry at " in html
    assert "Its history says" not in html
    entry.refresh_from_db()
    assert entry.headline == "From the API"


def test_inline_rows_use_short_text_boxes(editor_client):
    # The admin's 10-row, 48em text boxes pushed "position" and "delete" out of the form.
    entry = make_entry(make_blog(), status=EntryStatus.PUBLISHED)
    make_caption(entry=entry)

    html = editor_client.get(change_url(entry)).content.decode()

    assert '<textarea name="captions-0-text" cols="50" rows="3"' in html
    assert '<textarea name="corrections-__prefix__-text" cols="50" rows="3"' in html


def test_saving_an_untouched_imported_entry_changes_nothing(editor_client, seeds_dir):
    # Found on main: "Changed Headline and Body", the body's newlines stored back as CRLF.
    from liveblog.importers.loader import import_file

    import_file(seeds_dir / "000_62e9b136168e27ac.txt")
    entry = Entry.objects.filter(body__contains="\n").first()
    before = (entry.headline, entry.body, entry.published_at)
    page = editor_client.get(change_url(entry))
    data = form_data(page, _save="Save")
    data["body"] = data["body"].replace("\n", "\r\n")  # as browsers submit a textarea

    assert editor_client.post(change_url(entry), data).status_code == 302

    entry.refresh_from_db()
    assert (entry.headline, entry.body, entry.published_at) == before
    log = LogEntry.objects.get(object_id=str(entry.pk), action_flag=CHANGE)
    assert log.get_change_message() == "No fields changed."


def test_a_new_entry_gets_the_moment_it_is_saved_not_when_the_form_opened(editor_client):
    # Found on main: the time was the moment the form was opened, so an entry saved later could
    # show an earlier time than one saved before it.
    import time_machine

    blog = make_blog()
    opened = timezone.now()
    with time_machine.travel(opened, tick=False):
        data = form_data(editor_client.get(ADD + f"?blog={blog.pk}"), headline="Slow typist")
    assert not data.get("published_at_0")  # empty: "the moment it is published"
    data.update(status="published", _save="Save")
    with time_machine.travel(opened + dt.timedelta(minutes=7), tick=False):
        assert editor_client.post(ADD + f"?blog={blog.pk}", data).status_code == 302
    entry = Entry.objects.get(headline="Slow typist")
    assert entry.published_at == opened + dt.timedelta(minutes=7)


def test_an_editor_can_restore_an_earlier_version(editor_client, editor):
    entry = make_entry(make_blog(), headline="First version", body="Careful words.")
    entry.headline, entry.body = "Hasty rewrite", "Careless words."
    entry.save()
    first = entry.history.order_by("history_date", "history_id").first()
    url = reverse("admin:liveblog_entry_simple_history", args=[entry.pk, first.history_id])

    page = editor_client.get(url)
    assert page.status_code == 200 and "First version" in page.content.decode()
    response = editor_client.post(url, form_data(page, _save="Save"))

    assert response.status_code == 302, response.content.decode()[:3000]
    entry.refresh_from_db()
    assert (entry.headline, entry.body) == ("First version", "Careful words.")
    assert entry.history.first().history_user == editor


def test_saving_an_untouched_timed_entry_keeps_its_time_to_the_microsecond(editor_client):
    entry = make_entry(make_blog(), published_at=dt.datetime(2024, 3, 1, 9, 30, 15, 123456, dt.UTC))
    data = form_data(editor_client.get(change_url(entry)), _save="Save")

    assert editor_client.post(change_url(entry), data).status_code == 302

    entry.refresh_from_db()
    assert entry.published_at.microsecond == 123456
    log = LogEntry.objects.get(object_id=str(entry.pk), action_flag=CHANGE)
    assert log.get_change_message() == "No fields changed."


def test_save_lands_on_the_entrys_own_blog_list(editor_client):
    """After Save, the list of the entry's blog (its new entry on top), not every blog's."""
    blog, other = make_blog(slug="mine"), make_blog(slug="other")
    make_entry(other, headline="Another blog's newer entry")
    entry = make_entry(blog)
    changelist = reverse("admin:liveblog_entry_changelist")

    response = editor_client.post(
        change_url(entry), form_data(editor_client.get(change_url(entry)))
    )
    assert response.status_code == 302
    assert response["Location"] == f"{changelist}?blog__id__exact={blog.pk}"

    data = form_data(editor_client.get(ADD + f"?blog={blog.pk}"), headline="Fresh update")
    data["_save"] = "Save"
    response = editor_client.post(ADD + f"?blog={blog.pk}", data)
    assert response["Location"] == f"{changelist}?blog__id__exact={blog.pk}"
    listing = editor_client.get(response["Location"]).content.decode()
    assert "Fresh update" in listing and "Another blog&#x27;s newer entry" not in listing

    # A list narrowed otherwise keeps its own filters, with the blog added.
    filtered = f"{change_url(entry)}?_changelist_filters=status__exact%3Dpublished"
    response = editor_client.post(filtered, form_data(editor_client.get(filtered)))
    assert response["Location"] == f"{changelist}?status__exact=published&blog__id__exact={blog.pk}"


def test_view_on_site_only_for_entries_readers_can_see(editor_client):
    blog = make_blog(slug="seen")
    published = make_entry(blog, headline="Out")
    draft = make_entry(blog, headline="Not yet", status=EntryStatus.DRAFT)
    later = make_entry(blog, headline="Later", published_at=timezone.now() + dt.timedelta(hours=2))

    page = editor_client.get(change_url(published)).content.decode()
    assert "viewsitelink" in page and published.get_absolute_url() in page
    for entry in (draft, later):
        assert "viewsitelink" not in editor_client.get(change_url(entry)).content.decode()


def test_the_entry_forms_headline_is_not_cut_by_the_browser(editor_client):
    entry = make_entry(make_blog())
    page = editor_client.get(reverse("admin:liveblog_entry_change", args=[entry.pk]))
    assert 'name="headline"' in page.content.decode()
    assert 'maxlength="300"' not in page.content.decode().split('name="headline"')[1][:200]


def test_saving_an_entry_deleted_while_the_form_was_sent_says_so(editor_client, monkeypatch):
    # Found by the concurrency run on PostgreSQL: deleted between the admin finding the entry
    # and the form's check, the save raised DoesNotExist (a 500).
    from liveblog.admin.entries import EntryAdmin

    entry = make_entry(make_blog(), headline="Original")
    mine = form_data(editor_client.get(change_url(entry)), headline="Mine", _save="Save")
    found = EntryAdmin.get_object

    def found_then_deleted(self, request, object_id, from_field=None):
        obj = found(self, request, object_id, from_field)
        Entry.objects.get(pk=obj.pk).delete()
        return obj

    monkeypatch.setattr(EntryAdmin, "get_object", found_then_deleted)
    response = editor_client.post(change_url(entry), mine)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone deleted this entry after you opened it" in html
    assert 'value="Mine"' in html
    assert not Entry.objects.filter(pk=entry.pk).exists()


def test_an_entry_deleted_before_its_form_is_sent_comes_back_as_a_new_unsaved_entry(
    editor_client,
):
    # Found on main: Django's redirect to the admin's index ("Perhaps it was deleted?"), and
    # the text the editor had typed was gone.
    blog = make_blog(time_zone="Europe/Kyiv")
    entry = make_entry(blog, headline="Original", body="Old text.")
    mine = form_data(
        editor_client.get(change_url(entry)),
        headline="Mine",
        body="My new paragraph.",
        is_key_event="on",
        _save="Save",
    )
    Entry.objects.get(pk=entry.pk).delete()  # a colleague deletes it meanwhile

    response = editor_client.post(change_url(entry), mine)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone deleted this entry after you opened it" in html
    assert 'value="Mine"' in html and "My new paragraph." in html
    add = f"{ADD}?blog={blog.pk}"
    assert f'action="{add}"' in html  # saving adds it, never posts to the deleted one again
    assert not Entry.objects.exists()  # nothing saved until the editor says so

    again = form_data(response, _save="Save")
    assert again["blog"] == str(blog.pk) and again["is_key_event"] == "on"
    saved = editor_client.post(add, again)

    assert saved.status_code == 302
    new = Entry.objects.get()
    assert (new.blog, new.headline, new.body, new.is_key_event) == (
        blog,
        "Mine",
        "My new paragraph.",
        True,
    )


@pytest.mark.parametrize("object_id", ["abc", "12x", "%20"])
def test_a_change_form_sent_to_an_address_that_is_no_id_is_djangos_not_found(
    editor_client, object_id
):
    # The deleted-entry check read any address as an id: ValueError, a 500.
    response = editor_client.post(f"{CHANGELIST}{object_id}/change/", {"headline": "x"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
