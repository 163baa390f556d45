"""Atom feeds of a blog's published entries, and of its key events only.

They follow the stream: entries are dated by their own times (an import keeps the source's),
`<updated>` is each entry's last reader-visible change, entries that left within the feed's
window are tombstones (RFC 6721 `at:deleted-entry`) until they age out, and the feeds are served
through the same respond path as the pages (ETag and Last-Modified from the blog's state,
Cache-Control like the pages, 304 on If-None-Match / If-Modified-Since).

The same two feeds as JSON Feed 1.1 (jsonfeed.org/version/1.1): the same entries, content,
times and validators. With LIVEBLOG_WEBSUB_HUB set, every feed names the hub and itself
(`Link` header and in the document) and each change pings the hub (liveblog.distribution).
"""

import json

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, get_tag_uri, rfc3339_date
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_safe

from liveblog import stream, structured_data
from liveblog.distribution import websub
from liveblog.freshness import BlogState
from liveblog.models import Blog, Entry
from liveblog.views import reader_view

FEED_LENGTH = 50
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"


class StreamFeed(Atom1Feed):
    """Atom with the stream's own `<updated>` (never the time of the request) and tombstones."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:at": TOMBSTONES_NS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if websub.hub():
            handler.addQuickElement("link", "", {"rel": "hub", "href": websub.hub()})

    def latest_post_date(self):
        return self.feed["updated"]

    def write_items(self, handler):
        super().write_items(handler)
        for ref, when, link in self.feed["tombstones"]:
            handler.startElement("at:deleted-entry", {"ref": ref, "when": rfc3339_date(when)})
            handler.addQuickElement("link", "", {"href": link})
            handler.endElement("at:deleted-entry")


def entry_id(url: str) -> str:
    """An entry's Atom id, from its permalink alone: a tombstone names a deleted entry by it."""
    return get_tag_uri(url, None)


class EntriesFeed(Feed):
    """Newest published entries first. Queries: entries, captions, authors, corrections, the
    removals in the window and whether they came back (the blog comes with its state)."""

    feed_type = StreamFeed
    description_template = "liveblog/feed_entry.html"
    key_events_only = False

    def __init__(self, blog: Blog, state: BlogState):
        super().__init__()
        self.blog, self.state = blog, state
        self.shown: list[Entry] | None = None

    def get_object(self, request) -> Blog:
        return self.blog

    def get_feed(self, blog: Blog, request):
        self.request = request
        return super().get_feed(blog, request)

    def feed_extra_kwargs(self, blog: Blog) -> dict:
        return {"updated": structured_data.changed_at(blog), "tombstones": self.tombstones(blog)}

    def title(self, blog: Blog) -> str:
        return blog.title

    def subtitle(self, blog: Blog) -> str:
        return blog.standfirst

    def link(self, blog: Blog) -> str:
        return blog.get_absolute_url()

    def feed_url(self, blog: Blog) -> str:
        return reverse("liveblog:blog-feed", kwargs={"slug": blog.slug})

    def author_name(self, blog: Blog) -> str | None:
        # None, not "": an empty <author><name/></author> is what feed validators reject.
        return blog.attribution or None

    def entries(self, blog: Blog):
        return stream.reader_entries(blog)

    def items(self, blog: Blog) -> list[Entry]:
        if self.shown is None:
            # By time, newest first: a feed has no pinned slot.
            entries = self.entries(blog).order_by("-sort_key", "-id")[:FEED_LENGTH]
            self.shown = stream.prepare(stream.with_display_data(entries), blog)
        return self.shown

    def tombstones(self, blog: Blog) -> list[tuple[str, object, str]]:
        """(id, when, permalink) of entries that left within the window the feed covers: since
        the oldest change of the entries shown (all the blog's, when the feed shows them all)."""
        shown = self.items(blog)
        after = min(entry.revision for entry in shown) if len(shown) == FEED_LENGTH else 0
        gone = stream.removals(
            blog, after=after, key_events_only=self.key_events_only, limit=FEED_LENGTH
        )
        tombstones = []
        for change in gone:
            path = reverse(
                "liveblog:entry-detail", kwargs={"slug": blog.slug, "pk": change.entry_id}
            )
            url = self.request.build_absolute_uri(path)
            tombstones.append((entry_id(url), change.at, url))
        return tombstones

    def item_guid(self, entry: Entry) -> str:
        return entry_id(self.request.build_absolute_uri(entry.get_absolute_url()))

    def item_title(self, entry: Entry) -> str:
        return entry.headline

    def item_pubdate(self, entry: Entry):
        # Imported entries may have no time; the feed says nothing rather than invent one.
        return entry.published_at

    def item_updateddate(self, entry: Entry):
        # The entry's last change readers saw (a correction moves it); an import keeps the
        # source's time. Atom wants an <updated>: an untimed entry gives its blog's publication.
        return entry.changed_at or entry.published_at or structured_data.published_at(self.blog)

    def item_author_name(self, entry: Entry) -> str | None:
        names = [a.get_full_name() or a.get_username() for a in entry.authors.all()]
        return ", ".join(names) or None

    def item_categories(self, entry: Entry) -> list[str]:
        categories = [gettext("Key event")] if entry.is_key_event else []
        if entry.verification:
            # The label's name, as readers of the page see it at the top of the entry.
            categories.append(entry.get_verification_display())
        return categories

    def get_context_data(self, **kwargs) -> dict:
        # The entry's template (its label is dated in the blog's zone) needs the blog.
        return {**super().get_context_data(**kwargs), "entry": kwargs["item"], "blog": self.blog}


