"""The live desk's endpoints: permissions, posting through the verbs, the photo in one step, the
preview, the stream and its poll, editing with the version check, presence, one-click verbs."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from liveblog import body
from liveblog.desk import presence
from liveblog.models import Caption, ChangeKind, Entry, EntryStatus, Image, sort_key_for
from tests.factories import image_upload, make_blog, make_entry, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def url(name: str, *args) -> str:
    return reverse(f"admin:liveblog_blog_desk{name}", args=args)


@pytest.fixture
def blog():
    return make_blog(title="Storm live", time_zone="Europe/Kyiv")


@pytest.fixture
def other_editor(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "second", password="pw", is_staff=True, first_name="Olena", last_name="Koval"
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# --- permissions --------------------------------------------------------------------------------


def test_editors_open_the_desk(editor_client, blog):
    response = editor_client.get(url("", blog.pk))
    assert response.status_code == 200
    assert b"desk-composer" in response.content
    assert b'id="desk-strings"' in response.content


def test_staff_without_permissions_get_403_everywhere(client, blog, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    entry = make_entry(blog)
    assert client.get(url("", blog.pk)).status_code == 403
    assert client.get(url("_stream", blog.pk)).status_code == 403
    assert client.post(url("_post", blog.pk), {"headline": "x"}).status_code == 403
    assert client.post(url("_preview", blog.pk), {"headline": "x"}).status_code == 403
    assert client.post(url("_verb", blog.pk, entry.pk, "pin")).status_code == 403
    assert client.get(url("_entry", blog.pk, entry.pk)).status_code == 403
    assert Entry.objects.count() == 1


def test_anonymous_callers_are_sent_to_the_login_page(client, blog):
    response = client.get(url("", blog.pk))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert client.post(url("_post", blog.pk), {"headline": "x"}).status_code == 302
    assert not Entry.objects.exists()


def test_the_desk_is_linked_from_the_blog_list_and_page(editor_client, blog):
    desk = url("", blog.pk)
    assert desk in editor_client.get(reverse("admin:liveblog_blog_changelist")).content.decode()
    page = editor_client.get(reverse("admin:liveblog_blog_change", args=[blog.pk]))
    assert desk in page.content.decode()


def test_an_unknown_blog_is_a_404(editor_client):
    assert editor_client.get(url("", 999999)).status_code == 404


# --- posting ------------------------------------------------------------------------------------


def test_publish_now_publishes_at_the_moment_of_publishing(editor_client, editor, blog):
    before = timezone.now()
    response = editor_client.post(
        url("_post", blog.pk),
        {"action": "publish", "headline": "Power cut", "body": "Half the city is dark."},
    )
    assert response.status_code == 201, response.content
    entry = Entry.objects.get(pk=response.json()["id"])
    assert entry.status == EntryStatus.PUBLISHED
    assert entry.published_at >= before
    assert entry.is_visible
    assert list(entry.authors.all()) == [editor]
    assert entry.history.first().history_user == editor


def test_save_draft_leaves_readers_none_the_wiser(editor_client, blog):
    revision = blog.revision
    response = editor_client.post(
        url("_post", blog.pk), {"action": "draft", "headline": "Not yet", "body": "Checking."}
    )
    assert response.status_code == 201
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.DRAFT and entry.published_at is None
    blog.refresh_from_db()
    assert blog.revision == revision


def test_schedule_reads_the_time_in_the_blogs_zone(editor_client, blog):
    later = timezone.now().astimezone(blog.zone) + datetime.timedelta(days=1)
    response = editor_client.post(
        url("_post", blog.pk),
        {
            "action": "schedule",
            "headline": "Tomorrow",
            "publish_at": later.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 201, response.content
    entry = Entry.objects.get()
    assert entry.is_scheduled_now
    assert entry.published_at.astimezone(blog.zone).strftime("%H:%M") == later.strftime("%H:%M")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"action": "schedule", "headline": "x"}, "publish_at"),
        ({"action": "schedule", "headline": "x", "publish_at": "2001-01-01T10:00"}, "publish_at"),
        ({"action": "schedule", "headline": "x", "publish_at": "not a time"}, "publish_at"),
        ({"action": "schedule", "headline": "x", "publish_at": "9999-12-31T23:59"}, "publish_at"),
        ({"action": "publish", "headline": ""}, "headline"),
        ({"action": "publish", "headline": "x" * 301}, "headline"),
        ({"action": "explode", "headline": "x"}, "action"),
        ({"action": "publish", "headline": "x", "co_authors": "banana"}, "co_authors"),
        ({"action": "publish", "headline": "x", "photo_position": "-3"}, "photo_position"),
        ({"action": "publish", "headline": "x", "existing_image": "999999"}, "existing_image"),
    ],
)
def test_bad_input_is_refused_naming_the_field(editor_client, blog, fields, field):
    response = editor_client.post(url("_post", blog.pk), fields)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Entry.objects.exists()


def test_co_authors_are_offered_by_full_name(editor_client, blog, other_editor):
    page = editor_client.get(url("", blog.pk)).content.decode()
    assert "Olena Koval" in page
    response = editor_client.post(
        url("_post", blog.pk),
        {"action": "publish", "headline": "Together", "co_authors": [other_editor.pk]},
    )
    entry = Entry.objects.get(pk=response.json()["id"])
    assert set(entry.authors.values_list("username", flat=True)) == {"editor", "second"}


def test_pin_and_key_event_from_the_composer(editor_client, blog):
    old = make_entry(blog, is_pinned=True)
    response = editor_client.post(
        url("_post", blog.pk),
        {"action": "publish", "headline": "Top", "is_pinned": "on", "is_key_event": "on"},
    )
    entry = Entry.objects.get(pk=response.json()["id"])
    old.refresh_from_db()
    assert entry.is_pinned and entry.is_key_event and not old.is_pinned


# --- the photo in one step ----------------------------------------------------------------------


def test_a_photo_becomes_image_and_caption_after_the_first_paragraph(
    editor_client, blog, media_root
):
    response = editor_client.post(
        url("_post", blog.pk),
        {
            "action": "publish",
            "headline": "Flooded street",
            "body": "Water rose overnight.\n\nResidents moved upstairs.",
            "photo": image_upload(),
            "alt_text": "A flooded street with parked cars",
            "caption": "Podil district this morning",
            "credit": "AFP",
            "is_file_photo": "on",
        },
    )
    assert response.status_code == 201, response.content
    entry = Entry.objects.get()
    caption = entry.captions.select_related("image").get()
    assert caption.position == 1
    assert caption.text == "Podil district this morning"
    assert caption.image.alt_text == "A flooded street with parked cars"
    assert caption.image.credit == "AFP" and caption.image.is_file_photo
    assert caption.image.file
    assert [block["type"] for block in entry.blocks()] == ["paragraph", "image", "paragraph"]


def test_a_photo_without_alt_text_is_refused_and_nothing_is_written(
    editor_client, blog, media_root
):
    response = editor_client.post(
        url("_post", blog.pk),
        {"action": "publish", "headline": "Flooded street", "photo": image_upload()},
    )
    assert response.status_code == 400
    assert "Alt text is required" in response.json()["errors"]["alt_text"][0]
    assert not Entry.objects.exists() and not Image.objects.exists()
    assert not Caption.objects.exists()


def test_a_file_that_is_not_a_picture_is_refused(editor_client, blog, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.png", b"<?php echo 1; ?>", content_type="image/png")
    response = editor_client.post(
        url("_post", blog.pk),
        {"action": "publish", "headline": "x", "photo": fake, "alt_text": "a"},
    )
    assert response.status_code == 400
    assert "photo" in response.json()["errors"]
    assert not Entry.objects.exists() and not Image.objects.exists()


def test_a_failure_after_the_photo_rolls_everything_back(
    editor_client, blog, media_root, monkeypatch
):
    from django.core.exceptions import ValidationError

    def refuse(caption, *args, **kwargs):
        raise ValidationError({"photo_position": "no"})

    # The picture's caption is the last write: the entry and the stored picture came before.
    monkeypatch.setattr(Caption, "save", refuse)
    response = editor_client.post(
        url("_post", blog.pk),
        {
            "action": "publish",
            "headline": "x",
            "photo": image_upload(),
            "alt_text": "a",
            "is_pinned": "on",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"photo_position": ["no"]}
    assert not Entry.objects.exists() and not Image.objects.exists()
    assert not list((media_root).rglob("*.png"))


def test_a_picture_from_the_library_is_reused(editor_client, blog):
    image = make_image(alt_text="Rescuers in a boat", credit="Reuters")
    found = editor_client.get(url("_images", blog.pk), {"q": "rescuers boat"}).json()
    assert [row["id"] for row in found["results"]] == [image.pk]
    assert editor_client.get(url("_images", blog.pk), {"q": "volcano"}).json()["results"] == []
    response = editor_client.post(
        url("_post", blog.pk),
        {"action": "publish", "headline": "Rescue", "existing_image": image.pk, "caption": "c"},
    )
    assert response.status_code == 201
    assert Entry.objects.get().captions.get().image == image
    assert Image.objects.count() == 1


@pytest.fixture
def entries_only_client(client, django_user_model):
    """Staff with the entry permissions the desk needs, but none on images."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["add_entry", "change_entry", "view_entry"])
    )
    client.force_login(user)
    return client


