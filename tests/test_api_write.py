"""Writing through the API: permissions, validation, uploads and optimistic concurrency."""

import pytest
from rest_framework.test import APIClient

from liveblog.freshness import entry_etag
from liveblog.models import Blog, BlogStatus, Caption, Change, ChangeKind, Entry, EntryStatus, Image
from tests.factories import image_upload, make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db


def test_anonymous_writes_are_401(api_client):
    blog = make_blog()
    entry = make_entry(blog)
    attempts = [
        api_client.post("/api/blogs/", {"title": "T", "slug": "t"}),
        api_client.post(f"/api/blogs/{blog.slug}/entries/", {"headline": "H"}),
        api_client.patch(f"/api/entries/{entry.pk}/", {"headline": "H"}),
        api_client.delete(f"/api/entries/{entry.pk}/"),
        api_client.post("/api/images/", {"alt_text": "A"}),
    ]
    assert [r.status_code for r in attempts] == [401] * 5
    assert attempts[0].json()["code"] == "not_authenticated"
    assert attempts[0]["WWW-Authenticate"] == "Token"


def test_users_without_permissions_are_403(api_reader_client):
    blog = make_blog()
    entry = make_entry(blog)
    attempts = [
        api_reader_client.post("/api/blogs/", {"title": "T", "slug": "t"}),
        api_reader_client.post(f"/api/blogs/{blog.slug}/entries/", {"headline": "H"}),
        api_reader_client.patch(f"/api/entries/{entry.pk}/", {"headline": "H"}),
        api_reader_client.delete(f"/api/entries/{entry.pk}/"),
    ]
    assert [r.status_code for r in attempts] == [403] * 4
    assert attempts[0].json()["code"] == "permission_denied"


def test_users_without_permissions_see_no_drafts(api_reader_client):
    blog = make_blog()
    make_entry(blog, status=EntryStatus.DRAFT)
    make_blog(status=BlogStatus.DRAFT)
    assert len(api_reader_client.get("/api/blogs/").json()["results"]) == 1
    assert api_reader_client.get(f"/api/blogs/{blog.slug}/entries/").json()["results"] == []


