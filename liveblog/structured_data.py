"""schema.org structured data (JSON-LD) for blog pages and entry permalinks."""

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest

from liveblog.models import Blog, Entry
from liveblog.stream import plain_text


def live_blog_posting(request: HttpRequest, blog: Blog, entries: list[Entry], hero) -> dict:
    """LiveBlogPosting for the blog page, with the page's entries as updates."""
    url = request.build_absolute_uri(blog.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": blog.title,
        "description": blog.standfirst,
        "dateModified": blog.changed_at,
        "liveBlogUpdate": [posting(request, entry) for entry in entries],
    }
    if start := coverage_start(blog):
        data["coverageStartTime"] = start
        data["datePublished"] = start
    if blog.is_closed and blog.closed_at:
        data["coverageEndTime"] = blog.closed_at
    if hero is not None and hero.image.has_file:
        data["image"] = request.build_absolute_uri(hero.image.file.url)
    if blog.attribution:
        data["publisher"] = {"@type": "Organization", "name": blog.attribution}
    return data


def entry_posting(request: HttpRequest, entry: Entry) -> dict:
    """BlogPosting for an entry's permalink, part of its blog's LiveBlogPosting."""
    blog = entry.blog
    return {
        "@context": "https://schema.org",
        **posting(request, entry),
        "isPartOf": {
            "@type": "LiveBlogPosting",
            "url": request.build_absolute_uri(blog.get_absolute_url()),
            "headline": blog.title,
        },
    }


def coverage_start(blog: Blog) -> datetime | None:
    """When coverage starts as far as we know: the set start, else the covered day's midnight."""
    if blog.starts_at:
        return blog.starts_at
    if blog.coverage_date:
        return datetime.combine(blog.coverage_date, datetime.min.time(), tzinfo=blog.zone)
    return None


def posting(request: HttpRequest, entry: Entry) -> dict:
    item = {
        "@type": "BlogPosting",
        "headline": entry.headline,
        "url": request.build_absolute_uri(entry.get_absolute_url()),
        "articleBody": plain_text(entry.shown_blocks),
    }
    if entry.published_at:
        item["datePublished"] = entry.published_at
    authors = [author.get_full_name() or author.get_username() for author in entry.authors.all()]
    if authors:
        item["author"] = [{"@type": "Person", "name": name} for name in authors]
    return item


def json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json">, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
