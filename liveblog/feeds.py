"""Atom feeds of a blog's published entries, and of its key events only."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext, pgettext

from liveblog import languages
from liveblog.models import Blog, Entry
from liveblog.stream import entry_changed_at, prepare, reader_entries, with_display_data

FEED_LENGTH = 50


class EntriesFeed(Feed):
    """Newest published entries first. Queries: blog, entries, captions, authors, corrections."""

    feed_type = Atom1Feed
    description_template = "liveblog/feed_entry.html"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        return languages.mark(response, request.feed_language)

    def get_object(self, request, slug: str) -> Blog:
        return get_object_or_404(Blog.objects.public(), slug=slug)

    def get_feed(self, blog: Blog, request):
        """The feed in the blog's language: its xml:lang and its own words."""
        request.feed_language = blog.language
        with languages.for_blog(blog):
            return super().get_feed(blog, request)

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
        return reader_entries(blog)

    def items(self, blog: Blog) -> list[Entry]:
        # By time, newest first: a feed has no pinned slot.
        entries = self.entries(blog).order_by("-sort_key", "-id")[:FEED_LENGTH]
        return prepare(with_display_data(entries), blog)

    def item_title(self, entry: Entry) -> str:
        return entry.headline

    def item_pubdate(self, entry: Entry):
        # Imported entries may have no time; the feed says nothing rather than invent one.
        return entry.published_at

    def item_updateddate(self, entry: Entry):
        # Never before "published" (a scheduled entry was saved before its time), and an
        # untouched import is not "updated" at its import; Atom wants an <updated>, so an
        # untimed entry says when it reached this site.
        return entry_changed_at(entry) or entry.updated_at

    def item_author_name(self, entry: Entry) -> str | None:
        names = [a.get_full_name() or a.get_username() for a in entry.authors.all()]
        return ", ".join(names) or None

    def item_categories(self, entry: Entry) -> list[str]:
        return [gettext("Key event")] if entry.is_key_event else []


class KeyEventsFeed(EntriesFeed):
    def title(self, blog: Blog) -> str:
        return pgettext("feed title", "%(blog)s: key events") % {"blog": blog.title}

    def feed_url(self, blog: Blog) -> str:
        return reverse("liveblog:blog-key-events-feed", kwargs={"slug": blog.slug})

    def entries(self, blog: Blog):
        return super().entries(blog).key_events()