def test_editor_creates_a_blog_and_sets_it_live(api_editor_client):
    response = api_editor_client.post(
        "/api/blogs/",
        {"title": "Storm", "slug": "storm", "key_points": ["Winds of 100mph"], "status": "draft"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["key_points"] == ["Winds of 100mph"]
    assert response.json()["entry_count"] == 0

    live = api_editor_client.patch("/api/blogs/storm/", {"status": "live"}, format="json")
    assert live.json()["status"] == "live"
    closed = api_editor_client.patch("/api/blogs/storm/", {"status": "closed"}, format="json")
    assert closed.json()["closed_at"] is not None
    assert closed.json()["revision"] > live.json()["revision"]


def test_blog_validation_errors_name_the_fields(api_editor_client):
    make_blog(slug="taken")
    response = api_editor_client.post(
        "/api/blogs/", {"title": "", "slug": "taken", "time_zone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"title", "slug", "time_zone"}
    assert body["code"] == "invalid"


@pytest.mark.parametrize("slug", ["admin", "api", "search"])
def test_slugs_the_site_uses_are_refused(api_editor_client, slug):
    """A blog at /admin/ or /api/ could never be read: the model refuses it, so must the API."""
    created = api_editor_client.post("/api/blogs/", {"title": "T", "slug": slug}, format="json")
    assert created.status_code == 400
    assert list(created.json()["errors"]) == ["slug"]

    blog = make_blog()
    renamed = api_editor_client.patch(f"/api/blogs/{blog.slug}/", {"slug": slug}, format="json")
    assert renamed.status_code == 400
    assert "slug" in renamed.json()["errors"]
    blog.refresh_from_db()
    assert blog.slug != slug


def test_created_resources_are_located_in_the_api(api_editor_client, media_root):
    """Location names the new API resource, not the reader page in the `url` field."""
    blog = api_editor_client.post("/api/blogs/", {"title": "T", "slug": "t"}, format="json")
    assert blog["Location"] == "http://testserver/api/blogs/t/"

    entry = api_editor_client.post("/api/blogs/t/entries/", {"headline": "H"}, format="json")
    entry_id = entry.json()["id"]
    assert entry["Location"] == f"http://testserver/api/entries/{entry_id}/"
    # The ETag of the new entry is good for an If-Match straight away.
    assert entry["ETag"] == f'"entry-{entry_id}-v{entry.json()["version"]}"'
    edited = api_editor_client.patch(
        entry["Location"], {"headline": "H2"}, format="json", HTTP_IF_MATCH=entry["ETag"]
    )
    assert edited.status_code == 200

    image = api_editor_client.post("/api/images/", {"alt_text": "A", "file": image_upload()})
    image_id = image.json()["id"]
    assert image["Location"] == f"http://testserver/api/images/{image_id}/"

    caption = api_editor_client.post(
        "/api/captions/", {"entry": entry_id, "image": image_id}, format="json"
    )
    assert caption["Location"] == f"http://testserver/api/captions/{caption.json()['id']}/"
    for response in (blog, entry, image, caption):
        assert response.status_code == 201
        assert api_editor_client.get(response["Location"]).status_code == 200


def test_editor_sees_drafts(api_editor_client):
    blog = make_blog(status=BlogStatus.DRAFT)
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    assert [
        e["id"] for e in api_editor_client.get(f"/api/blogs/{blog.slug}/entries/").json()["results"]
    ] == [draft.pk]
    assert api_editor_client.get(f"/api/entries/{draft.pk}/").status_code == 200


def test_editor_adds_an_entry_as_markup(api_editor_client, api_editor):
    blog = make_blog()
    response = api_editor_client.post(
        f"/api/blogs/{blog.slug}/entries/",
        {"headline": "Polls open", "body": "Queues.\n\n- Leeds\n- York", "status": "published"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["blocks"] == [
        {"type": "paragraph", "text": "Queues."},
        {"type": "list", "items": ["Leeds", "York"]},
    ]
    assert data["authors"] == ["Api-Editor"]
    entry = Entry.objects.get(pk=data["id"])
    assert entry.blog == blog
    assert list(entry.authors.all()) == [api_editor]


def test_pinning_through_the_api_unpins_the_other_entry(api_editor_client):
    blog = make_blog()
    first = make_entry(blog, is_pinned=True)
    second = make_entry(blog)
    response = api_editor_client.patch(
        f"/api/entries/{second.pk}/",
        {"is_pinned": True},
        format="json",
        HTTP_IF_MATCH=entry_etag(second),
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_pinned"] is True
    first.refresh_from_db()
    assert first.is_pinned is False


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_write_to_an_entry_deleted_after_it_was_found_is_404(
    api_editor_client, monkeypatch, method
):
    # The entry is found, then deleted by another writer before this one takes the blog's lock:
    # refresh_from_db raised DoesNotExist (a 500). Gone is 404, whatever If-Match says.
    from liveblog.api.views import EntryViewSet

    entry = make_entry(make_blog(), headline="First")
    etag = api_editor_client.get(f"/api/entries/{entry.pk}/")["ETag"]
    found = EntryViewSet.get_object

    def found_then_deleted(self):
        obj = found(self)
        Entry.objects.get(pk=obj.pk).delete()
        return obj

    monkeypatch.setattr(EntryViewSet, "get_object", found_then_deleted)
    response = getattr(api_editor_client, method)(
        f"/api/entries/{entry.pk}/", {"headline": "Second"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # (The 404 rolls back the request's transaction, the simulated delete included: in life
    # the delete is another writer's, already committed.)


def test_update_honours_if_match(api_editor_client):
    entry = make_entry(make_blog(), headline="First")
    etag = api_editor_client.get(f"/api/entries/{entry.pk}/")["ETag"]

    ok = api_editor_client.patch(
        f"/api/entries/{entry.pk}/", {"headline": "Second"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200
    assert ok["ETag"] != etag

    stale = api_editor_client.patch(
        f"/api/entries/{entry.pk}/", {"headline": "Third"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    entry.refresh_from_db()
    assert entry.headline == "Second"

    fresh = api_editor_client.patch(
        f"/api/entries/{entry.pk}/", {"headline": "Third"}, format="json", HTTP_IF_MATCH=ok["ETag"]
    )
    assert fresh.status_code == 200


def test_writes_without_if_match_are_428_and_weak_tags_never_match(api_editor_client):
    # Found on main: PATCH/DELETE without If-Match succeeded, and W/"entry-63-v3" was accepted.
    entry = make_entry(make_blog(), headline="First")
    url = f"/api/entries/{entry.pk}/"
    for write in (
        lambda **h: api_editor_client.patch(url, {"headline": "X"}, format="json", **h),
        lambda **h: api_editor_client.put(url, {"headline": "X"}, format="json", **h),
        lambda **h: api_editor_client.delete(url, **h),
    ):
        missing = write()
        assert missing.status_code == 428
        assert missing.json()["code"] == "precondition_required"
        weak = write(HTTP_IF_MATCH=f"W/{entry_etag(entry)}")
        assert weak.status_code == 412
    entry.refresh_from_db()
    assert (entry.headline, entry.version) == ("First", 1)


def test_delete_honours_if_match_and_records_the_removal(api_editor_client):
    entry = make_entry(make_blog())
    stale = api_editor_client.delete(f"/api/entries/{entry.pk}/", HTTP_IF_MATCH='"entry-0-v0"')
    assert stale.status_code == 412
    gone = api_editor_client.delete(
        f"/api/entries/{entry.pk}/", HTTP_IF_MATCH=f'"entry-{entry.pk}-v{entry.version}"'
    )
    assert gone.status_code == 204
    assert Change.objects.filter(entry_id=entry.pk, kind=ChangeKind.REMOVED).exists()


def test_image_upload_is_validated(api_editor_client, media_root, settings):
    ok = api_editor_client.post(
        "/api/images/",
        {"alt_text": "A red square", "credit": "Us", "file": image_upload(width=64, height=48)},
    )
    assert ok.status_code == 201, ok.content
    assert (ok.json()["width"], ok.json()["height"]) == (64, 48)
    assert ok.json()["file"].startswith("http://testserver/media/images/")

    from django.core.files.uploadedfile import SimpleUploadedFile

    not_a_picture = api_editor_client.post(
        "/api/images/", {"alt_text": "x", "file": SimpleUploadedFile("x.png", b"not an image")}
    )
    assert not_a_picture.status_code == 400
    assert "file" in not_a_picture.json()["errors"]

    settings.LIVEBLOG_MAX_IMAGE_PIXELS = 100
    too_many_pixels = api_editor_client.post(
        "/api/images/", {"alt_text": "x", "file": image_upload()}
    )
    assert too_many_pixels.status_code == 400
    assert "pixels" in too_many_pixels.json()["errors"]["file"][0]

    settings.LIVEBLOG_MAX_IMAGE_BYTES = 10
    too_big = api_editor_client.post("/api/images/", {"alt_text": "x", "file": image_upload()})
    assert too_big.status_code == 400
    assert "bytes" in too_big.json()["errors"]["file"][0]
    assert Image.objects.count() == 1


def test_image_edit_moves_the_entries_showing_it(api_editor_client):
    entry = make_entry(make_blog())
    caption = make_caption(entry=entry)
    entry.refresh_from_db()
    before = entry.revision
    response = api_editor_client.patch(
        f"/api/images/{caption.image_id}/", {"alt_text": "Better"}, format="json"
    )
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.revision > before


def test_deleting_an_image_in_use_is_409(api_editor_client):
    caption = make_caption(entry=make_entry(make_blog()))
    response = api_editor_client.delete(f"/api/images/{caption.image_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    unused = make_image()
    assert api_editor_client.delete(f"/api/images/{unused.pk}/").status_code == 204


def test_captions_are_written_and_validated(api_editor_client):
    blog, other = make_blog(), make_blog()
    entry = make_entry(blog)
    image = make_image()
    created = api_editor_client.post(
        "/api/captions/",
        {"entry": entry.pk, "image": image.pk, "text": "Crowds", "position": 0},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["blog"] == blog.slug
    assert (
        api_editor_client.get(f"/api/entries/{entry.pk}/").json()["blocks"][0]["caption"]
        == "Crowds"
    )

    wrong_blog = api_editor_client.post(
        "/api/captions/", {"blog": other.slug, "entry": entry.pk, "image": image.pk}, format="json"
    )
    assert wrong_blog.status_code == 400
    assert "entry" in wrong_blog.json()["errors"]

    make_caption(blog=blog)
    second_hero = api_editor_client.post(
        "/api/captions/", {"blog": blog.slug, "image": image.pk}, format="json"
    )
    assert second_hero.status_code == 400
    assert Caption.objects.filter(blog=blog, entry__isnull=True).count() == 1


def test_options_does_not_lock_the_entry(api_editor_client, monkeypatch):
    """OPTIONS looks the object up as if for a PUT, but outside any transaction: a FOR UPDATE
    there is an error on PostgreSQL (a 500). Only the writes, inside theirs, lock the row."""
    from django.db.models import QuerySet

    locks = []
    select_for_update = QuerySet.select_for_update

    def spy(queryset, *args, **kwargs):
        locks.append(queryset.model)
        return select_for_update(queryset, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    entry = make_entry(make_blog())

    options = api_editor_client.options(f"/api/entries/{entry.pk}/")
    assert options.status_code == 200
    assert "PUT" in options.json()["actions"]
    assert locks == []

    api_editor_client.patch(
        f"/api/entries/{entry.pk}/",
        {"headline": "H"},
        format="json",
        HTTP_IF_MATCH=entry_etag(entry),
    )
    # Writers lock the entry's blog: every writer of a blog's entries takes that lock first.
    assert locks and set(locks) == {Blog}


def test_too_large_a_body_is_400_in_the_error_shape(api_editor_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_editor_client.post("/api/images/", {"alt_text": "x" * 2000})
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "bad_request",
        "detail": "The request body is too large: its fields may take 1000\xa0bytes in all, "
        "a picture 50.0\xa0MB.",
        "errors": {},
    }
    assert not Image.objects.exists()


def test_malformed_json_is_400_in_the_error_shape(api_editor_client):
    response = api_editor_client.post("/api/blogs/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_session_authentication_needs_csrf():
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("session-editor", password="pw")
    user.user_permissions.set(Permission.objects.filter(codename="add_blog"))
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/blogs/", {"title": "T", "slug": "t"}, format="json")
    assert response.status_code == 403


def test_publishing_through_the_api_stamps_the_time(api_editor_client):
    # Found on main: `status: published` with no time left published_at empty, so the entry
    # showed no time on the page, in key events or in the feed; publishing a draft later too.
    blog = make_blog()
    url = f"/api/blogs/{blog.slug}/entries/"
    now = api_editor_client.post(url, {"headline": "Now", "status": "published"}, format="json")
    assert now.json()["published_at"] is not None
    draft = api_editor_client.post(url, {"headline": "Later", "status": "draft"}, format="json")
    assert draft.json()["published_at"] is None
    published = api_editor_client.patch(
        draft["Location"], {"status": "published"}, format="json", HTTP_IF_MATCH=draft["ETag"]
    )
    assert published.json()["published_at"] is not None
    assert published.json()["published_at"] >= now.json()["published_at"]


def test_api_writes_are_in_the_history_with_who_and_the_old_values(api_editor_client, api_editor):
    # Found on main: "This object doesn't have a change history" after API writes.
    entry = make_entry(make_blog(), headline="Before")
    response = api_editor_client.patch(
        f"/api/entries/{entry.pk}/",
        {"headline": "After"},
        format="json",
        HTTP_IF_MATCH=entry_etag(entry),
    )
    assert response.status_code == 200
    latest = entry.history.first()
    assert latest.history_user == api_editor
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("headline", "Before", "After")]


def test_an_order_past_the_column_is_refused(api_editor_client):
    # Found on main: order 2147483647 was accepted and every later entry wrapped to negative.
    blog = make_blog()
    response = api_editor_client.post(
        f"/api/blogs/{blog.slug}/entries/", {"headline": "H", "order": 2**31}, format="json"
    )
    assert response.status_code == 400
    assert "order" in response.json()["errors"]


def test_a_blog_status_the_blog_cannot_move_to_is_400(api_editor_client):
    blog = make_blog(slug="over", status=BlogStatus.CLOSED)
    response = api_editor_client.patch("/api/blogs/over/", {"status": "upcoming"}, format="json")
    assert response.status_code == 400
    assert "cannot become upcoming" in str(response.json()["errors"]["status"])
    blog.refresh_from_db()
    assert blog.status == BlogStatus.CLOSED
