"""Who may do what: anyone reads public content; model permissions decide writes."""

from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

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


# What each caller may read: the models' visibility rules, applied to the caller. Views, filters
# and the change feed all go through these.


def blogs_for(request):
    return Blog.objects.visible_to(request.user)


def entries_for(request):
    return Entry.objects.visible_to(request.user)


def captions_for(request):
    if can_preview(request.user, Caption):
        return Caption.objects.all()
    return Caption.objects.filter(
        Q(entry__in=Entry.objects.published())
        | Q(entry__isnull=True, blog__in=Blog.objects.public())
    )


def images_for(request):
    """Editors see every image; others only images placed in something published."""
    if can_preview(request.user, Image):
        return Image.objects.all()
    return Image.objects.filter(pk__in=captions_for(request).values("image"))