def test_without_image_permissions_the_library_shows_only_pictures_the_user_may_see(
    entries_only_client, blog
):
    # Pictures follow what the user may see (api.permissions.images_for, the one rule): those
    # placed in entries they see (drafts too, for who may edit them) and their own uploads;
    # never one uploaded elsewhere and placed nowhere they can see (an embargoed agency photo).
    secret = make_image(alt_text="Embargoed rescue photo", credit="Pool secret")
    shown = make_image(alt_text="Published rescue photo", credit="Reuters")
    make_entry(blog, headline="Out").captions.create(blog=blog, image=shown, text="y")

    found = entries_only_client.get(url("_images", blog.pk), {"q": "rescue"}).json()
    preview = entries_only_client.post(
        url("_preview", blog.pk), {"headline": "h", "existing_image": secret.pk}
    ).content.decode()
    posted = entries_only_client.post(
        url("_post", blog.pk),
        {"action": "draft", "headline": "Mine", "existing_image": secret.pk, "caption": "c"},
    )

    assert [row["alt"] for row in found["results"]] == ["Published rescue photo"]
    assert "Embargoed" not in preview and "Pool secret" not in preview
    assert posted.status_code == 400 and "existing_image" in posted.json()["errors"]
    assert not Entry.objects.filter(headline="Mine").exists()


