"""Sitemaps: an index of paged sitemaps listing public blogs and every published entry's
permalink (10,000 URLs a page: the protocol allows 50,000), each answered through the one
respond path: ETag and Last-Modified from the public blogs' state, Cache-Control like the pages,
304s, and a kept copy until a blog changes.

lastmod is the last change a reader could see (an untouched import's own dates, not the day it
was imported: see structured_data), and a blog that ended is not announced as changing always.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe

from liveblog import freshness, structured_data
from liveblog.freshness.cache import request_key
from liveblog.models import Blog, BlogStatus, Entry
from liveblog.stream import with_coverage

# URLs in one sitemap. The protocol allows 50,000 (and 50 MB: a URL with its lastmod and
# changefreq is about 120 bytes), but such a page took 5.8 s to build on PostgreSQL (6 MB),
# again after every change of any public blog; 10,000 bound one crawler's request to about a
# fifth of that, whatever the blogs' length, at the price of more pages in the index.
URLS_PER_SITEMAP = 10_000

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


class CountedPaginator(Paginator):
    """A paginator told its count: the blogs keep theirs (no count of every entry)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count


class EntrySitemap(Sitemap):
    """Every published entry, newest first, in pages of URLS_PER_SITEMAP (one seek of the
    primary key a page). Its pages are counted from the blogs' kept counts."""

    limit = URLS_PER_SITEMAP

    def items(self):
        return (
            Entry.objects.published()
            .select_related("blog")
            .only("id", "changed_at", "blog__slug", "blog__status")
            .order_by("-id")
        )

    def get_latest_lastmod(self):
        # Django would read every entry for it: the public blogs' last change says the same.
        return Blog.objects.public().aggregate(latest=Max("changed_at"))["latest"]

    @property
    def paginator(self):
        total = Blog.objects.public().aggregate(n=Sum("entry_count"))["n"] or 0
        return CountedPaginator(self._items(), self.limit, count=total)

    def changefreq(self, entry: Entry) -> str:
        return "monthly" if entry.blog.status == BlogStatus.CLOSED else "hourly"

    def lastmod(self, entry: Entry):
        return entry.changed_at


SITEMAPS = {"blogs": BlogSitemap, "entries": EntrySitemap}


def answer(request: HttpRequest, kind: str, build) -> HttpResponse:
    """A sitemap (or the index) through the one respond path, validated by the public blogs'
    fingerprint (their number, ids, revisions, last change): any blog's change moves it."""
    marker = freshness.blogs_marker(Blog.objects.public())
    validators = freshness.Validators(
        freshness.digest_etag(kind, marker), marker[3], freshness.page_policy()
    )
    keep = (kind, *marker, *request_key(request, ("p",)))
    return freshness.respond(request, validators, build, keep=keep)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The sitemap index: one sitemap of blogs, and the entries' pages."""
    return answer(
        request,
        "sitemap-index",
        lambda: sitemap_views.index(
            request, SITEMAPS, sitemap_url_name="liveblog:sitemap-section"
        ).render(),
    )


@require_safe
def section(request: HttpRequest, section: str) -> HttpResponse:
    """One sitemap of the index (?p= its page)."""
    return answer(
        request,
        f"sitemap-{section}",
        lambda: sitemap_views.sitemap(request, SITEMAPS, section=section).render(),
    )
