"""Who may do what: anyone reads public content (scoped by the functions below); writes follow
the team rule (liveblog.teams.rules) for what belongs to a blog, model permissions for the rest."""

from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from liveblog.models import Blog, Caption, Entry, Image, can_preview
from liveblog.teams import rules


class ReadOrModelPermissions(DjangoModelPermissions):
    """Reads are open to all; create/change/delete need liveblog.add_*/change_*/delete_*.

    What a read shows is the view's queryset (scoped by the functions below). Answering reads
    here without building it matters: DjangoModelPermissions would build the queryset only to
    learn its model, and an API list answered from the cache needs no queryset at all.
    """

    authenticated_users_only = False

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # A write without credentials is a 401 before anything is looked up: the model check
        # reads the view's queryset, which would 404 first for a blog the caller cannot see.
        if not request.user.is_authenticated:
            return False
        return super().has_permission(request, view)


class TeamPermissions(BasePermission):
    """Reads are open to all (the queryset scopes them); a write asks the team rule
    (liveblog.teams.rules), through each resource's subclass below: `may_create` for a new
    object; `may_write_any`, then `may_change` or `may_delete` for an existing one."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            return False  # 401 before anything is looked up
        # Who may do this to no object at all is refused before any is looked up (403, as
        # model permissions answer); the object's own check follows for the others. A method
        # the view does not offer gets its 405.
        if request.method == "POST":
            return self.may_create(request, view)
        return self.may_write_any(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return self.may_delete(request, obj)
        return self.may_change(request, obj)

    def may_create(self, request, view) -> bool:
        return True

    def may_write_any(self, request, view) -> bool:
        return True

    def may_change(self, request, obj) -> bool:
        return False

    def may_delete(self, request, obj) -> bool:
        return False


class BlogPermissions(TeamPermissions):
    """New blogs are the newsroom's (model permissions); a blog's settings its admins' too."""

    def may_create(self, request, view) -> bool:
        return request.user.has_perm("liveblog.add_blog")

    def may_write_any(self, request, view) -> bool:
        if request.method == "DELETE":
            return request.user.has_perm("liveblog.delete_blog")
        return rules.works_on_any(request.user, rules.Action.CHANGE_BLOG)

    def may_change(self, request, blog) -> bool:
        return rules.may(request.user, rules.Action.CHANGE_BLOG, blog)

    def may_delete(self, request, blog) -> bool:
        return request.user.has_perm("liveblog.delete_blog")


class BlogEntryPermissions(TeamPermissions):
    """Anyone who writes for the blog (the view's `blog`) adds entries to it."""

    def may_create(self, request, view) -> bool:
        return rules.may(request.user, rules.Action.WRITE, view.blog)


class EntryPermissions(TeamPermissions):
    """Editors of the blog write any of its entries; a contributor their own until published."""

    def may_write_any(self, request, view) -> bool:
        return rules.works_on_any(request.user)

    def may_change(self, request, entry) -> bool:
        return rules.may_edit(request.user, entry)

    def may_delete(self, request, entry) -> bool:
        return rules.may_delete(request.user, entry)


class ImagePermissions(TeamPermissions):
    """Anyone who writes for a blog uploads pictures for their entries; the library itself
    (editing, deleting pictures) is the newsroom's."""

    def may_create(self, request, view) -> bool:
        return request.user.has_perm("liveblog.add_image") or rules.works_on_any(request.user)

    def may_write_any(self, request, view) -> bool:
        if request.method == "DELETE":
            return self.may_delete(request, None)
        return self.may_change(request, None)

    def may_change(self, request, image) -> bool:
        return request.user.has_perm("liveblog.change_image")

    def may_delete(self, request, image) -> bool:
        return request.user.has_perm("liveblog.delete_image")


class CaptionPermissions(TeamPermissions):
    """A picture in an entry is part of the entry (who may edit it places it); a hero is part
    of the blog's settings. The target is checked again once the request names it
    (CaptionViewSet.check_target)."""

    def may_create(self, request, view) -> bool:
        return rules.works_on_any(request.user)

    may_write_any = may_create

    def may_change(self, request, caption) -> bool:
        return rules.may_place_picture(request.user, blog=caption.blog_id, entry=caption.entry)

    may_delete = may_change


# What each caller may read: the models' visibility rules, applied to the caller. Views, filters
# and the change feed all go through these.


def blogs_for(request):
    return Blog.objects.visible_to(request.user)


def entries_for(request):
    return Entry.objects.visible_to(request.user)


def captions_for(request):
    """Heroes of the blogs the caller sees and pictures placed in the entries they see."""
    if can_preview(request.user, Caption):
        return Caption.objects.all()
    return Caption.objects.filter(
        Q(entry__in=entries_for(request)) | Q(entry__isnull=True, blog__in=blogs_for(request))
    )


def images_for(request):
    """Editors see every image; others the images placed in something they see, and their own
    uploads."""
    if can_preview(request.user, Image):
        return Image.objects.all()
    placed = Q(pk__in=captions_for(request).values("image"))
    if request.user.is_authenticated:
        placed |= Q(uploaded_by=request.user)
    return Image.objects.filter(placed)
