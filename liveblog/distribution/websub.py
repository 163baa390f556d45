"""WebSub (W3C): every feed names the hub (LIVEBLOG_WEBSUB_HUB) and itself, in its Link header
and in the document; each change of a blog pings the hub for the blog's feeds, from the queue.
The hub is the operator's choice (a setting), not an address from outside."""

import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from liveblog.distribution.site import absolute
from liveblog.models import Blog

TIMEOUT = 10

# The blog's feeds, by URL name: all updates and key events, as Atom and as JSON Feed.
FEEDS = ("blog-feed", "blog-json-feed")
KEY_EVENT_FEEDS = ("blog-key-events-feed", "blog-key-events-json-feed")


def hub() -> str:
    return settings.LIVEBLOG_WEBSUB_HUB


def feed_urls(blog: Blog, *, key_events: bool) -> list[str]:
    names = FEEDS + (KEY_EVENT_FEEDS if key_events else ())
    return [absolute(reverse(f"liveblog:{name}", kwargs={"slug": blog.slug})) for name in names]


def link_header(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    """Link: <hub>; rel="hub", <this feed>; rel="self" (when a hub is set)."""
    if hub():
        self_url = request.build_absolute_uri(request.path)
        response.headers["Link"] = f'<{hub()}>; rel="hub", <{self_url}>; rel="self"'
    return response


def ping(urls: list[str]) -> int:
    """Tell the hub these feeds changed (hub.mode=publish, one hub.url each); the hub's
    status. Raises OSError when the hub cannot be reached."""
    body = urllib.parse.urlencode(
        [("hub.mode", "publish"), *(("hub.url", url) for url in urls)]
    ).encode()
    request = urllib.request.Request(
        hub(),
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
