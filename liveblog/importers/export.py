"""Blog -> the document of SEED_FORMAT.md (plus the keys that make it a complete backup)."""

from django.db.models import Prefetch, QuerySet

from liveblog.models import Blog, Caption, Entry


def blogs_for_export(queryset: QuerySet | None = None) -> QuerySet:
    """Blogs with everything export reads, in a fixed number of queries."""
    queryset = Blog.objects.all() if queryset is None else queryset
    return queryset.order_by("slug").prefetch_related(
        Prefetch(
            "captions",
            queryset=Caption.objects.filter(entry__isnull=True).select_related("image"),
            to_attr="hero_captions",
        ),
        Prefetch(
            "entries",
            queryset=Entry.objects.order_by("-sort_key", "-id").prefetch_related("captions__image"),
        ),
    )


def export_blog(blog: Blog) -> dict:
    hero = blog.hero_captions[0] if getattr(blog, "hero_captions", None) else _hero(blog)
    return {
        "format": blog.source_format or None,
        "title": blog.title,
        "standfirst": blog.standfirst or None,
        # Format A gives a day and month but no year, so its own date is always null; the
        # coverage date an editor or sidecar supplied travels as coverage_date.
        "date": None
        if blog.source_format == "A" or not blog.coverage_date
        else blog.coverage_date.isoformat(),
        "published": blog.source_published or None,
        "updated": blog.source_updated or None,
        "key_points": list(blog.key_points),
        "hero_image": hero.as_block() if hero else None,
        "intro": blog.intro_paragraphs(),
        "closed_notice": blog.closed_notice or None,
        "source": blog.attribution or None,
        "entries": [export_entry(entry) for entry in blog.entries.all()],
        "slug": blog.slug,
        "status": blog.status,
        "coverage_date": blog.coverage_date.isoformat() if blog.coverage_date else None,
        "time_zone": blog.time_zone,
        "source_name": blog.source_name or None,
        "source_url": blog.source_url or None,
    }


def export_entry(entry: Entry) -> dict:
    return {
        "headline": entry.headline,
        "blocks": entry.blocks(),
        "id": entry.pk,
        "key": entry.import_key or f"entry-{entry.pk}",
        "order": entry.order,
        "status": entry.status,
        "is_key_event": entry.is_key_event,
        "is_pinned": entry.is_pinned,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
    }


def _hero(blog: Blog) -> Caption | None:
    return blog.captions.filter(entry__isnull=True).select_related("image").first()
