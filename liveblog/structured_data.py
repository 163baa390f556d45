"""schema.org structured data (JSON-LD) for blog pages and entry permalinks, and the dates a
blog's coverage spans (also used by the sitemap).

Search engines want, of a LiveBlogPosting: coverageStartTime always, coverageEndTime once it
ended, dateModified, and updates each with a url (the page's own address with #entry-N) and a
datePublished. Imported blogs often know only the day they covered and the source's dates as
text, and their entries no time at all: those give day-level times here, and an entry without
a time gets none invented.

Google's article rules add: an author and a publisher (with a logo), an image (Discover wants
one at least 1200 px wide, and the page's `max-image-preview:large`). Each update carries its
own author and, where it has a photo, its image.
"""

import datetime
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpRequest
from django.templatetags.static import static

from liveblog import renditions, stream
from liveblog.models import Blog, Caption, Entry, Image
from liveblog.stream import plain_text

# How sources write their dates ("February 13, 2025", "13 February 2025", "2025-02-13").
SOURCE_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")
# The width of the picture given to search engines and cards: Google Discover shows large
# previews only of images at least 1200 px wide.
LARGE_IMAGE_WIDTH = 1200


def live_blog_posting(
    request: HttpRequest, blog: Blog, entries: list[Entry], hero, key_events: list[Entry] = ()
) -> dict:
    """LiveBlogPosting for the blog page. Its updates are a bounded list: the page's entries
    (on the blog's address, the latest) and then the latest key events not among them
    (LIVEBLOG_KEY_EVENTS_SHOWN), so that search engines see the story's milestones however long
    the blog runs. The blog must come through `stream.with_coverage()`.

    `key_events` are the blog's key events as `stream.key_event_links()` gives them; those not
    on the page cost one query and their prefetches (made only when there are some)."""
    url = request.build_absolute_uri(blog.get_absolute_url())
    updates = list(entries)
    shown = {entry.pk for entry in updates}
    if missing := [event.pk for event in key_events if event.pk not in shown]:
        updates += off_page_entries(blog, missing)
    publisher = organization(request)
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
        "author": blog_authors(blog, updates) or publisher,
        "publisher": publisher,
        "liveBlogUpdate": [update(request, url, entry) for entry in updates],
    }
    if blog.is_closed:
        data["coverageEndTime"] = coverage_end(blog)
    pictures = [hero.image] if hero is not None else []
    pictures += [picture for entry in updates for picture in entry_images(entry)]
    if picture := next((picture for picture in pictures if picture.has_file), None):
        data["image"] = image_object(request, picture)
    else:
        data["image"] = publisher["logo"]
    return data


def off_page_entries(blog: Blog, ids: list[int]) -> list[Entry]:
    """The blog's entries with these ids, newest first, with what an update shows (pictures,
    authors; no corrections). Three queries."""
    entries = stream.reader_entries(blog).filter(pk__in=ids).newest_first()
    captions = Prefetch("captions", queryset=Caption.objects.select_related("image"))
    return stream.prepare(entries.prefetch_related(captions, "authors"), blog)


def organization(request: HttpRequest) -> dict:
    """The publisher: the site's organisation and its logo (LIVEBLOG_PUBLISHER_NAME and
    LIVEBLOG_PUBLISHER_LOGO, a path under the static files or an absolute address)."""
    logo = settings.LIVEBLOG_PUBLISHER_LOGO
    if "://" not in logo:
        logo = request.build_absolute_uri(static(logo))
    return {
        "@type": "Organization",
        "name": settings.LIVEBLOG_PUBLISHER_NAME,
        "url": request.build_absolute_uri("/"),
        "logo": {"@type": "ImageObject", "url": logo},
    }


def person(user) -> dict:
    return {"@type": "Person", "name": user.get_full_name() or user.get_username()}


def blog_authors(blog: Blog, entries: list[Entry]) -> list[dict] | dict:
    """Who wrote the blog: the source it credits (imports), else the authors of its updates
    in the order they first appear; empty when neither is known."""
    if blog.attribution:
        return {"@type": "Organization", "name": blog.attribution}
    people = {}
    for entry in entries:
        for author in entry.authors.all():
            people.setdefault(author.pk, person(author))
    return list(people.values())


def entry_images(entry: Entry) -> list[Image]:
    """The pictures placed in the entry, in order (its blocks carry their captions)."""
    return [
        block["caption_obj"].image
        for block in getattr(entry, "shown_blocks", ())
        if block["type"] == "image"
    ]


def pixels(count: int) -> dict:
    return {"@type": "QuantitativeValue", "value": count, "unitCode": "E37"}


def image_object(request: HttpRequest, image: Image) -> dict:
    """An uploaded picture as schema.org ImageObject: its large rendition, with its size."""
    width = renditions.nearest_width(image, LARGE_IMAGE_WIDTH) or image.width
    data = {
        "@type": "ImageObject",
        "url": request.build_absolute_uri(renditions.rendition_url(image, LARGE_IMAGE_WIDTH)),
    }
    if width and image.width and image.height:
        # schema.org sizes are QuantitativeValues (not bare numbers); E37 is UN/CEFACT's pixel.
        data["width"] = pixels(width)
        data["height"] = pixels(round(image.height * width / image.width))
    if image.alt_text:
        data["description"] = image.alt_text
    if image.credit:
        data["creditText"] = image.credit
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
    if authors := [person(author) for author in entry.authors.all()]:
        item["author"] = authors
    elif entry.blog.attribution:
        item["author"] = {"@type": "Organization", "name": entry.blog.attribution}
    if pictures := [image_object(request, p) for p in entry_images(entry) if p.has_file]:
        item["image"] = pictures if len(pictures) > 1 else pictures[0]
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
