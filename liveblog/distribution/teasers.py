"""The "LIVE · latest updates" card: a live blog's latest entries, for the teaser frame and the
site's own index."""

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from liveblog.models import Blog, Entry

LATEST = 3


def attach_latest(blogs: list[Blog], count: int = LATEST) -> None:
    """Set `latest_entries` on each live blog of the list: its newest `count` entries readers
    see (the pinned one counts by its time). One query for the lot."""
    live = {blog.pk: blog for blog in blogs if blog.is_live}
    for blog in live.values():
        blog.latest_entries = []
    if not live:
        return
    rank = Window(
        RowNumber(), partition_by=[F("blog_id")], order_by=[F("sort_key").desc(), F("id").desc()]
    )
    entries = (
        Entry.objects.due()
        .filter(blog_id__in=live)
        .only("id", "blog_id", "headline", "published_at", "sort_key", "is_key_event")
        .annotate(rank=rank)
        .filter(rank__lte=count)
        .order_by("blog_id", "rank")
    )
    for entry in entries:
        blog = live[entry.blog_id]
        entry.blog = blog
        blog.latest_entries.append(entry)
