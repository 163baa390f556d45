"""Approval: a contributor's entry goes draft -> submitted -> published, or back to draft with
a note; the model's verbs, the API's `status`, and the desk's queue agree, and the history says
who did what."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from liveblog.freshness import entry_etag
from liveblog.models import Entry, EntryStatus
from tests.factories import make_blog, make_entry, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog():
    return make_blog(slug="storm", title="Storm", time_zone="Europe/Berlin")


@pytest.fixture
def carla(blog):
    return make_member(blog, "carla", "contributor", last_name="Ruiz")


@pytest.fixture
def eve(blog):
    return make_member(blog, "eve", "editor", last_name="Stone")


def desk(name: str, blog, *args) -> str:
    return reverse(f"admin:liveblog_blog_desk{name}", args=[blog.pk, *args])


def submitted_by(user, blog, **fields) -> Entry:
    entry = make_entry(blog, status=EntryStatus.DRAFT, **fields)
    entry.authors.add(user)
    entry.submit()
    return entry


def history_of(entry: Entry) -> list[tuple]:
    return list(
        entry.history.order_by("history_id").values_list(
            "status", "history_change_reason", "history_user__username"
        )
    )


# --- the verbs ---------------------------------------------------------------------------------


def test_submit_approve_and_return(blog, carla):
    entry = submitted_by(carla, blog)
    assert entry.status == EntryStatus.SUBMITTED and entry.submitted_at is not None
    assert not Entry.objects.published().filter(pk=entry.pk).exists()
    entry.return_to_author("  Name the source, please.  ")
    entry.refresh_from_db()
    assert (entry.status, entry.return_note) == (EntryStatus.DRAFT, "Name the source, please.")
    entry.submit()
    entry.approve()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED and entry.return_note == ""
    assert Entry.objects.published().filter(pk=entry.pk).exists()


def test_approval_at_a_time_schedules(blog, carla):
    entry = submitted_by(carla, blog)
    later = timezone.now() + datetime.timedelta(hours=2)
    entry.approve(later)
    entry.refresh_from_db()
    assert entry.is_scheduled and entry.published_at == later


@pytest.mark.parametrize(
    ("verb", "field"),
    [
        (lambda e: e.approve(), "status"),  # not submitted
        (lambda e: e.return_to_author("Why"), "status"),
        (lambda e: e.return_to_author("  "), "return_note"),  # no note
    ],
)
def test_verbs_refuse_what_does_not_apply(blog, verb, field):
    entry = make_entry(blog, status=EntryStatus.DRAFT)
    with pytest.raises(ValidationError) as refused:
        verb(entry)
    assert field in refused.value.message_dict


def test_a_published_entry_is_never_submitted_again(blog):
    entry = make_entry(blog)
    entry.status = EntryStatus.SUBMITTED
    with pytest.raises(ValidationError) as refused:
        entry.save()
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError):
        entry.submit()


def test_a_stale_object_approves_what_the_row_says(blog, carla):
    entry = submitted_by(carla, blog)
    stale = Entry.objects.get(pk=entry.pk)
    entry.return_to_author("Not yet.")
    with pytest.raises(ValidationError):
        stale.approve()
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.DRAFT


# --- the API -----------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_contributor_submits_through_the_api_and_may_not_publish(blog, carla):
    client = api(carla)
    created = client.post(
        "/api/blogs/storm/entries/", {"headline": "From the harbour"}, format="json"
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"
    entry = Entry.objects.get()
    submitted = client.patch(
        f"/api/entries/{entry.pk}/",
        {"status": "submitted"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and submitted.json()["submitted_at"]

    published = client.patch(
        f"/api/entries/{entry.pk}/",
        {"status": "published"},
        format="json",
        HTTP_IF_MATCH=submitted["ETag"],
    )
    assert published.status_code == 403
    assert published.json()["errors"] == {"status": [published.json()["detail"]]}
    assert "editor of this blog publishes" in published.json()["detail"]
    straight = client.post(
        "/api/blogs/storm/entries/", {"headline": "x", "status": "published"}, format="json"
    )
    pinned = client.post(
        "/api/blogs/storm/entries/", {"headline": "x", "is_pinned": True}, format="json"
    )
    assert (straight.status_code, pinned.status_code) == (403, 403)
    assert set(pinned.json()["errors"]) == {"is_pinned"}
    assert Entry.objects.count() == 1
    assert Entry.objects.get().status == EntryStatus.SUBMITTED


def test_an_editor_approves_and_returns_through_the_api(blog, carla, eve):
    first = submitted_by(carla, blog)
    second = submitted_by(carla, blog)
    client = api(eve)
    approved = client.patch(
        f"/api/entries/{first.pk}/",
        {"status": "published"},
        format="json",
        HTTP_IF_MATCH=entry_etag(Entry.objects.get(pk=first.pk)),
    )
    returned = client.patch(
        f"/api/entries/{second.pk}/",
        {"status": "draft", "return_note": "Two sources, please."},
        format="json",
        HTTP_IF_MATCH=entry_etag(Entry.objects.get(pk=second.pk)),
    )
    assert approved.status_code == returned.status_code == 200
    assert history_of(first)[-1] == ("published", "Approved and published (API).", "eve")
    assert history_of(second)[-1] == (
        "draft",
        "Returned to the author: Two sources, please. (API).",
        "eve",
    )
    # The contributor reads the note on their entry.
    mine = api(carla).get(f"/api/entries/{second.pk}/").json()
    assert (mine["status"], mine["return_note"]) == ("draft", "Two sources, please.")


def test_a_contributor_never_touches_anothers_entries(blog, carla):
    dana = make_member(blog, "dana")
    theirs = submitted_by(dana, blog, headline="Dana's draft")
    client = api(carla)
    assert client.get(f"/api/entries/{theirs.pk}/").status_code == 404
    listed = client.get("/api/blogs/storm/entries/").content.decode()
    assert "Dana's draft" not in listed
    published = make_entry(blog)
    patched = client.patch(
        f"/api/entries/{published.pk}/",
        {"headline": "Mine now"},
        format="json",
        HTTP_IF_MATCH=entry_etag(published),
    )
    assert patched.status_code == 403


# --- the desk ----------------------------------------------------------------------------------


def test_the_desk_flow_from_contributor_to_readers(client, blog, carla, eve):
    client.force_login(carla)
    posted = client.post(desk("_post", blog), {"action": "submit", "headline": "Boats ashore"})
    assert posted.status_code == 201, posted.content
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.SUBMITTED and list(entry.authors.all()) == [carla]
    for refused_action in ("publish", "schedule"):
        refused = client.post(
            desk("_post", blog),
            {
                "action": refused_action,
                "headline": "x",
                "publish_at": "2099-01-01T10:00",
            },
        )
        assert refused.status_code == 403
        assert "action" in refused.json()["errors"]
    pinned = client.post(
        desk("_post", blog), {"action": "draft", "headline": "x", "is_pinned": "on"}
    )
    assert pinned.status_code == 403 and set(pinned.json()["errors"]) == {"is_pinned"}
    # A contributor's verbs are their own entry's: submit, edit, delete; not publish.
    assert client.post(desk("_verb", blog, entry.pk, "approve")).status_code == 403
    assert (
        client.post(
            desk("_verb", blog, entry.pk, "verify"), {"verification": "confirmed"}
        ).status_code
        == 403
    )

    client.force_login(eve)
    page = client.get(desk("", blog)).content.decode()
    assert 'id="desk-queue-count" aria-live="polite">1<' in page
    assert "Boats ashore" in page
    refused = client.post(desk("_verb", blog, entry.pk, "return"), {"note": " "})
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"return_note"}
    returned = client.post(desk("_verb", blog, entry.pk, "return"), {"note": "Which harbour?"})
    assert returned.status_code == 200

    client.force_login(carla)
    mine = client.get(desk("_stream", blog)).content.decode()
    assert "Which harbour?" in mine and "Returned" in mine
    loaded = client.get(desk("_entry", blog, entry.pk)).json()
    fixed = client.post(
        desk("_entry", blog, entry.pk),
        {"headline": "Boats ashore in Husum", "body": "", "loaded_version": loaded["version"]},
    )
    assert fixed.status_code == 200
    assert client.post(desk("_verb", blog, entry.pk, "submit")).status_code == 200

    client.force_login(eve)
    assert client.post(desk("_verb", blog, entry.pk, "approve")).status_code == 200
    assert client.get(f"/storm/entries/{entry.pk}/").status_code == 200
    assert [row[1:] for row in history_of(entry)] == [
        ("Created and submitted for approval (live desk).", "carla"),
        ("Returned to the author: Which harbour? (live desk).", "eve"),
        ("Changed headline (live desk).", "carla"),
        ("Submitted for approval (live desk).", "carla"),
        ("Approved (live desk).", "eve"),
    ]


def test_an_editor_schedules_or_edits_then_approves_in_one_write(client, blog, carla, eve):
    first = submitted_by(carla, blog)
    second = submitted_by(carla, blog, headline="Typo hedline")
    client.force_login(eve)
    past = client.post(desk("_verb", blog, first.pk, "approve"), {"publish_at": "2001-01-01T10:00"})
    assert past.status_code == 400 and set(past.json()["errors"]) == {"publish_at"}
    later = (timezone.now() + datetime.timedelta(days=1)).astimezone(blog.zone)
    scheduled = client.post(
        desk("_verb", blog, first.pk, "approve"), {"publish_at": later.strftime("%Y-%m-%dT%H:%M")}
    )
    assert scheduled.status_code == 200
    first.refresh_from_db()
    assert first.is_scheduled and first.published_at.astimezone(blog.zone).hour == later.hour
    assert history_of(first)[-1][1] == "Approved and scheduled (live desk)."

    loaded = client.get(desk("_entry", blog, second.pk)).json()
    assert loaded["may_approve"] is True
    rows = second.history.count()
    approved = client.post(
        desk("_entry", blog, second.pk),
        {
            "headline": "Typo headline",
            "body": "Text.",
            "loaded_version": loaded["version"],
            "approve": "1",
        },
    )
    assert approved.status_code == 200, approved.content
    second.refresh_from_db()
    assert (second.headline, second.status) == ("Typo headline", EntryStatus.PUBLISHED)
    assert second.history.count() == rows + 1  # one write, one row
    assert history_of(second)[-1] == (
        "published",
        "Approved and published; changed headline, body (live desk).",
        "eve",
    )


def test_another_contributor_sees_nothing_of_the_first_ones_drafts(client, blog, carla):
    dana = make_member(blog, "dana")
    entry = submitted_by(carla, blog, headline="Carla's scoop")
    client.force_login(dana)
    assert "Carla's scoop" not in client.get(desk("", blog)).content.decode()
    assert client.get(desk("_entry", blog, entry.pk)).status_code == 404
    assert client.post(desk("_verb", blog, entry.pk, "delete")).status_code == 404
    assert client.get(reverse("admin:liveblog_entry_change", args=[entry.pk])).status_code == 302


def test_a_contributor_elsewhere_gets_no_desk(client, blog):
    other = make_blog(slug="other")
    sam = make_member(other, "sam")
    client.force_login(sam)
    assert client.get(desk("", blog)).status_code == 403
    assert client.get(desk("", other)).status_code == 200


def test_the_admin_form_offers_a_contributor_draft_and_submitted_only(client, blog, carla):
    client.force_login(carla)
    page = client.get(reverse("admin:liveblog_entry_add") + f"?blog={blog.pk}")
    assert page.status_code == 200
    choices = [value for value, _ in page.context["adminform"].form.fields["status"].choices]
    assert choices == ["draft", "submitted"]
    assert "is_pinned" not in page.context["adminform"].form.fields
    posted = client.post(
        reverse("admin:liveblog_entry_add") + f"?blog={blog.pk}",
        {
            "blog": blog.pk,
            "headline": "Via the form",
            "body": "",
            "status": "published",
            "order": 0,
            "language": "",
            "captions-TOTAL_FORMS": 0,
            "captions-INITIAL_FORMS": 0,
            "corrections-TOTAL_FORMS": 0,
            "corrections-INITIAL_FORMS": 0,
        },
    )
    assert posted.status_code == 200  # the form again, filled in, with the refusal
    assert "status" in posted.context["adminform"].form.errors
    assert not Entry.objects.exists()


def test_a_contributor_finds_published_pictures_and_their_own_only(client, blog, carla):
    from tests.factories import make_caption, make_image

    secret = make_entry(blog, status=EntryStatus.DRAFT)
    make_caption(entry=secret, image=make_image(alt_text="Harbour secret draft"))
    make_caption(entry=make_entry(blog), image=make_image(alt_text="Harbour at dawn"))
    mine = make_image(alt_text="Harbour by Carla", uploaded_by=carla)
    client.force_login(carla)
    found = client.get(desk("_images", blog), {"q": "harbour"}).json()["results"]
    assert sorted(row["alt"] for row in found) == ["Harbour at dawn", "Harbour by Carla"]
    secret_id = secret.captions.get().image_id
    refused = client.post(
        desk("_post", blog), {"action": "submit", "headline": "x", "existing_image": secret_id}
    )
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"existing_image"}
    placed = client.post(
        desk("_post", blog), {"action": "submit", "headline": "y", "existing_image": mine.pk}
    )
    assert placed.status_code == 201
