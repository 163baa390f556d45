"""Who may do what: anyone reads public content; model permissions decide writes."""

from django.db.models import Q
from rest_framework.permissions import DjangoModelPermissions

from liveblog.models import Blog, Caption, Entry, Image, can_preview


class ReadOrModelPermissions(DjangoModelPermissions):
    """Reads are open to all; create/change/delete need liveblog.add_*/change_*/delete_*."""

    authenticated_users_only = False


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