def test_editors_with_image_permissions_find_unpublished_pictures_too(editor_client, blog):
    make_image(alt_text="Embargoed rescue photo")

    found = editor_client.get(url("_images", blog.pk), {"q": "rescue"}).json()

    assert [row["alt"] for row in found["results"]] == ["Embargoed rescue photo"]


# --- preview ------------------------------------------------------------------------------------


def test_preview_renders_the_readers_template_and_saves_nothing(editor_client, blog):
    response = editor_client.post(
        url("_preview", blog.pk),
        {
            "headline": "Draft <b>headline</b>",
            "body": "See [Reuters](https://reuters.com/x).\n\n> Stay inside.\n> — Mayor",
            "has_photo": "1",
            "alt_text": "Rescuers",
            "caption": "On the river",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="entry' in html and "entry__headline" in html
    assert "Draft &lt;b&gt;headline&lt;/b&gt;" in html
    assert '<a href="https://reuters.com/x">Reuters</a>' in html
    assert "<blockquote" in html and "Mayor" in html
    assert "On the river" in html
    assert not Entry.objects.exists() and not Image.objects.exists()


def test_saving_an_entry_deleted_since_it_was_opened_is_404_with_a_sentence(editor_client, blog):
    # Found on main: a plain 404 page, which desk.js could only report as "Not saved".
    entry = make_entry(blog, headline="First", body="Original.")
    version = entry.version
    Entry.objects.get(pk=entry.pk).delete()

    response = editor_client.post(
        url("_entry", blog.pk, entry.pk),
        {"headline": "Mine", "body": "My text.", "loaded_version": version},
    )

    assert response.status_code == 404
    [message] = response.json()["errors"]["__all__"]
    assert message.startswith("Someone deleted this entry after you opened it")
    assert editor_client.get(url("_entry", blog.pk, entry.pk)).status_code == 404


def test_saving_an_entry_deleted_after_it_was_found_is_404_with_a_sentence(
    editor_client, blog, monkeypatch
):
    # Deleted between the view finding it and the form's check under the blog's lock: the
    # save raised DoesNotExist (a 500). desk.js shows the sentence; the editor keeps the text.
    from liveblog.desk import views

    entry = make_entry(blog, headline="First", body="Original.")
    found = views.blog_entry

    def found_then_deleted(request, blog, entry_id):
        obj = found(request, blog, entry_id)
        Entry.objects.get(pk=obj.pk).delete()
        return obj

    monkeypatch.setattr(views, "blog_entry", found_then_deleted)
    response = editor_client.post(
        url("_entry", blog.pk, entry.pk),
        {"headline": "Mine", "body": "My text.", "loaded_version": entry.version},
    )

    assert response.status_code == 404
    [message] = response.json()["errors"]["__all__"]
    assert message.startswith("Someone deleted this entry after you opened it")
    assert not Entry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"headline": "x" * 5000, "body": "\x00"},
        {"has_photo": "1", "photo_position": "²", "existing_image": "9" * 40},
        {"existing_image": "-1", "photo_position": "1e9"},
        {},
    ],
)
def test_preview_takes_hostile_input_without_an_error(editor_client, blog, fields):
    assert editor_client.post(url("_preview", blog.pk), fields).status_code == 200


