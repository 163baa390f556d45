"""Who may do what on a blog: the one home of the rule, asked by the admin, the desk and the API.

Two sources of rights, and nothing else:
- newsroom-wide: Django's model permissions (the Editors group, superusers) grant an action on
  every blog (`NEWSROOM_PERMISSIONS`);
- per blog: the user's role in the blog's team (`ROLE_ACTIONS`).

On top of the blog-wide actions, entries have owners: a contributor edits, submits and deletes
the entries they are an author of while readers do not see them, and never writes the fields
that decide what readers see (`EDITORIAL_FIELDS`, status "published").

A user's roles are read once per request (one query, kept on the user object).
"""

import enum

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from liveblog.models import Entry, EntryStatus
from liveblog.teams.models import Membership, Role


class Action(enum.StrEnum):
    SEE_DRAFTS = "see_drafts"  # every entry of the blog, whatever its status
    WRITE = "write"  # write entries, submit them; open the live desk
    PUBLISH = "publish"  # publish, schedule, approve, return, pin, label, correct; edit any entry
    DELETE = "delete"  # delete any entry
    CHANGE_BLOG = "change_blog"  # the blog's settings, status and hero
    MANAGE_TEAM = "manage_team"


ROLE_ACTIONS = {
    Role.CONTRIBUTOR: frozenset({Action.WRITE}),
    Role.EDITOR: frozenset({Action.WRITE, Action.SEE_DRAFTS, Action.PUBLISH, Action.DELETE}),
    Role.ADMIN: frozenset(Action),
}

# The model permissions that grant an action on every blog (any one of them).
NEWSROOM_PERMISSIONS = {
    Action.SEE_DRAFTS: ("liveblog.view_entry", "liveblog.change_entry"),
    Action.WRITE: ("liveblog.add_entry",),
    Action.PUBLISH: ("liveblog.change_entry",),
    Action.DELETE: ("liveblog.delete_entry",),
    Action.CHANGE_BLOG: ("liveblog.change_blog",),
    Action.MANAGE_TEAM: ("teams.change_membership",),
}

# What only those who may publish write: an entry's time and place in the stream, its pin and
# its verification label. A contributor's entry gets them when an editor approves it.
EDITORIAL_FIELDS = (
    "published_at",
    "is_pinned",
    "order",
    "verification",
    "verification_note",
    "return_note",
)


def roles_of(user) -> dict[int, str]:
    """{blog id: role} of the user's teams. One query, then kept on the user (one request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return {}
    roles = getattr(user, "_liveblog_roles", None)
    if roles is None:
        roles = dict(Membership.objects.of_user(user).values_list("blog_id", "role"))
        user._liveblog_roles = roles
    return roles


def forget_roles(user) -> None:
    """Drop the roles kept on this user object (after changing its memberships)."""
    user.__dict__.pop("_liveblog_roles", None)


def everywhere(user, action: Action) -> bool:
    """Whether the user may do this on every blog (newsroom-wide model permissions)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(user.has_perm(permission) for permission in NEWSROOM_PERMISSIONS[action])


def role_on(user, blog) -> str | None:
    """The user's role in the blog's team, if any (newsroom-wide rights aside)."""
    return roles_of(user).get(getattr(blog, "pk", blog))


def may(user, action: Action, blog) -> bool:
    """Whether the user may do `action` on the blog (a Blog or its id)."""
    if everywhere(user, action):
        return True
    role = role_on(user, blog)
    return role is not None and action in ROLE_ACTIONS[role]


def blog_ids(user, action: Action) -> list[int]:
    """The blogs whose team gives the user this action (newsroom-wide rights aside)."""
    return sorted(pk for pk, role in roles_of(user).items() if action in ROLE_ACTIONS[role])


def works_on_any(user, action: Action = Action.WRITE) -> bool:
    """Whether the user may do `action` on some blog: the admin's and desk's front door."""
    return everywhere(user, action) or bool(blog_ids(user, action))


def authored_by(user) -> Q:
    """Entries the user is an author of (a subquery: no duplicate rows with co-authors)."""
    through = Entry.authors.through
    return Q(Exists(through.objects.filter(entry_id=OuterRef("pk"), user_id=user.pk)))


def team_entries(user) -> Q | None:
    """Entries beyond published ones the user may read: every entry of the blogs where they see
    drafts, their own in the blogs they write for. None: nothing more."""
    drafts = blog_ids(user, Action.SEE_DRAFTS)
    own = blog_ids(user, Action.WRITE)
    if not drafts and not own:
        return None
    return Q(blog_id__in=drafts) | (Q(blog_id__in=own) & authored_by(user))


def is_author(user, entry) -> bool:
    """Whether the user is one of the entry's authors (prefetched authors are used; else one
    query)."""
    if not user.is_authenticated or entry.pk is None:
        return False
    cached = getattr(entry, "_prefetched_objects_cache", {}).get("authors")
    if cached is not None:
        return any(author.pk == user.pk for author in cached)
    return entry.authors.filter(pk=user.pk).exists()


def owns_unpublished(user, entry) -> bool:
    """A contributor's hold on an entry: an author of it while readers do not see it."""
    return (
        entry.status != EntryStatus.PUBLISHED
        and may(user, Action.WRITE, entry.blog_id)
        and is_author(user, entry)
    )


def may_edit(user, entry) -> bool:
    """Whether the user may change the entry's text (and, for a contributor, submit it)."""
    return may(user, Action.PUBLISH, entry.blog_id) or owns_unpublished(user, entry)


def may_delete(user, entry) -> bool:
    return may(user, Action.DELETE, entry.blog_id) or owns_unpublished(user, entry)


def refused_fields(user, blog, changes: dict, entry=None) -> list[str]:
    """The fields of `changes` ({field: new value}) this user may not write to the entry (None:
    a new one) of the blog: for those who may not publish, status "published" and the
    editorial fields, unless left as they are."""
    if may(user, Action.PUBLISH, blog):
        return []
    refused = []
    status = changes.get("status")
    if status == EntryStatus.PUBLISHED and getattr(entry, "status", None) != status:
        refused.append("status")
    for name in EDITORIAL_FIELDS:
        if name not in changes:
            continue
        current = (
            getattr(entry, name) if entry is not None else Entry._meta.get_field(name).get_default()
        )
        if changes[name] != current:
            refused.append(name)
    return refused


def refusal(fields: list[str]) -> str:
    """Why a contributor's write was refused, naming the fields."""
    return _(
        "Contributors write and submit entries; an editor of this blog publishes them. "
        "You may not set: %(fields)s."
    ) % {"fields": ", ".join(fields)}


def may_place_picture(user, *, blog, entry=None) -> bool:
    """Whether the user may place, move or remove a picture in the entry (who may edit it), or
    as the blog's hero (entry None: who changes the blog's settings)."""
    if entry is not None:
        return may_edit(user, entry)
    return may(user, Action.CHANGE_BLOG, blog)
