"""Who may do what: anyone reads public content (scoped by the functions below); writes follow
the team rule (liveblog.teams.rules) for what belongs to a blog, model permissions for the rest."""

from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from liveblog.models import Blog, Caption, Entry, Image, can_preview


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
    """Reads are open to all (the queryset scopes them); a write asks the view, which asks the
    team rule: `may_create(request)` for a new object; `may_write_any(request)`, then
    `may_change(request, obj)` or `may_delete(request, obj)` for an existing one."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            return False  # 401 before anything is looked up
        # Who may do this to no object at all is refused before any is looked up (403, as
        # model permissions answer); the object's own check follows for the others. A method
        # the view does not offer gets its 405.
        hook = getattr(view, "may_create" if request.method == "POST" else "may_write_any", None)
        return hook(request) if hook else True

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return view.may_delete(request, obj)
        return view.may_change(request, obj)


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
