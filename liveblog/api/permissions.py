"""Who may do what: anyone reads public content; model permissions decide writes."""

from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

from liveblog.models import Blog, Caption, Entry, Image


class ReadOrModelPermissions(DjangoModelPermissions):
    """Reads are open to all; create/change/delete need liveblog.add_*/change_*/delete_*."""

    authenticated_users_only = False

    def has_permission(self, request, view) -> bool:
        # A write without credentials is a 401 before anything is looked up: the model check
        # reads the view's queryset, which would 404 first for a blog the caller cannot see.
        if request.method not in SAFE_METHODS and not request.user.is_authenticated:
            return False
        return super().has_permission(request, view)


def sees_drafts(request, model) -> bool:
    """Whether the caller may read unpublished objects of this model (editors only).

    The first call per request loads the user's permissions (one or two queries).
    """
    user = request.user
    return bool(user and user.is_authenticated) and user.has_perm(
        f"{model._meta.app_label}.change_{model._meta.model_name}"
    )


# What each caller may read. Anonymous callers and users without editing rights see published
# content only; editors also see drafts. Views, filters and the change feed all go through these.


def blogs_for(request):
    return Blog.objects.all() if sees_drafts(request, Blog) else Blog.objects.public()


def entries_for(request):
    return Entry.objects.all() if sees_drafts(request, Entry) else Entry.objects.published()


def captions_for(request):
    if sees_drafts(request, Caption):
        return Caption.objects.all()
    return Caption.objects.filter(
        Q(entry__in=Entry.objects.published())
        | Q(entry__isnull=True, blog__in=Blog.objects.public())
    )


def images_for(request):
    """Editors see every image; others only images placed in something published."""
    if sees_drafts(request, Image):
        return Image.objects.all()
    return Image.objects.filter(pk__in=captions_for(request).values("image"))
