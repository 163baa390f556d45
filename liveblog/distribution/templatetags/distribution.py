from django import template
from django.conf import settings

from liveblog.distribution import push
from liveblog.models import BlogStatus

register = template.Library()


@register.inclusion_tag("distribution/_follow.html")
def follow_button(blog, is_preview: bool = False) -> dict:
    """The Follow control, for public blogs that are not over, where push is configured.
    Hidden until the script finds the browser can receive notices."""
    offered = push.is_configured() and not is_preview and blog.is_public
    return {
        "blog": blog,
        "offered": offered and blog.status != BlogStatus.CLOSED,
        "key": settings.LIVEBLOG_VAPID_PUBLIC_KEY,
    }