class KeyEventsFeed(EntriesFeed):
    key_events_only = True

    def title(self, blog: Blog) -> str:
        return pgettext("feed title", "%(blog)s: key events") % {"blog": blog.title}

    def feed_url(self, blog: Blog) -> str:
        return reverse("liveblog:blog-key-events-feed", kwargs={"slug": blog.slug})

    def entries(self, blog: Blog):
        return super().entries(blog).key_events()


def json_feed(request: HttpRequest, feed: EntriesFeed) -> HttpResponse:
    """The feed as JSON Feed 1.1: the Atom feed's entries, content and times."""
    blog = feed.blog
    feed.request = request
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title(blog),
        "home_page_url": request.build_absolute_uri(blog.get_absolute_url()),
        "feed_url": request.build_absolute_uri(request.path),
        "language": blog.language,
    }
    if blog.standfirst:
        document["description"] = blog.standfirst
    if blog.attribution:
        document["authors"] = [{"name": blog.attribution}]
    if websub.hub():
        document["hubs"] = [{"type": "WebSub", "url": websub.hub()}]
    items = []
    for entry in feed.items(blog):
        url = request.build_absolute_uri(entry.get_absolute_url())
        item = {
            "id": feed.item_guid(entry),
            "url": url,
            "title": entry.headline,
            "content_html": render_to_string(feed.description_template, {"obj": entry}, request),
            "date_modified": feed.item_updateddate(entry).isoformat(),
        }
        if entry.published_at:
            item["date_published"] = entry.published_at.isoformat()
        if authors := feed.item_author_name(entry):
            item["authors"] = [{"name": authors}]
        if tags := feed.item_categories(entry):
            item["tags"] = tags
        items.append(item)
    document["items"] = items
    body = json.dumps(document, ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/feed+json; charset=utf-8")


@require_safe
@reader_view("feed", preview=False, coverage=True)
def blog_feed(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    return websub.link_header(EntriesFeed(blog, state)(request), request)


@require_safe
@reader_view("key-events-feed", preview=False, coverage=True)
def key_events_feed(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    return websub.link_header(KeyEventsFeed(blog, state)(request), request)


@require_safe
@reader_view("json-feed", preview=False, coverage=True)
def blog_json_feed(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    return websub.link_header(json_feed(request, EntriesFeed(blog, state)), request)


@require_safe
@reader_view("key-events-json-feed", preview=False, coverage=True)
def key_events_json_feed(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    return websub.link_header(json_feed(request, KeyEventsFeed(blog, state)), request)
