"""Reading blogs, entries, images and captions through the API, with every filter."""

import datetime as dt

import pytest
from django.utils import timezone

from liveblog.models import BlogStatus, EntryStatus
from tests.factories import (
    image_upload,
    make_blog,
    make_caption,
    make_entry,
    make_image,
    make_untimed_entry,
)

pytestmark = pytest.mark.django_db


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_blog_list_shows_public_blogs_with_counts(api_client):
    blog = make_blog(title="Election night", status=BlogStatus.LIVE)
    make_entry(blog)
    make_entry(blog, is_key_event=True)
    make_entry(blog, status=EntryStatus.DRAFT, is_key_event=True)
    make_blog(status=BlogStatus.DRAFT)

    (item,) = results(api_client.get("/api/blogs/"))

    assert item["slug"] == blog.slug
    assert item["entry_count"] == 2
    assert item["key_event_count"] == 1
    assert item["url"] == f"http://testserver/{blog.slug}/"
    assert item["entries_url"] == f"http://testserver/api/blogs/{blog.slug}/entries/"


def test_blog_detail_has_what_the_reader_page_shows(api_client):
    blog = make_blog(
        key_points=["One", "Two"],
        intro="First paragraph.\n\nSecond paragraph.",
        closed_notice="This blog is closed.",
        attribution="Agencies",
        status=BlogStatus.CLOSED,
    )
    make_caption(blog=blog, text="The scene", image=make_image(alt_text="A square", credit="AP"))

    data = api_client.get(f"/api/blogs/{blog.slug}/").json()

    assert data["key_points"] == ["One", "Two"]
    assert data["intro_paragraphs"] == ["First paragraph.", "Second paragraph."]
    assert data["closed_notice"] == "This blog is closed."
    assert data["attribution"] == "Agencies"
    assert data["hero"]["caption"] == "The scene"
    assert data["hero"]["image"]["alt_text"] == "A square"
    assert data["hero"]["image"]["credit"] == "AP"
    assert data["hero"]["image"]["file"] is None
    blog.refresh_from_db()
    assert data["revision"] == blog.revision
    assert data["changed_at"] == blog.changed_at.isoformat().replace("+00:00", "Z")


def test_draft_blog_is_404_for_anonymous_and_visible_to_editor(api_client, api_editor_client):
    blog = make_blog(status=BlogStatus.DRAFT)
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/blogs/{blog.slug}/").status_code == 404
    assert api_editor_client.get(f"/api/blogs/{blog.slug}/").json()["status"] == "draft"


def test_blog_filters(api_client):
    make_blog(title="Storm warning", status=BlogStatus.LIVE, coverage_date=dt.date(2024, 1, 5))
    make_blog(title="Budget day", status=BlogStatus.CLOSED, coverage_date=dt.date(2024, 3, 1))

    def titles(query):
        return [item["title"] for item in results(api_client.get("/api/blogs/" + query))]

    assert titles("?status=closed") == ["Budget day"]
    assert titles("?coverage_date_after=2024-02-01") == ["Budget day"]
    assert titles("?coverage_date_before=2024-02-01") == ["Storm warning"]
    assert titles("?q=storm") == ["Storm warning"]
    assert titles("?ordering=title") == ["Budget day", "Storm warning"]
    assert titles("?ordering=-title") == ["Storm warning", "Budget day"]


@pytest.mark.parametrize(
    "query",
    [
        "?status=nonsense",
        "?coverage_date_after=yesterday",
        "?ordering=password",
        "?page_size=0",
        "?page_size=101",
        "?page_size=ten",
        # Digits to str.isdigit() but not to int(): these were 500s.
        "?page_size=%C2%B2",
        "?page_size=%D9%A1",
        "?page=abc",
        "?page=0",
        "?page=%C2%B2",
    ],
)
def test_bad_blog_filter_values_are_400_with_the_error_body(api_client, query):
    make_blog()
    response = api_client.get("/api/blogs/" + query)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid"
    assert body["errors"]


