"""schema.org structured data (JSON-LD) for blog pages and entry permalinks, and the dates a
blog's coverage spans (also used by the sitemap).

Search engines want, of a LiveBlogPosting: coverageStartTime always, coverageEndTime once it
ended, dateModified, and updates each with a url (the page's own address with #entry-N) and a
datePublished. Imported blogs often know only the day they covered and the source's dates as
text, and their entries no time at all: those give day-level times here, and an entry without
a time gets none invented.
"""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest

from liveblog.models import Blog, Entry
from liveblog.stream import plain_text

# How sources write their dates ("February 13, 2025", "13 February 2025", "2025-02-13").
SOURCE_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")


def live_blog_posting(request: HttpRequest, blog: Blog, entries: list[Entry], hero) -> dict:
    """LiveBlogPosting for the blog page, with the page's entries as updates. The blog must
    come through `stream.with_coverage()`."""
    url = request.build_absolute_uri(blog.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": blog.title,
        "description": blog.standfirst,
        "inLanguage": blog.language,
        "datePublished": published_at(blog),
        "dateModified": changed_at(blog),
        "coverageStartTime": coverage_start(blog),
        "liveBlogUpdate": [update(request, url, entry) for entry in entries],
    }
    if blog.is_closed:
        data["coverageEndTime"] = coverage_end(blog)
    if hero is not None and hero.image.has_file:
        data["image"] = request.build_absolute_uri(hero.image.file.url)
    if blog.attribution:
        data["publisher"] = {"@type": "Organization", "name": blog.attribution}
    return data


def entry_posting(request: HttpRequest, entry: Entry) -> dict:
    """BlogPosting for an entry's permalink, part of its blog's LiveBlogPosting."""
    blog = entry.blog
    blog_url = request.build_absolute_uri(blog.get_absolute_url())
    return {
        "@context": "https://schema.org",
        **update(request, blog_url, entry),
        "url": request.build_absolute_uri(entry.get_absolute_url()),
        "inLanguage": entry.language or blog.language,
        "isPartOf": {"@type": "LiveBlogPosting", "url": blog_url, "headline": blog.title},
    }


def update(request: HttpRequest, blog_url: str, entry: Entry) -> dict:
    """One liveBlogUpdate: addressed within the blog page, so it opens the blog at the entry."""
    item = {
        "@type": "BlogPosting",
        "headline": entry.headline,
        "url": f"{blog_url}#entry-{entry.id}",
        "articleBody": plain_text(entry.shown_blocks),
    }
    # An update is in its blog's language (the posting's inLanguage) unless it says otherwise.
    if entry.own_language:
        item["inLanguage"] = entry.own_language
    if entry.published_at:
        item["datePublished"] = entry.published_at
    if entry.changed_at:
        item["dateModified"] = entry.changed_at
    if entry.verification:
        # schema.org's word for the state of a work: the report's label, in words machines
        # can rely on whatever the page's language ("Confirmed", "Retracted").
        item["creativeWorkStatus"] = entry.verification.title()
    authors = [author.get_full_name() or author.get_username() for author in entry.authors.all()]
    if authors:
        item["author"] = [{"@type": "Person", "name": name} for name in authors]
    return item


# --- a blog's dates ------------------------------------------------------------------------------


def source_date(blog: Blog, text: str, *, end_of_day: bool = False) -> datetime.datetime | None:
    """A date as the source wrote it, as the start (or end) of that day in the blog's zone."""
    text = " ".join(text.split())
    for fmt in SOURCE_DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day_bound(blog, day, end_of_day=end_of_day)
    return None


def day_bound(blog: Blog, day: datetime.date, *, end_of_day: bool = False) -> datetime.datetime:
    """Midnight starting (or ending) `day` in the blog's zone."""
    if end_of_day:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=blog.zone)


def coverage_start(blog: Blog) -> datetime.datetime:
    """When coverage starts: the set start, else the first timed entry, else the source's
    publication date or the covered day, else when the blog was made."""
    candidates = [
        blog.starts_at,
        getattr(blog, "first_entry_at", None),
        source_date(blog, blog.source_published),
        day_bound(blog, blog.coverage_date) if blog.coverage_date else None,
    ]
    return next((moment for moment in candidates if moment), blog.created_at)


def coverage_end(blog: Blog) -> datetime.datetime:
    """When a closed blog's coverage ended: when it was closed, else (imports do not say) its
    last timed entry, the end of the covered day or the source's last update. Never before it
    started."""
    candidates = [
        blog.closed_at,
        getattr(blog, "last_entry_at", None),
        day_bound(blog, blog.coverage_date, end_of_day=True) if blog.coverage_date else None,
        source_date(blog, blog.source_updated, end_of_day=True),
    ]
    end = next((moment for moment in candidates if moment), blog.changed_at)
    return max(end, coverage_start(blog))


def published_at(blog: Blog) -> datetime.datetime:
    """When the blog was first published: the source's date for imports, else coverage start."""
    return source_date(blog, blog.source_published) or coverage_start(blog)


def changed_at(blog: Blog) -> datetime.datetime:
    """The last change readers saw. For an import nobody has touched since, the import's own
    time says nothing: the source's last update, its last entry or its coverage say it."""
    if blog.is_as_imported:
        candidates = [
            source_date(blog, blog.source_updated),
            getattr(blog, "last_entry_at", None),
            coverage_end(blog) if blog.is_closed else None,
        ]
        moment = next((moment for moment in candidates if moment), None)
    else:
        moment = blog.changed_at
    return max(filter(None, [moment, published_at(blog)]))


def json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json">, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