def test_hostile_composer_input_is_a_clear_400(editor_client, blog):
    response = editor_client.post(
        url("_post", blog.pk), {"action": "publish", "headline": "a\x00b", "body": "\x00"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"headline", "body"}


# --- the stream ---------------------------------------------------------------------------------


def test_the_stream_shows_drafts_and_scheduled_entries_marked(editor_client, blog):
    make_entry(blog, headline="Out there")
    make_entry(blog, headline="Still a draft", status=EntryStatus.DRAFT)
    make_entry(blog, headline="Later on", published_at=timezone.now() + datetime.timedelta(hours=2))
    html = editor_client.get(url("_stream", blog.pk)).content.decode()
    assert html.index("Still a draft") < html.index("As readers see it") < html.index("Out there")
    assert "Later on" in html and "Scheduled for" in html
    assert "lb-badge--draft" in html


def test_an_unchanged_stream_poll_is_a_304(editor_client, blog):
    make_entry(blog)
    first = editor_client.get(url("_stream", blog.pk))
    etag = first["ETag"]
    again = editor_client.get(url("_stream", blog.pk), headers={"if-none-match": etag})
    assert again.status_code == 304
    make_entry(blog, status=EntryStatus.DRAFT, headline="A colleague's draft")
    changed = editor_client.get(url("_stream", blog.pk), headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "A colleague&#x27;s draft" in changed.content.decode()


def test_older_pages_follow_the_readers_order(editor_client, blog, settings):
    settings.LIVEBLOG_PAGE_SIZE = 2
    start = timezone.now() - datetime.timedelta(hours=1)
    for n in range(5):
        make_entry(blog, headline=f"Entry {n}", published_at=start + datetime.timedelta(minutes=n))
    first = editor_client.get(url("_stream", blog.pk)).content.decode()
    assert "Entry 4" in first and "Entry 3" in first and "Entry 2" not in first
    more = first.split('data-more-url="')[1].split('"')[0].replace("&amp;", "&")
    second = editor_client.get(more).content.decode()
    assert "Entry 2" in second and "Entry 1" in second and "Entry 4" not in second
    assert editor_client.get(url("_stream", blog.pk), {"before": "x.y"}).status_code == 404


def make_many(blog, count: int) -> None:
    """`count` published entries with a time, a draft and a scheduled one, written in bulk."""
    start = timezone.now() - datetime.timedelta(days=30)
    rows = []
    for n in range(count):
        moment = start + datetime.timedelta(minutes=n)
        rows.append(
            Entry(
                blog=blog,
                headline=f"Entry {n}",
                body="Text.",
                body_blocks=body.parse("Text."),
                status=EntryStatus.PUBLISHED,
                published_at=moment,
                sort_key=sort_key_for(moment, 0),
            )
        )
    Entry.objects.bulk_create(rows, batch_size=500)
    make_entry(blog, status=EntryStatus.DRAFT)
    make_entry(blog, published_at=timezone.now() + datetime.timedelta(days=1))


@pytest.mark.parametrize("count", [20, 5000])
def test_the_desk_runs_the_same_queries_for_20_and_5000_entries(
    editor_client, blog, count, django_assert_num_queries
):
    make_many(blog, count)
    editor_client.get(url("", blog.pk))  # the session and permissions are warm either way
    # session, user, the user's and the group's permissions (2), blog with its state,
    # co-author choices, entries waiting for approval, other waiting entries, one page of the
    # stream, captions+images, authors, corrections: 12. The stream's ETag is the blog state's
    # version, read with the blog (it used to cost a count of every entry). A newsroom editor's
    # rights come with the permissions: no team roles are read.
    with django_assert_num_queries(12):
        response = editor_client.get(url("", blog.pk))
    assert response.status_code == 200
    # The poll: the same minus the co-author choices; a 304 costs no query of its own.
    with django_assert_num_queries(11):
        poll = editor_client.get(url("_stream", blog.pk))
    with django_assert_num_queries(5):
        again = editor_client.get(url("_stream", blog.pk), headers={"if-none-match": poll["ETag"]})
    assert again.status_code == 304


# --- editing in place ---------------------------------------------------------------------------


def test_edit_in_place_saves_with_the_version_check(editor_client, blog):
    entry = make_entry(blog, headline="Typo hedline", body="Text.")
    loaded = editor_client.get(url("_entry", blog.pk, entry.pk)).json()
    assert loaded["headline"] == "Typo hedline"
    response = editor_client.post(
        url("_entry", blog.pk, entry.pk),
        {"headline": "Typo headline", "body": "Text.", "loaded_version": loaded["version"]},
    )
    assert response.status_code == 200, response.content
    entry.refresh_from_db()
    assert entry.headline == "Typo headline" and entry.version == loaded["version"] + 1


def test_a_conflict_returns_both_versions_and_saves_nothing(editor_client, blog, other_editor):
    entry = make_entry(blog, headline="First", body="Original.")
    version = entry.version
    entry.headline = "Theirs"
    entry._history_user = other_editor
    entry.save(update_fields=["headline"])  # a colleague saved meanwhile
    response = editor_client.post(
        url("_entry", blog.pk, entry.pk),
        {"headline": "Mine", "body": "My text.", "loaded_version": version},
    )
    assert response.status_code == 409
    data = response.json()
    assert data["conflict"] is True
    # The banner names who saved theirs (desk.js fills the sentence with it).
    assert data["who"] == "Olena Koval"
    assert data["theirs"]["headline"] == "Theirs" and data["mine"]["headline"] == "Mine"
    entry.refresh_from_db()
    assert entry.headline == "Theirs"
    # Knowingly saving over theirs (or a merge) names their version.
    again = editor_client.post(
        url("_entry", blog.pk, entry.pk),
        {"headline": "Merged", "body": "My text.", "loaded_version": data["theirs"]["version"]},
    )
    assert again.status_code == 200
    entry.refresh_from_db()
    assert entry.headline == "Merged"


@pytest.mark.parametrize(
    "fields",
    [
        {"headline": "x", "body": "y"},
        {"headline": "x", "body": "y", "loaded_version": "abc"},
        {"headline": "", "body": "y", "loaded_version": "1"},
    ],
)
def test_bad_edits_are_refused_naming_the_field(editor_client, blog, fields):
    entry = make_entry(blog, headline="Keep")
    response = editor_client.post(url("_entry", blog.pk, entry.pk), fields)
    assert response.status_code == 400
    assert response.json()["errors"]
    entry.refresh_from_db()
    assert entry.headline == "Keep"


def test_entries_of_another_blog_are_not_found(editor_client, blog):
    elsewhere = make_entry(make_blog())
    assert editor_client.get(url("_entry", blog.pk, elsewhere.pk)).status_code == 404
    assert editor_client.post(url("_verb", blog.pk, elsewhere.pk, "pin")).status_code == 404


# --- presence -----------------------------------------------------------------------------------


def test_presence_shows_who_is_editing_to_the_others(client, editor, other_editor, blog):
    entry = make_entry(blog, headline="Shared")
    client.force_login(other_editor)
    client.get(url("_entry", blog.pk, entry.pk))
    client.force_login(editor)
    html = client.get(url("_stream", blog.pk)).content.decode()
    assert "Olena Koval is editing this entry" in html
    # Not to themselves.
    client.force_login(other_editor)
    assert "is editing this entry" not in client.get(url("_stream", blog.pk)).content.decode()
    # Released on close; never in the way of a save meanwhile.
    client.post(url("_presence", blog.pk, entry.pk), {"release": "1"})
    client.force_login(editor)
    assert "is editing" not in client.get(url("_stream", blog.pk)).content.decode()


def test_presence_times_out(blog, editor, settings, time_machine):
    settings.LIVEBLOG_DESK_PRESENCE_SECONDS = 30
    time_machine.move_to(timezone.now(), tick=False)
    presence.hold(blog.pk, 7, editor)
    assert presence.editors(blog.pk) == {7: ["Eda"]}
    time_machine.shift(datetime.timedelta(seconds=31))
    assert presence.editors(blog.pk) == {}


def test_presence_never_blocks_saving(client, editor, other_editor, blog):
    entry = make_entry(blog, headline="Held")
    client.force_login(other_editor)
    client.get(url("_entry", blog.pk, entry.pk))
    client.force_login(editor)
    response = client.post(
        url("_entry", blog.pk, entry.pk),
        {"headline": "Saved anyway", "body": "", "loaded_version": entry.version},
    )
    assert response.status_code == 200


# --- one click each -----------------------------------------------------------------------------


def test_pin_key_event_unpublish_and_delete_go_through_the_verbs(editor_client, blog):
    entry = make_entry(blog)
    other = make_entry(blog, is_pinned=True)
    assert editor_client.post(url("_verb", blog.pk, entry.pk, "pin")).status_code == 200
    entry.refresh_from_db()
    other.refresh_from_db()
    assert entry.is_pinned and not other.is_pinned
    editor_client.post(url("_verb", blog.pk, entry.pk, "unpin"))
    editor_client.post(url("_verb", blog.pk, entry.pk, "key-event"))
    entry.refresh_from_db()
    assert not entry.is_pinned and entry.is_key_event
    editor_client.post(url("_verb", blog.pk, entry.pk, "not-key-event"))
    editor_client.post(url("_verb", blog.pk, entry.pk, "unpublish"))
    entry.refresh_from_db()
    assert not entry.is_key_event and entry.status == EntryStatus.DRAFT
    assert entry.history.first().history_change_reason == "Unpublished (live desk)."
    editor_client.post(url("_verb", blog.pk, entry.pk, "publish"))
    entry.refresh_from_db()
    assert entry.is_visible
    assert editor_client.post(url("_verb", blog.pk, entry.pk, "delete")).status_code == 200
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert blog.changes.filter(entry_id=entry.pk, kind=ChangeKind.REMOVED).exists()


def test_unknown_verbs_and_get_requests_are_refused(editor_client, blog):
    entry = make_entry(blog)
    assert editor_client.post(url("_verb", blog.pk, entry.pk, "explode")).status_code == 404
    assert editor_client.get(url("_verb", blog.pk, entry.pk, "pin")).status_code == 405


def test_deleting_needs_the_delete_permission(client, blog, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("changer", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["change_entry", "view_entry", "add_entry"])
    )
    client.force_login(user)
    entry = make_entry(blog)
    assert client.post(url("_verb", blog.pk, entry.pk, "delete")).status_code == 403
    assert client.post(url("_verb", blog.pk, entry.pk, "pin")).status_code == 200
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_full_names_of_users_without_one_fall_back_to_the_username(blog):
    user = User.objects.create_user("nameless", is_staff=True)
    presence.hold(blog.pk, 1, user)
    assert presence.editors(blog.pk) == {1: ["nameless"]}


def test_the_entry_forms_authors_are_a_compact_list_by_full_name(editor_client, other_editor):
    page = editor_client.get(reverse("admin:liveblog_entry_add")).content.decode()
    assert "Olena Koval" in page
    assert 'class="lb-authors"' in page and "selectfilter" not in page.lower()


def test_a_scheduled_entry_that_fell_due_shows_as_published(editor_client, blog, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    entry = make_entry(blog, headline="Due soon")
    entry.schedule(timezone.now() + datetime.timedelta(minutes=5))
    html = editor_client.get(url("_stream", blog.pk)).content.decode()
    assert html.index("Due soon") < html.index("As readers see it")
    time_machine.shift(datetime.timedelta(minutes=6))
    html = editor_client.get(url("_stream", blog.pk)).content.decode()
    assert html.index("As readers see it") < html.index("Due soon")
    entry.refresh_from_db()
    assert entry.revision and not entry.is_scheduled


def test_the_entry_forms_live_preview_renders_the_whole_grammar(client, editor, blog):
    preview = reverse("admin:liveblog_entry_preview")
    assert client.post(preview, {"body": "x"}).status_code == 302  # to the login page
    client.force_login(User.objects.create_user("plain-staff", is_staff=True))
    assert client.post(preview, {"body": "x"}).status_code == 403
    client.force_login(editor)
    assert client.get(preview).status_code == 405
    html = client.post(
        preview,
        {"body": "A *b* [c](javascript:x)\n\n> Said.\n> — Her\n\nhttps://vimeo.com/76979871"},
    ).content.decode()
    assert "<em>b</em>" in html and "javascript" not in html
    assert "<blockquote" in html and "data-embed-load" in html
    assert "lb-body-preview-url" in client.get(reverse("admin:liveblog_entry_add")).content.decode()


def test_a_long_headline_is_refused_saying_how_long_not_cut_by_the_browser(editor_client, blog):
    page = editor_client.get(url("", blog.pk)).content.decode()
    headline_input = re.search(r'<input type="text" name="headline"[^>]*>', page)[0]
    assert "maxlength" not in headline_input  # a browser would cut a pasted headline silently

    response = editor_client.post(
        url("_post", blog.pk), {"action": "publish", "headline": "x" * 312}
    )

    assert response.status_code == 400
    assert "at most 300 characters (it has 312)" in response.json()["errors"]["headline"][0]


# --- corrections from the desk, and the full form one click away ------------------------------


def test_a_public_correction_from_the_in_place_editor(editor_client, editor, blog):
    entry = make_entry(blog, headline="Two dead", body="Text.")
    loaded = editor_client.get(url("_entry", blog.pk, entry.pk)).json()
    assert loaded["may_correct"] is True
    assert loaded["form_url"] == f"/admin/liveblog/entry/{entry.pk}/change/?_desk=1"
    response = editor_client.post(
        url("_entry", blog.pk, entry.pk),
        {
            "headline": "Three dead",
            "body": "Text.",
            "loaded_version": loaded["version"],
            "correction": "An earlier version gave the wrong number of victims.",
            "verification_note": "",
        },
    )
    assert response.status_code == 200, response.content
    entry.refresh_from_db()
    correction = entry.corrections.get()
    assert (entry.headline, correction.author) == ("Three dead", editor)
    page = editor_client.get(f"/{blog.slug}/entries/{entry.pk}/").content.decode()
    assert "An earlier version gave the wrong number of victims." in page
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    refused = editor_client.post(
        url("_entry", blog.pk, draft.pk),
        {"headline": "x", "body": "", "loaded_version": draft.version, "correction": "No."},
    )
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"correction"}
    assert not draft.corrections.exists()


def test_the_full_form_opened_from_the_desk_returns_to_it(editor_client, blog):
    entry = make_entry(blog, headline="Old")
    change = reverse("admin:liveblog_entry_change", args=[entry.pk]) + "?_desk=1"
    form = editor_client.get(change).context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
        if name not in ("authors", "published_at")
    }
    when = entry.published_at.astimezone(blog.zone)
    data.update(
        {
            "headline": "New",
            "published_at_0": when.strftime("%Y-%m-%d"),
            "published_at_1": when.strftime("%H:%M:%S"),
            "captions-TOTAL_FORMS": 0,
            "captions-INITIAL_FORMS": 0,
            "corrections-TOTAL_FORMS": 0,
            "corrections-INITIAL_FORMS": 0,
        }
    )
    saved = editor_client.post(change, data)
    assert saved.status_code == 302
    assert saved["Location"] == url("", blog.pk) + f"#desk-entry-{entry.pk}"
