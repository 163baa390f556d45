"""Who may read and write what: every kind of URL of the site, the API, the admin and the live
desk, for each kind of caller. Unpublished content reaches only those who may see it: newsroom
editors (the Editors group) and superusers everywhere; on a blog's team, its editors and blog
admins every entry, its contributors their own; staff status alone shows nothing more than
readers see. The one rule behind every answer is liveblog.teams.rules.

The matrix: 9 kinds of caller x (39 addresses read + 18 writes), 513 answers checked, plus
what the lists, feeds and the desk show of unpublished entries."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image as PILImage

from liveblog.freshness import entry_etag
from liveblog.models import BlogStatus, Entry, EntryStatus
from liveblog.teams.models import Membership
from tests.factories import make_blog, make_caption, make_entry

pytestmark = pytest.mark.django_db

# anonymous; signed in without any right ("reader"); staff without any right; a contributor on
# the blog; a contributor on another blog; the blog's editor; the blog's admin; a newsroom
# editor (the Editors group); a superuser.
ROLES = [
    "anonymous",
    "reader",
    "staff",
    "contributor",
    "elsewhere",
    "editor",
    "blog_admin",
    "newsroom",
    "superuser",
]
EVERYONE = set(ROLES)
SIGNED_OUT = {"anonymous", "reader"}  # the admin sends them to its login page
TEAM = {"contributor", "editor", "blog_admin"}
EDITORS = {"editor", "blog_admin", "newsroom", "superuser"}  # publish on the blog
WRITERS = {"contributor", *EDITORS}


def answers(codes: dict, default: int) -> dict:
    """Every role's expected status: `codes` maps roles (a role or a set) to a status, a later
    key overriding an earlier one; the rest get `default`."""
    found = {}
    for roles, code in codes.items():
        for role in roles if isinstance(roles, (set, frozenset)) else {roles}:
            found[role] = code
    return {role: found.get(role, default) for role in ROLES}


@pytest.fixture
def content():
    live = make_blog(slug="live-blog")
    other = make_blog(slug="other-blog")
    draft_blog = make_blog(slug="draft-blog", status=BlogStatus.DRAFT)
    users = {}
    for role in ROLES[1:]:
        users[role] = User.objects.create_user(
            f"user-{role}",
            password="pw",
            first_name=role.title(),
            is_staff=role in {"staff", "newsroom", "superuser"},
            is_superuser=role == "superuser",
        )
    users["newsroom"].groups.add(Group.objects.get(name="Editors"))
    for role, blog, as_ in [
        ("contributor", live, "contributor"),
        ("elsewhere", other, "contributor"),
        ("editor", live, "editor"),
        ("editor", draft_blog, "editor"),
        ("blog_admin", live, "admin"),
    ]:
        Membership.objects.create(blog=blog, user=users[role], role=as_)
    public = make_entry(live, headline="Public entry")
    draft = make_entry(live, headline="Draft entry", status=EntryStatus.DRAFT)
    own = make_entry(live, headline="Own draft", status=EntryStatus.DRAFT)
    own.authors.add(users["contributor"])
    submitted = make_entry(live, headline="Submitted entry", status=EntryStatus.DRAFT)
    submitted.authors.add(users["contributor"])
    submitted.submit()
    scheduled = make_entry(
        live, headline="Scheduled entry", published_at=timezone.now() + dt.timedelta(hours=1)
    )
    make_caption(entry=public)
    hidden_caption = make_caption(entry=draft)
    make_entry(draft_blog, headline="Entry of a draft blog")
    return {
        "users": users,
        "live": live,
        "public": Entry.objects.get(pk=public.pk),
        "draft": draft,
        "own": Entry.objects.get(pk=own.pk),
        "submitted": submitted,
        "scheduled": scheduled,
        "hidden_caption": hidden_caption,
        "draft_blog": draft_blog,
        "public_image": make_caption(entry=public).image,
    }


def client_for(role: str, content) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(content["users"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_reading_the_site_the_api_the_admin_and_the_desk(role, content):
    client = client_for(role, content)
    c = content
    live, draft_blog = c["live"].pk, c["draft_blog"].pk
    sees_all = {"editor", "blog_admin", "newsroom", "superuser"}  # every entry of the blog
    sees_own = sees_all | {"contributor"}  # the contributor's own entries too
    sees_draft_blog = {"editor", "newsroom", "superuser"}  # the draft blog's team and newsroom
    admin_staff = EVERYONE - SIGNED_OUT - {"staff"}
    expected = {
        # The public site: the same for everyone; unpublished entries are never on it.
        "/": answers({}, 200),
        "/search/?q=entry": answers({}, 200),
        "/sitemap.xml": answers({}, 200),
        "/live-blog/": answers({}, 200),
        "/live-blog/live/": answers({}, 200),
        "/live-blog/live/changes/?since=0": answers({}, 200),
        "/live-blog/feed/": answers({}, 200),
        f"/live-blog/entries/{c['public'].pk}/": answers({}, 200),
        f"/live-blog/entries/{c['draft'].pk}/": answers({}, 404),  # previews show due only
        f"/live-blog/entries/{c['own'].pk}/": answers({}, 404),
        "/draft-blog/": answers({frozenset(sees_draft_blog): 200}, 404),
        "/draft-blog/live/": answers({}, 404),  # pollers never see a draft blog
        "/draft-blog/feed/": answers({}, 404),
        # The API.
        "/api/blogs/": answers({}, 200),
        "/api/blogs/live-blog/": answers({}, 200),
        "/api/blogs/draft-blog/": answers({frozenset(sees_draft_blog): 200}, 404),
        "/api/blogs/draft-blog/entries/": answers({frozenset(sees_draft_blog): 200}, 404),
        f"/api/entries/{c['public'].pk}/": answers({}, 200),
        f"/api/entries/{c['draft'].pk}/": answers({frozenset(sees_all): 200}, 404),
        f"/api/entries/{c['scheduled'].pk}/": answers({frozenset(sees_all): 200}, 404),
        f"/api/entries/{c['own'].pk}/": answers({frozenset(sees_own): 200}, 404),
        f"/api/entries/{c['submitted'].pk}/": answers({frozenset(sees_own): 200}, 404),
        f"/api/captions/{c['hidden_caption'].pk}/": answers({frozenset(sees_all): 200}, 404),
        f"/api/images/{c['hidden_caption'].image_id}/": answers({frozenset(sees_all): 200}, 404),
        "/api/blogs/live-blog/members/": answers(
            {"anonymous": 401, frozenset(TEAM | {"newsroom", "superuser"}): 200}, 403
        ),
        # The admin: signed-out callers go to its login page; a team member sees their blogs.
        "/admin/liveblog/blog/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(admin_staff): 200}, 403
        ),
        f"/admin/liveblog/blog/{live}/change/": answers(
            # Another blog's page is no page of theirs: back to the admin's index.
            {frozenset(admin_staff): 200, frozenset(SIGNED_OUT | {"elsewhere"}): 302},
            403,
        ),
        "/admin/liveblog/entry/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(admin_staff): 200}, 403
        ),
        f"/admin/liveblog/entry/{c['draft'].pk}/change/": answers(
            {frozenset(SIGNED_OUT | {"contributor", "elsewhere"}): 302, frozenset(sees_all): 200},
            403,
        ),
        f"/admin/liveblog/entry/{c['own'].pk}/change/": answers(
            {frozenset(SIGNED_OUT | {"elsewhere"}): 302, frozenset(sees_own): 200}, 403
        ),
        # The history page finds even an entry the caller may not see, and refuses it.
        f"/admin/liveblog/entry/{c['own'].pk}/history/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(sees_own): 200}, 403
        ),
        "/admin/liveblog/image/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset({"newsroom", "superuser"}): 200}, 403
        ),
        "/admin/teams/membership/": answers({frozenset(SIGNED_OUT): 302, "superuser": 200}, 403),
        "/admin/auth/user/": answers({frozenset(SIGNED_OUT): 302, "superuser": 200}, 403),
        # The live desk of the blog: its writers; a contributor elsewhere is refused.
        f"/admin/liveblog/blog/{live}/desk/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(WRITERS): 200}, 403
        ),
        f"/admin/liveblog/blog/{live}/desk/stream/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(WRITERS): 200}, 403
        ),
        f"/admin/liveblog/blog/{live}/desk/entries/{c['own'].pk}/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(sees_own): 200}, 403
        ),
        f"/admin/liveblog/blog/{live}/desk/entries/{c['draft'].pk}/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(sees_all): 200, "contributor": 404}, 403
        ),
        f"/admin/liveblog/blog/{draft_blog}/desk/": answers(
            {frozenset(SIGNED_OUT): 302, frozenset(sees_draft_blog): 200}, 403
        ),
    }
    got = {url: client.get(url).status_code for url in expected}
    assert got == {url: codes[role] for url, codes in expected.items()}

    # What lists and pages show of unpublished content.
    texts = {
        url: client.get(url).content.decode()
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
    }
    unpublished = ("Draft entry", "Scheduled entry", "Own draft", "Submitted entry")
    for url in list(texts)[:6]:
        assert not any(text in texts[url] for text in unpublished), url
        assert "Entry of a draft blog" not in texts[url]
    api_entries = texts["/api/blogs/live-blog/entries/"]
    assert ("Draft entry" in api_entries) == (role in sees_all)
    assert ("Own draft" in api_entries) == (role in sees_own)
    assert ("draft-blog" in texts["/api/blogs/"]) == (role in sees_draft_blog)
    if role in WRITERS:
        desk = client.get(f"/admin/liveblog/blog/{live}/desk/").content.decode()
        assert ("Draft entry" in desk) == (role in sees_all)
        assert "Own draft" in desk and "Submitted entry" in desk


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "navy").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize("role", ROLES)
def test_writing_through_the_api_and_the_desk(role, content):
    client = client_for(role, content)
    c = content
    live = c["live"].pk
    signed_out = {"anonymous": 401}
    no_right = frozenset({"reader", "staff"})

    def patch(entry, data):
        return client.patch(
            f"/api/entries/{entry.pk}/",
            data,
            content_type="application/json",
            HTTP_IF_MATCH=entry_etag(Entry.objects.get(pk=entry.pk)),
        )

    def desk(path, data=None):
        return client.post(f"/admin/liveblog/blog/{live}/desk/{path}", data or {})

    got = {
        "create a draft": client.post(
            "/api/blogs/live-blog/entries/", {"headline": "New"}, content_type="application/json"
        ),
        "create published": client.post(
            "/api/blogs/live-blog/entries/",
            {"headline": "New", "status": "published"},
            content_type="application/json",
        ),
        "edit own draft": patch(c["own"], {"headline": "Own, edited"}),
        "submit own draft": patch(c["own"], {"status": "submitted"}),
        "edit another's draft": patch(c["draft"], {"headline": "Changed"}),
        "edit the public entry": patch(c["public"], {"headline": "Changed"}),
        "label the public entry": patch(c["public"], {"verification": "confirmed"}),
        "new blog": client.post(
            "/api/blogs/", {"title": "T", "slug": "t-blog"}, content_type="application/json"
        ),
        "blog settings": client.patch(
            "/api/blogs/live-blog/", {"title": "Renamed"}, content_type="application/json"
        ),
        "delete a blog": client.delete("/api/blogs/draft-blog/"),
        "add a member": client.post(
            "/api/blogs/live-blog/members/",
            {"user": "user-reader", "role": "contributor"},
            content_type="application/json",
        ),
        "upload a picture": client.post("/api/images/", {"file": png(), "alt_text": "P"}),
        "place a picture in own draft": client.post(
            "/api/captions/",
            {"entry": c["own"].pk, "image": c["public_image"].pk, "text": "c"},
            content_type="application/json",
        ),
        "desk: publish": desk("post/", {"action": "publish", "headline": "Desk"}),
        "desk: submit": desk("post/", {"action": "submit", "headline": "Desk"}),
        "desk: approve": desk(f"entries/{c['submitted'].pk}/approve/"),
        "desk: label": desk(f"entries/{c['public'].pk}/verify/", {"verification": "disputed"}),
        "delete own draft": client.delete(
            f"/api/entries/{c['own'].pk}/",
            HTTP_IF_MATCH=entry_etag(Entry.objects.get(pk=c["own"].pk)),
        ),
    }
    desk_out = {frozenset(SIGNED_OUT): 302}
    expected = {
        "create a draft": answers({**signed_out, frozenset(WRITERS): 201}, 403),
        "create published": answers({**signed_out, frozenset(EDITORS): 201}, 403),
        # Another blog's contributor cannot see the entry at all: 404.
        "edit own draft": answers({**signed_out, no_right: 403, frozenset(WRITERS): 200}, 404),
        "submit own draft": answers({**signed_out, no_right: 403, frozenset(WRITERS): 200}, 404),
        "edit another's draft": answers(
            {**signed_out, no_right: 403, frozenset(EDITORS): 200}, 404
        ),
        "edit the public entry": answers({**signed_out, frozenset(EDITORS): 200}, 403),
        "label the public entry": answers({**signed_out, frozenset(EDITORS): 200}, 403),
        "new blog": answers({**signed_out, frozenset({"newsroom", "superuser"}): 201}, 403),
        "blog settings": answers(
            {**signed_out, frozenset({"blog_admin", "newsroom", "superuser"}): 200}, 403
        ),
        # Editors close blogs rather than delete them: only superusers may.
        "delete a blog": answers({**signed_out, "superuser": 204}, 403),
        "add a member": answers({**signed_out, frozenset({"blog_admin", "superuser"}): 201}, 403),
        "upload a picture": answers({**signed_out, no_right: 403}, 201),
        "place a picture in own draft": answers(
            # The other blog's contributor cannot name the entry: it "does not exist" for them.
            {**signed_out, no_right: 403, "elsewhere": 400},
            201,
        ),
        "desk: publish": answers({**desk_out, frozenset(EDITORS): 201}, 403),
        "desk: submit": answers({**desk_out, frozenset(WRITERS): 201}, 403),
        "desk: approve": answers({**desk_out, frozenset(EDITORS): 200}, 403),
        "desk: label": answers({**desk_out, frozenset(EDITORS): 200}, 403),
        "delete own draft": answers({**signed_out, no_right: 403, frozenset(WRITERS): 204}, 404),
    }
    assert {what: response.status_code for what, response in got.items()} == {
        what: codes[role] for what, codes in expected.items()
    }
    # Nothing refused was written.
    assert Entry.objects.filter(headline="Changed").exists() == (role in EDITORS)
    assert Entry.objects.filter(
        blog_id=live, status=EntryStatus.PUBLISHED, headline="New"
    ).exists() == (role in EDITORS)
