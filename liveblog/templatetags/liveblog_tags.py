"""Template helpers for the public pages. None of them run queries."""

import datetime

from django import template
from django.conf import settings

from liveblog import body, renditions, structured_data
from liveblog import embed as embed_module
from liveblog.models import Blog, Entry

register = template.Library()

# How wide a figure is drawn: the full column on phones, at most the column width on desktop.
FIGURE_SIZES = "(min-width: 46rem) 42rem, 100vw"


@register.inclusion_tag("liveblog/_figure.html")
def figure(caption, *, eager: bool = False) -> dict:
    """A captioned picture: sized renditions when uploaded, its alt text in a placeholder if not."""
    image = caption.image
    context = {"caption": caption, "image": image, "eager": eager}
    if image.has_file and image.width:
        context.update(
            src=renditions.rendition_url(image, 960),
            srcset=renditions.srcset(image),
            srcset_webp=renditions.srcset(image, "webp"),
            sizes=FIGURE_SIZES,
        )
    return context


@register.filter
def rendition(image, width: int) -> str:
    """The URL of an uploaded image's rendition nearest `width` pixels, or "" without a file."""
    if not image or not image.has_file:
        return ""
    return renditions.rendition_url(image, int(width))


@register.filter
def machine_time(moment: datetime.datetime | datetime.date | None) -> str:
    """A moment for a `datetime` attribute: ISO 8601 in UTC to the second. Django's `date:'c'`
    writes microseconds, which HTML's time grammar does not allow (at most three digits)."""
    if not moment:
        return ""
    if not isinstance(moment, datetime.datetime):
        return moment.isoformat()
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return moment.replace(microsecond=0).isoformat()


@register.filter
def summary(blog: Blog) -> str:
    """A blog's description for search results and cards, never empty: its standfirst, else
    its first key point, else its intro's first paragraph, else its title."""
    candidates = [blog.standfirst, *blog.key_points[:1], *blog.intro_paragraphs()[:1], blog.title]
    text = next(" ".join(text.split()) for text in candidates if text and text.strip())
    return text if len(text) <= 300 else text[:299].rsplit(" ", 1)[0] + "…"


@register.filter
def published_time(item: Blog | Entry) -> datetime.datetime | None:
    """When a blog (through `stream.with_coverage()`) or an entry was first published."""
    if isinstance(item, Blog):
        return structured_data.published_at(item)
    return item.published_at


@register.filter
def modified_time(item: Blog | Entry) -> datetime.datetime | None:
    """When readers last saw a blog (through `stream.with_coverage()`) or an entry change."""
    if isinstance(item, Blog):
        return structured_data.changed_at(item)
    return item.changed_at


@register.filter
def source_updated_day(blog: Blog) -> datetime.date | None:
    """The day the source says it was last updated, if its text reads as a date."""
    moment = structured_data.source_date(blog, blog.source_updated)
    return moment.date() if moment else None


@register.simple_tag
def embed_entry_count() -> int:
    """How many updates an embedded blog shows (its script keeps to it as updates arrive)."""
    return embed_module.EMBED_ENTRIES


@register.filter
def latest_for_embed(entries: list) -> list:
    return list(entries)[: embed_module.EMBED_ENTRIES]


@register.simple_tag
def site_name() -> str:
    return settings.LIVEBLOG_SITE_NAME


@register.filter
def safe_url(url: str) -> str:
    """The URL if the URL policy (body.safe_url) lets readers follow it, "" otherwise."""
    return body.safe_url(url)


@register.simple_tag(takes_context=True)
def absolute(context, url: str) -> str:
    """An absolute URL for social metadata (which must not be relative)."""
    return context["request"].build_absolute_uri(url) if url else ""


@register.filter
def inline(text: str):
    """Paragraph, list item or quote text with its inline markup (links, emphasis) as HTML,
    everything else escaped (body.inline_html)."""
    return body.inline_html(text or "")


@register.inclusion_tag("liveblog/_embed_block.html", takes_context=True)
def embed(context, block: dict) -> dict:
    """An embed as a privacy placeholder: the provider, a link, and a button that loads the
    provider's player (liveblog/embeds.js); nothing is fetched from the provider before that.
    In feeds (`in_feed`), where no script runs, the link alone."""
    url = body.safe_url(block.get("url", ""))
    provider = body.embed_provider(url)
    return {
        "provider": provider or "link",
        "label": body.embed_label(provider) if provider else url,
        "url": url,
        "frame": "" if context.get("in_feed") else body.embed_frame_url(url),
    }
