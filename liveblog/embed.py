"""Embedding a blog or an entry in partner sites: the embed code, framing rules, oEmbed.

A partner pastes an iframe of the blog's embed view and one script (static/liveblog/embed.js)
that sizes the iframe to what the frame reports by postMessage (static/liveblog/frame.js). Only
the embed views may be framed, by the ancestors LIVEBLOG_EMBED_ANCESTORS names; every other page
keeps X-Frame-Options: DENY. Other CMSs find the code by URL through the oEmbed endpoint.
"""

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from csp.utils import build_policy
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse

from liveblog.models import Blog, Entry

# The frame's size before it reports its own, and the widest it is drawn.
EMBED_WIDTH = 640
EMBED_HEIGHT = 800
# An embedded blog shows its latest updates, with a link to the whole blog after them; the frame
# grows to its content's height up to EMBED_MAX_HEIGHT, then scrolls inside (a partner page
# once grew to 9,691 px).
EMBED_ENTRIES = 6
EMBED_MAX_HEIGHT = 2400
# oEmbed consumers may cache an answer this long (seconds); the frame itself stays live.
OEMBED_CACHE_AGE = 3600
# The teaser card's frame: a fixed size, reserved before it loads (no layout shift).
TEASER_WIDTH, TEASER_HEIGHT = 360, 300


class BadRequest(Exception):
    """An oEmbed request that cannot be answered; `status` is the HTTP answer to give."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def framing_policy() -> str:
    """The site's whole Content-Security-Policy with one difference: `frame-ancestors` names
    LIVEBLOG_EMBED_ANCESTORS instead of 'none'. Scripts, objects, styles and the rest stay as
    strict inside a partner's frame as on the site."""
    ancestors = list(settings.LIVEBLOG_EMBED_ANCESTORS) or ["'none'"]
    return build_policy(replace={"frame-ancestors": ancestors})


def allow_framing(response: HttpResponse) -> HttpResponse:
    """Let the ancestors in LIVEBLOG_EMBED_ANCESTORS frame this response (and only this one:
    the view is also exempt from X-Frame-Options). The header is set here, whole, so the
    response cache keeps it; the CSP middleware leaves a policy it finds alone."""
    response.headers["Content-Security-Policy"] = framing_policy()
    return response


def embed_url(request: HttpRequest, blog: Blog, entry: Entry | None = None) -> str:
    if entry is None:
        path = reverse("liveblog:blog-embed", kwargs={"slug": blog.slug})
    else:
        path = reverse("liveblog:entry-embed", kwargs={"slug": blog.slug, "pk": entry.pk})
    return request.build_absolute_uri(path)


def embed_code(
    request: HttpRequest,
    blog: Blog,
    entry: Entry | None = None,
    *,
    width: int = EMBED_WIDTH,
    height: int = EMBED_HEIGHT,
) -> str:
    """The HTML a partner pastes: the iframe and the script that sizes it."""
    return render_to_string(
        "liveblog/_embed_code.html",
        {
            "blog": blog,
            "entry": entry,
            "src": embed_url(request, blog, entry),
            "script": request.build_absolute_uri(static("liveblog/embed.js")),
            "width": width,
            "height": height,
            "max_height": EMBED_MAX_HEIGHT,
        },
    ).strip()


def teaser_code(request: HttpRequest, blog: Blog) -> str:
    """The HTML of the "LIVE · latest updates" card: a frame of fixed size."""
    src = request.build_absolute_uri(reverse("liveblog:blog-teaser", kwargs={"slug": blog.slug}))
    return render_to_string(
        "distribution/_teaser_code.html",
        {"blog": blog, "src": src, "width": TEASER_WIDTH, "height": TEASER_HEIGHT},
    ).strip()


def oembed_url(request: HttpRequest, url: str) -> str:
    """The oEmbed endpoint's address for one of our pages (for discovery links)."""
    query = urlencode({"url": url, "format": "json"})
    return request.build_absolute_uri(reverse("liveblog:oembed")) + "?" + query


@dataclass(frozen=True)
class Target:
    """What an oEmbed request asks for: a blog, or one of its entries, at a size."""

    slug: str
    entry_id: int | None
    width: int
    height: int
    teaser: bool = False


def _size(request: HttpRequest, name: str, default: int) -> int:
    value = request.GET.get(name, "")
    if value == "":
        return default
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 100_000:
        raise BadRequest(f"{name} must be a whole number of pixels.")
    return min(int(value), default)


def target(request: HttpRequest) -> Target:
    """The blog or entry named by ?url= (a blog page, blog#entry-N or an entry permalink on
    this site), with the size the consumer allows. Raises BadRequest or Http404."""
    fmt = request.GET.get("format", "json")
    if fmt != "json":
        raise BadRequest("Only format=json is offered.", status=501)
    width, height = _size(request, "maxwidth", EMBED_WIDTH), _size(request, "maxheight", 10**5)
    height = min(height, EMBED_HEIGHT)
    url = request.GET.get("url", "").strip()
    if not url:
        raise BadRequest("url is required: the address of a live blog or one of its updates.")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Http404("url is not an address.") from None
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != request.get_host().lower():
        raise Http404("url is not an address on this site.")
    try:
        match = _resolve_path(parts.path)
    except Resolver404:
        raise Http404("url names no live blog.") from None
    slug = match.kwargs["slug"]
    if match.url_name == "blog-teaser":
        return Target(slug, None, TEASER_WIDTH, TEASER_HEIGHT, teaser=True)
    if match.url_name == "entry-detail":
        return Target(slug, match.kwargs["pk"], width, height)
    entry_id = None
    if parts.fragment.startswith("entry-") and parts.fragment[6:].isdigit():
        entry_id = int(parts.fragment[6:])
    return Target(slug, entry_id, width, height)


def _resolve_path(path: str):
    match = resolve(path)
    names = ("blog-detail", "entry-detail", "blog-teaser")
    if match.namespace != "liveblog" or match.url_name not in names:
        raise Resolver404(path)
    return match


def oembed_document(request: HttpRequest, blog: Blog, entry: Entry | None, target: Target) -> dict:
    """The oEmbed "rich" answer for the blog or entry."""
    title = entry.headline if entry is not None else blog.title
    document = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": settings.LIVEBLOG_SITE_NAME,
        "provider_url": request.build_absolute_uri(reverse("liveblog:blog-list")),
        "cache_age": OEMBED_CACHE_AGE,
        "html": (
            teaser_code(request, blog)
            if target.teaser
            else embed_code(request, blog, entry, width=target.width, height=target.height)
        ),
        "width": target.width,
        "height": target.height,
    }
    if blog.attribution:
        document["author_name"] = blog.attribution
    return document
