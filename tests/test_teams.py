"""Blog teams: the one rule (liveblog.teams.rules) and the team managed in the admin and through
/api/blogs/<slug>/members/."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError
from rest_framework.test import APIClient

from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
from liveblog.teams import rules
from liveblog.teams.models import Membership, Role
from tests.factories import make_blog, make_entry, make_member

pytestmark = pytest.mark.django_db
A = rules.Action


@pytest.fixture
def blog():
    return make_blog(slug="storm", title="Storm")


def fresh(user):
    """The user as the next request loads it (roles are kept per request)."""
    return User.objects.get(pk=user.pk)


# --- the rule ----------------------------------------------------------------------------------


def test_each_role_does_what_it_says(blog):
    other = make_blog(slug="other")
    contributor = make_member(blog, "carla", "contributor")
    editor = make_member(blog, "eve", "editor")
    admin = make_member(blog, "ada", "admin")
    table = {
        user.username: {action for action in A if rules.may(fresh(user), action, blog)}
        for user in (contributor, editor, admin)
    }
    assert table == {
        "carla": {A.WRITE},
        "eve": {A.WRITE, A.SEE_DRAFTS, A.PUBLISH, A.DELETE},
        "ada": set(A),
    }
    # A role holds on its own blog only.
    assert not any(rules.may(fresh(user), A.WRITE, other) for user in (contributor, editor))


def test_newsroom_editors_and_superusers_work_on_every_blog(blog, editor):
    boss = User.objects.create_superuser("boss", password="pw")
    assert {a for a in A if rules.may(editor, a, blog)} == set(A) - {A.MANAGE_TEAM}
    assert all(rules.may(boss, a, blog) for a in A)
    assert rules.roles_of(editor) == {}  # no team needed


def test_a_contributor_edits_their_own_entries_until_published(blog):
    carla = make_member(blog, "carla")
    dana = make_member(blog, "dana")
    mine = make_entry(blog, status=EntryStatus.DRAFT)
    mine.authors.add(carla)
    theirs = make_entry(blog, status=EntryStatus.DRAFT)
    theirs.authors.add(dana)
    assert rules.may_edit(fresh(carla), mine) and rules.may_delete(fresh(carla), mine)
    assert not rules.may_edit(fresh(carla), theirs)
    mine.publish()
    assert not rules.may_edit(fresh(carla), mine) and not rules.may_delete(fresh(carla), mine)


def test_contributors_may_not_write_the_editorial_fields(blog):
    carla = fresh(make_member(blog, "carla"))
    assert rules.refused_fields(carla, blog, {"status": "submitted", "headline": "x"}) == []
    assert rules.refused_fields(carla, blog, {"status": "published"}) == ["status"]
    assert rules.refused_fields(carla, blog, {"is_pinned": True, "verification": "confirmed"}) == [
        "is_pinned",
        "verification",
    ]
    # Left as they are, the editorial fields are no refusal (a full PUT sends them all).
    assert rules.refused_fields(carla, blog, {"is_pinned": False, "order": 0}) == []


def test_what_a_team_member_reads(blog):
    draft_blog = make_blog(slug="quiet", status=BlogStatus.DRAFT)
    carla = make_member(blog, "carla")
    make_member(draft_blog, "carla", "contributor")
    eve = make_member(blog, "eve", "editor")
    published = make_entry(blog)
    mine = make_entry(blog, status=EntryStatus.SUBMITTED, headline="Mine")
    mine.authors.add(carla)
    someone_elses = make_entry(blog, status=EntryStatus.DRAFT, headline="Theirs")
    assert set(Entry.objects.visible_to(fresh(carla))) == {published, mine}
    assert set(Entry.objects.visible_to(fresh(eve))) == {published, mine, someone_elses}
    # The draft blog is seen by its team only.
    assert set(Blog.objects.visible_to(fresh(carla))) == {blog, draft_blog}
    assert set(Blog.objects.visible_to(fresh(eve))) == {blog}
    assert draft_blog.is_visible_to(fresh(carla)) and not draft_blog.is_visible_to(fresh(eve))


def test_one_membership_per_user_and_blog(blog):
    make_member(blog, "carla")
    with pytest.raises(IntegrityError):
        Membership.objects.create(blog=blog, user=User.objects.get(username="carla"))


def test_joining_a_team_opens_the_admin_and_moves_the_desk(blog):
    user = User.objects.create_user("new", password="pw")
    before = Blog.objects.get(pk=blog.pk).state_version
    Membership.objects.create(blog=blog, user=user, role=Role.EDITOR)
    assert User.objects.get(pk=user.pk).is_staff
    assert Blog.objects.get(pk=blog.pk).state_version > before


def test_reading_roles_is_one_query_per_request(blog, django_assert_num_queries):
    carla = fresh(make_member(blog, "carla"))
    # The user's permissions and their groups' (newsroom-wide rights), their roles: 3, once.
    with django_assert_num_queries(3):
        rules.may(carla, A.WRITE, blog)
        rules.may(carla, A.PUBLISH, blog)
        rules.blog_ids(carla, A.WRITE)


# --- the team through the API ------------------------------------------------------------------


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_blog_admin_manages_the_team_through_the_api(blog):
    ada = make_member(blog, "ada", "admin")
    User.objects.create_user("newbie", password="pw", first_name="Nia", last_name="Obi")
    client = client_of(ada)
    added = client.post(
        "/api/blogs/storm/members/", {"user": "newbie", "role": "contributor"}, format="json"
    )
    assert added.status_code == 201, added.content
    assert added["Location"].endswith("/api/blogs/storm/members/newbie/")
    assert added.json() == {
        "user": "newbie",
        "name": "Nia Obi",
        "role": "contributor",
        "created_at": added.json()["created_at"],
    }
    promoted = client.patch("/api/blogs/storm/members/newbie/", {"role": "editor"}, format="json")
    assert promoted.json()["role"] == "editor"
    listed = client.get("/api/blogs/storm/members/").json()["results"]
    assert sorted((row["user"], row["role"]) for row in listed) == [
        ("ada", "admin"),
        ("newbie", "editor"),
    ]
    assert client.delete("/api/blogs/storm/members/newbie/").status_code == 204
    assert not Membership.objects.filter(user__username="newbie").exists()
    reasons = list(
        Membership.history.filter(user__username="newbie")
        .order_by("history_id")
        .values_list("history_change_reason", "history_user__username")
    )
    assert reasons == [
        ("Added (API).", "ada"),
        ("Changed role (API).", "ada"),
        ("Removed from the team (API).", "ada"),
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"user": "nobody", "role": "editor"}, {"user"}),
        ({"user": "ada", "role": "editor"}, {"user"}),  # already on the team
        ({"user": "newbie", "role": "boss"}, {"role"}),
        ({"user": "bad\x00name", "role": "editor"}, {"user"}),
        ({"role": "editor"}, {"user"}),
    ],
)
def test_a_bad_member_is_refused_naming_the_field(blog, body, errors):
    ada = make_member(blog, "ada", "admin")
    User.objects.create_user("newbie", password="pw")
    response = client_of(ada).post("/api/blogs/storm/members/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == errors


def test_who_reads_and_changes_the_team(blog, editor):
    other = make_blog(slug="other")
    carla = make_member(blog, "carla")
    eve = make_member(blog, "eve", "editor")
    stranger = make_member(other, "sam")
    body = {"user": "sam", "role": "contributor"}
    answers = {}
    for name, user in [("carla", carla), ("eve", eve), ("sam", stranger), ("newsroom", editor)]:
        client = client_of(user)
        answers[name] = (
            client.get("/api/blogs/storm/members/").status_code,
            client.post("/api/blogs/storm/members/", body, format="json").status_code,
        )
    answers["anonymous"] = (APIClient().get("/api/blogs/storm/members/").status_code,)
    assert answers == {
        "carla": (200, 403),
        "eve": (200, 403),  # editors publish; blog admins manage the team
        "sam": (403, 403),
        "newsroom": (200, 403),  # the Editors group reads every team, manages none
        "anonymous": (401,),
    }


# --- the team in the admin ---------------------------------------------------------------------


def test_a_blog_admin_adds_a_member_on_the_blogs_page(client, blog):
    ada = make_member(blog, "ada", "admin")
    User.objects.create_user("newbie", password="pw")
    client.force_login(ada)
    page = client.get(f"/admin/liveblog/blog/{blog.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        **{name: form[name].value() or "" for name in form.fields if name != "translations"},
        "key_points": "",
        "captions-TOTAL_FORMS": "0",
        "captions-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(Membership.objects.get(user=ada).pk),
        "memberships-0-blog": str(blog.pk),
        "memberships-0-user": "ada",
        "memberships-0-role": "admin",
        "memberships-1-blog": str(blog.pk),
        "memberships-1-user": "newbie",
        "memberships-1-role": "contributor",
    }
    saved = client.post(f"/admin/liveblog/blog/{blog.pk}/change/", data)
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    assert Membership.objects.get(user__username="newbie").role == "contributor"
    assert Membership.history.get(user__username="newbie").history_change_reason == "Added (admin)."


def test_team_members_see_the_team_and_only_admins_change_it(client, blog):
    make_member(blog, "ada", "admin")
    carla = make_member(blog, "carla")
    client.force_login(carla)
    page = client.get(f"/admin/liveblog/blog/{blog.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    # The team is shown, read only.
    assert "ada" in html and 'name="memberships-0-role"' not in html
    assert client.post(f"/admin/liveblog/blog/{blog.pk}/change/", {}).status_code == 403
    # Another blog's page is not theirs to see.
    other = make_blog(slug="other")
    assert client.get(f"/admin/liveblog/blog/{other.pk}/change/").status_code == 302


def test_the_editors_group_is_untouched(editor):
    # Newsroom-wide rights stay the Editors group's model permissions (migration 0002).
    assert Group.objects.get(name="Editors").permissions.filter(codename="change_entry").exists()
    assert not editor.has_perm("teams.change_membership")
