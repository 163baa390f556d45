"""Sitemaps: public blogs and their published entries' permalinks.

lastmod is the last change a reader could see (an untouched import's own dates, not the day it
was imported: see structured_data), and a blog that ended is not announced as changing always.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Prefetch

from liveblog import structured_data
from liveblog.models import Blog, BlogStatus, Entry
from liveblog.stream import with_coverage

CHANGEFREQ = {
    BlogStatus.LIVE: "always",
    BlogStatus.UPCOMING: "hourly",
    BlogStatus.CLOSED: "monthly",
}


class BlogSitemap(Sitemap):
    """Each blog, with the same story's blogs in other languages as its alternates (hreflang):
    a search engine then shows a reader the one in their language."""

    def items(self):
        translations = Blog.objects.public().only("id", "slug", "language").order_by("language")
        return (
            with_coverage(Blog.objects.public())
            .prefetch_related(Prefetch("translations", queryset=translations))
            .order_by("-changed_at", "-id")
        )

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            blog = url["item"]
            if translations := list(blog.translations.all()):
                origin = url["location"].removesuffix(blog.get_absolute_url())
                url["alternates"] = [
                    {"lang_code": other.language, "location": origin + other.get_absolute_url()}
                    for other in [blog, *translations]
                ]
        return urls

    def changefreq(self, blog: Blog) -> str:
        return CHANGEFREQ.get(blog.status, "daily")

    def lastmod(self, blog: Blog):
        return structured_data.changed_at(blog)


class EntrySitemap(Sitemap):
    limit = 10_000

    def items(self):
        return (
            Entry.objects.published()
            .select_related("blog")
            .only("id", "changed_at", "blog__slug", "blog__status")
            .order_by("-id")
        )

    def changefreq(self, entry: Entry) -> str:
        return "monthly" if entry.blog.status == BlogStatus.CLOSED else "hourly"

    def lastmod(self, entry: Entry):
        return entry.changed_at


SITEMAPS = {"blogs": BlogSitemap, "entries": EntrySitemap}
