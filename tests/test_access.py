"""Who may read and write what: every kind of URL of the site, the API and the admin, for each
kind of caller. Unpublished content reaches Editors and superusers only; staff status alone
shows nothing more than readers see."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from liveblog.freshness import entry_etag
from liveblog.models import BlogStatus, EntryStatus
from tests.factories import make_blog, make_caption, make_entry

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "staff", "editor", "superuser"]
SEES_DRAFTS = {"editor", "superuser"}


@pytest.fixture
def content():
    live = make_blog(slug="live-blog")
    public_entry = make_entry(live, headline="Public entry")
    draft_entry = make_entry(live, headline="Draft entry", status=EntryStatus.DRAFT)
    scheduled = make_entry(
        live, headline="Scheduled entry", published_at=timezone.now() + dt.timedelta(hours=1)
    )
    make_caption(entry=public_entry)
    hidden_caption = make_caption(entry=draft_entry)
    draft_blog = make_blog(slug="draft-blog", status=BlogStatus.DRAFT)
    make_entry(draft_blog, headline="Entry of a draft blog")
    return {
        "live": live,
        "public": public_entry,
        "draft": draft_entry,
        "scheduled": scheduled,
        "hidden_caption": hidden_caption,
        "draft_blog": draft_blog,
    }


def client_for(role: str) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    user = User.objects.create_user(
        f"user-{role}",
        password="pw",
        is_staff=role in {"staff", "editor", "superuser"},
        is_superuser=role == "superuser",
    )
    if role == "editor":
        user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_reading_the_site_and_the_api(role, content):
    client = client_for(role)
    draft, scheduled = content["draft"], content["scheduled"]
    sees = role in SEES_DRAFTS
    expected = {
        "/": 200,
        "/search/?q=entry": 200,
        "/sitemap.xml": 200,
        "/live-blog/": 200,
        "/live-blog/live/": 200,
        "/live-blog/live/changes/?since=0": 200,
        "/live-blog/feed/": 200,
        f"/live-blog/entries/{content['public'].pk}/": 200,
        f"/live-blog/entries/{draft.pk}/": 404,  # previews show due entries only
        "/draft-blog/": 200 if sees else 404,
        "/draft-blog/live/": 404,  # pollers never see a draft blog
        "/draft-blog/feed/": 404,
        "/api/blogs/": 200,
        "/api/blogs/live-blog/": 200,
        "/api/blogs/draft-blog/": 200 if sees else 404,
        "/api/blogs/draft-blog/entries/": 200 if sees else 404,
        f"/api/entries/{content['public'].pk}/": 200,
        f"/api/entries/{draft.pk}/": 200 if sees else 404,
        f"/api/entries/{scheduled.pk}/": 200 if sees else 404,
        f"/api/captions/{content['hidden_caption'].pk}/": 200 if sees else 404,
        f"/api/images/{content['hidden_caption'].image_id}/": 200 if sees else 404,
    }
    answers = {url: client.get(url).status_code for url in expected}
    assert answers == expected

    # What lists and pages show of unpublished content.
    texts = [
        client.get(url).content.decode()
        for url in (
            "/",
            "/live-blog/",
            "/search/?q=entry",
            "/sitemap.xml",
            "/live-blog/feed/",
            "/live-blog/live/changes/?since=0",
            "/api/blogs/live-blog/entries/",
            "/api/blogs/",
        )
    ]
    public_only = texts[:6]
    assert not any("Draft entry" in t or "Scheduled entry" in t for t in public_only)
    assert not any("draft-blog" in t and "Entry of a draft blog" in t for t in public_only)
    api_entries, api_blogs = texts[6], texts[7]
    assert ("Draft entry" in api_entries) == sees
    assert ("draft-blog" in api_blogs) == sees


@pytest.mark.parametrize("role", ROLES)
def test_writing_through_the_api(role, content):
    client = client_for(role)
    public = content["public"]
    public.refresh_from_db()  # its caption moved its version on
    may_edit = role in SEES_DRAFTS  # Editors and superusers hold the model permissions
    denied = 401 if role == "anonymous" else 403

    created = client.post(
        "/api/blogs/live-blog/entries/", {"headline": "New"}, content_type="application/json"
    )
    patched = client.patch(
        f"/api/entries/{public.pk}/",
        {"headline": "Changed"},
        content_type="application/json",
        HTTP_IF_MATCH=entry_etag(public),
    )
    new_blog = client.post(
        "/api/blogs/", {"title": "T", "slug": "t-blog"}, content_type="application/json"
    )
    blog_deleted = client.delete("/api/blogs/draft-blog/")

    assert created.status_code == (201 if may_edit else denied)
    assert patched.status_code == (200 if may_edit else denied)
    assert new_blog.status_code == (201 if may_edit else denied)
    # Editors close blogs rather than delete them: only superusers may.
    assert (
        blog_deleted.status_code
        == {
            "anonymous": 401,
            "reader": 403,
            "staff": 403,
            "editor": 403,
            "superuser": 204,
        }[role]
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_admin(role, content):
    client = client_for(role)
    pages = [
        "/admin/liveblog/blog/",
        "/admin/liveblog/entry/",
        "/admin/liveblog/image/",
        "/admin/liveblog/caption/",
        f"/admin/liveblog/entry/{content['draft'].pk}/change/",
        f"/admin/liveblog/entry/{content['draft'].pk}/history/",
    ]
    answers = [client.get(page).status_code for page in pages]
    if role in {"anonymous", "reader"}:
        assert all(code == 302 for code in answers)  # to the login page
    elif role == "staff":
        assert all(code == 403 for code in answers)
    else:
        assert all(code == 200 for code in answers)
    users = client.get("/admin/auth/user/").status_code
    assert users == {"anonymous": 302, "reader": 302, "staff": 403, "editor": 403}.get(role, 200)
