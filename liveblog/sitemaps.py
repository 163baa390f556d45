"""Sitemaps: public blogs and their published entries' permalinks."""

from django.contrib.sitemaps import Sitemap

from liveblog.models import Blog, Entry


class BlogSitemap(Sitemap):
    changefreq = "always"

    def items(self):
        return Blog.objects.public().only("slug", "changed_at").order_by("-changed_at", "-id")

    def lastmod(self, blog: Blog):
        return blog.changed_at


class EntrySitemap(Sitemap):
    changefreq = "hourly"
    limit = 10_000

    def items(self):
        return (
            Entry.objects.published()
            .select_related("blog")
            .only("id", "updated_at", "blog__slug")
            .order_by("-id")
        )

    def lastmod(self, entry: Entry):
        return entry.updated_at


SITEMAPS = {"blogs": BlogSitemap, "entries": EntrySitemap}