def test_a_page_past_the_last_is_404(api_client):
    make_blog()
    response = api_client.get("/api/blogs/?page=99999999999999999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_blog_ordering_breaks_ties_by_newest_id(api_client):
    """Equal sort values keep one order, so page-number pages neither repeat nor skip a blog."""
    same = [make_blog(title="Same", coverage_date=dt.date(2024, 1, 1)) for _ in range(4)]
    newest_first = [blog.slug for blog in reversed(same)]

    for ordering in ("title", "-title", "coverage_date", "-coverage_date"):
        pages = [
            results(api_client.get(f"/api/blogs/?ordering={ordering}&page_size=1&page={n}"))
            for n in range(1, 5)
        ]
        assert [page[0]["slug"] for page in pages] == newest_first, ordering


def test_entries_newest_first_with_blocks_and_images(api_client):
    blog = make_blog()
    older = make_entry(blog, headline="Older")
    newer = make_entry(
        blog,
        headline="Newer",
        body="Intro.\n\n- one\n- two\n\n[Read more](https://example.com/)\n\n[interactive: Map]",
    )
    make_caption(entry=newer, position=1, text="Crowds", image=make_image(alt_text="People"))
    make_entry(blog, status=EntryStatus.DRAFT)

    items = results(api_client.get(f"/api/blogs/{blog.slug}/entries/"))

    assert [item["id"] for item in items] == [newer.pk, older.pk]
    blocks = items[0]["blocks"]
    assert [block["type"] for block in blocks] == [
        "paragraph",
        "image",
        "list",
        "link",
        "interactive",
    ]
    image = blocks[1]
    assert image["caption"] == "Crowds"
    assert image["alt"] == "People"
    assert image["image"]["alt_text"] == "People"
    assert image["image"]["renditions"] == []
    assert blocks[3] == {"type": "link", "text": "Read more", "url": "https://example.com/"}


def test_entry_with_file_has_file_and_rendition_urls(api_client, media_root):
    image = make_image(file=image_upload("pic.png", 800, 400))
    entry = make_entry(make_blog())
    make_caption(entry=entry, image=image)

    data = api_client.get(f"/api/entries/{entry.pk}/").json()

    picture = data["blocks"][0]["image"]
    assert picture["file"].startswith("http://testserver/media/images/")
    assert (picture["width"], picture["height"]) == (800, 400)
    assert [r["width"] for r in picture["renditions"]] == [320, 640, 800]
    assert all(
        r["url"].startswith("http://testserver/media/renditions/") for r in picture["renditions"]
    )


def test_entries_paginate_with_a_cursor(api_client):
    blog = make_blog()
    entries = [make_entry(blog) for _ in range(5)]

    first = api_client.get(f"/api/blogs/{blog.slug}/entries/?page_size=2").json()
    second = api_client.get(first["next"]).json()

    assert [e["id"] for e in first["results"]] == [entries[4].pk, entries[3].pk]
    assert [e["id"] for e in second["results"]] == [entries[2].pk, entries[1].pk]
    assert first["has_more"] is True
    assert first["removed"] == []
    blog.refresh_from_db()
    assert first["since"] == blog.revision


def test_entry_filters(api_client):
    blog = make_blog()
    key = make_entry(blog, headline="Polls close", is_key_event=True)
    pinned = make_entry(blog, headline="Welcome", is_pinned=True)
    plain = make_entry(blog, headline="Turnout high", body="Queues in the rain.")

    def ids(query):
        return [e["id"] for e in results(api_client.get(f"/api/blogs/{blog.slug}/entries/{query}"))]

    assert ids("?key_event=true") == [key.pk]
    assert ids("?key_event=false") == [plain.pk, pinned.pk]
    assert ids("?pinned=true") == [pinned.pk]
    assert ids("?q=rain") == [plain.pk]
    assert ids("?q=polls") == [key.pk]


@pytest.mark.parametrize(
    "query",
    [
        "?key_event=maybe",
        "?pinned=2",
        "?cursor=garbage",
        "?cursor=cD1hYmM=",
        "?since=x",
        "?since=-1",
        # Superscript two: a digit to str.isdigit(), a ValueError (500) to int().
        "?since=%C2%B2",
        "?page_size=%C2%B2",
    ],
)
def test_bad_entry_parameters_are_400(api_client, query):
    blog = make_blog()
    make_entry(blog)
    response = api_client.get(f"/api/blogs/{blog.slug}/entries/{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_entry_detail_hides_drafts_scheduled_and_draft_blogs(api_client):
    blog = make_blog()
    visible = make_entry(blog)
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    scheduled = make_entry(blog, published_at=timezone.now() + dt.timedelta(hours=1))
    in_draft_blog = make_entry(make_blog(status=BlogStatus.DRAFT))

    assert api_client.get(f"/api/entries/{visible.pk}/").status_code == 200
    for entry in (draft, scheduled, in_draft_blog):
        response = api_client.get(f"/api/entries/{entry.pk}/")
        assert response.status_code == 404
        assert response.json() == {
            "status": 404,
            "code": "not_found",
            "detail": response.json()["detail"],
            "errors": {},
        }


def test_entry_keeps_a_missing_time_null(api_client):
    entry = make_untimed_entry(make_blog(), order=1)
    assert api_client.get(f"/api/entries/{entry.pk}/").json()["published_at"] is None


def test_image_list_filters(api_client, media_root):
    blog, other = make_blog(slug="storm"), make_blog(slug="budget")
    archive = make_image(alt_text="Old harbour", credit="Getty", is_file_photo=True)
    uploaded = make_image(alt_text="Flooded road", credit="AP", file=image_upload("a.png", 10, 10))
    elsewhere = make_image(alt_text="Treasury", credit="AP")
    make_caption(entry=make_entry(blog), image=archive)
    make_caption(entry=make_entry(blog), image=uploaded)
    make_caption(blog=other, image=elsewhere)

    def ids(query):
        return {i["id"] for i in results(api_client.get("/api/images/" + query))}

    assert ids("") == {archive.pk, uploaded.pk, elsewhere.pk}
    assert ids("?credit=ap") == {uploaded.pk, elsewhere.pk}
    assert ids("?file_photo=true") == {archive.pk}
    assert ids("?has_file=true") == {uploaded.pk}
    assert ids("?has_file=false") == {archive.pk, elsewhere.pk}
    assert ids("?blog=storm") == {archive.pk, uploaded.pk}
    assert ids("?blog=nowhere") == set()
    assert ids("?q=harbour") == {archive.pk}
    assert api_client.get(f"/api/images/{uploaded.pk}/").json()["has_file"] is True
    assert api_client.get("/api/images/?has_file=perhaps").status_code == 400


def test_images_only_in_unpublished_content_are_hidden(api_client, api_editor_client):
    blog = make_blog()
    in_draft_entry = make_image()
    make_caption(entry=make_entry(blog, status=EntryStatus.DRAFT), image=in_draft_entry)
    unused = make_image()
    from rest_framework.test import APIClient

    anonymous = APIClient()
    assert results(anonymous.get("/api/images/")) == []
    assert anonymous.get(f"/api/images/{in_draft_entry.pk}/").status_code == 404
    assert anonymous.get(f"/api/images/{unused.pk}/").status_code == 404
    editor_ids = {i["id"] for i in results(api_editor_client.get("/api/images/"))}
    assert editor_ids == {in_draft_entry.pk, unused.pk}


def test_caption_list_and_filters(api_client):
    blog = make_blog(slug="storm")
    entry = make_entry(blog)
    hero = make_caption(blog=blog)
    placed = make_caption(entry=entry)
    make_caption(entry=make_entry(blog, status=EntryStatus.DRAFT))

    def ids(query):
        return {c["id"] for c in results(api_client.get("/api/captions/" + query))}

    assert ids("") == {hero.pk, placed.pk}
    assert ids("?hero=true") == {hero.pk}
    assert ids(f"?entry={entry.pk}") == {placed.pk}
    assert ids("?blog=storm") == {hero.pk, placed.pk}
    assert api_client.get("/api/captions/?entry=abc").status_code == 400
    # Past any id column's range: no such entry, not an OverflowError (500) on SQLite.
    assert ids("?entry=99999999999999999999") == set()


def test_version_travels_in_the_accept_header(api_client):
    make_blog()
    ok = api_client.get("/api/blogs/", HTTP_ACCEPT="application/json; version=1")
    assert ok.status_code == 200
    refused = api_client.get("/api/blogs/", HTTP_ACCEPT="application/json; version=9")
    assert refused.status_code == 406
    assert refused.json()["code"] == "not_acceptable"


def test_anonymous_callers_are_throttled(api_client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.LIVEBLOG_API_ANON_RATE = "3/minute"
    codes = [api_client.get("/api/blogs/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_polls_answered_from_the_response_cache_are_throttled_too(api_client, settings):
    """The blog's entries are cached for anonymous callers in front of DRF: pollers still count."""
    from django.core.cache import cache

    cache.clear()
    blog = make_blog()
    make_entry(blog)
    settings.LIVEBLOG_API_ANON_RATE = "3/minute"
    url = f"/api/blogs/{blog.slug}/entries/"
    responses = [api_client.get(url) for _ in range(4)]

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    refused = responses[-1]
    assert refused.json()["code"] == "throttled"
    assert set(refused.json()) == {"status", "code", "detail", "errors"}
    assert int(refused["Retry-After"]) > 0
    # Counted once each, cache miss or hit: the fourth call of any kind is refused.
    assert api_client.get("/api/blogs/").status_code == 429
    cache.clear()


def test_throttle_counts_a_cache_miss_once(api_client, settings):
    from django.core.cache import cache

    cache.clear()
    blog = make_blog()
    settings.LIVEBLOG_API_ANON_RATE = "2/minute"
    # Two different URLs: both miss the response cache and run the whole view.
    assert api_client.get(f"/api/blogs/{blog.slug}/entries/").status_code == 200
    assert api_client.get(f"/api/blogs/{blog.slug}/entries/?page_size=1").status_code == 200
    assert api_client.get("/api/blogs/").status_code == 429
    cache.clear()


@pytest.mark.parametrize("url", ["/api/blogs/", "/api/blogs/{slug}/entries/", "/api/images/"])
def test_too_many_query_parameters_is_400_in_the_error_shape(api_client, settings, url):
    blog = make_blog()
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    query = "&".join(f"x{n}=1" for n in range(6))
    response = api_client.get(url.format(slug=blog.slug) + "?" + query)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "bad_request",
        "detail": "Too many query or form parameters.",
        "errors": {},
    }


def test_cors_headers_for_read_endpoints_when_configured(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]
    response = api_client.get("/api/blogs/", HTTP_ORIGIN="https://partner.example")
    assert response["Access-Control-Allow-Origin"] == "https://partner.example"
    other = api_client.get("/api/blogs/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other


def test_cors_lets_partners_send_and_read_validators(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]
    preflight = api_client.options(
        "/api/entries/1/",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-match, authorization",
    )
    allowed = preflight["Access-Control-Allow-Headers"]
    assert "if-match" in allowed and "if-none-match" in allowed
    response = api_client.get("/api/blogs/", HTTP_ORIGIN="https://partner.example")
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_an_unhandled_error_is_answered_in_the_api_error_shape(monkeypatch, db):
    from django.test import Client

    from liveblog.api.views import BlogViewSet

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(BlogViewSet, "list", broken)
    response = Client(raise_request_exception=False).get("/api/blogs/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert response.json()["status"] == 500
