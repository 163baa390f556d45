"""Changelists run a fixed number of queries, however many entries and images a blog holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liveblog.models import Caption, Entry, EntryStatus, Image
from tests.factories import make_blog, make_caption, make_entry

pytestmark = pytest.mark.django_db

ENTRIES = 2000
IMAGES = 500


def build_big_blog():
    """A blog with 2,000 entries and 500 images, each image placed in an entry (bulk-created)."""
    blog = make_blog(title="Big night")
    Entry.objects.bulk_create(
        Entry(
            blog=blog,
            headline=f"Update {n}",
            body=f"Paragraph {n}." + ("\n\n[Statement]()" if n % 50 == 0 else ""),
            order=n,
            status=EntryStatus.PUBLISHED if n % 3 else EntryStatus.DRAFT,
            is_key_event=n % 10 == 0,
            is_pinned=n == ENTRIES,
        )
        for n in range(1, ENTRIES + 1)
    )
    images = Image.objects.bulk_create(
        Image(
            alt_text=f"Picture {n}",
            credit=f"Agency {n % 7}",
            file=f"images/2024/01/p{n}.jpg" if n % 2 else "",
            width=8 if n % 2 else None,
            height=6 if n % 2 else None,
        )
        for n in range(IMAGES)
    )
    entries = list(Entry.objects.filter(blog=blog).order_by("-order")[:IMAGES])
    Caption.objects.bulk_create(
        Caption(blog=blog, entry=entry, image=image, text=f"Caption {n}", position=1)
        for n, (entry, image) in enumerate(zip(entries, images, strict=True))
    )
    # Some blogs beside it, so the blog list has several rows to count for.
    for _ in range(5):
        other = make_blog()
        make_caption(entry=make_entry(other))
    return blog


def with_blog(params: dict, blog) -> dict:
    return {key: blog.pk if value == "<blog>" else value for key, value in params.items()}


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


# Every page: session, user, the user's group and own permissions (2), then the page's own:
# blogs: filtered count, full count, the rows (counts are subqueries in that one query);
# entries: + the chosen blog for the blog filter, when one is chosen;
# images: + the distinct credits for the credit filter;
# captions: filtered count, full count, the rows with image, entry and blog joined.
PAGES = [
    ("admin:liveblog_blog_changelist", {}, 7),
    ("admin:liveblog_entry_changelist", {}, 7),
    ("admin:liveblog_entry_changelist", {"attention": "yes"}, 7),
    ("admin:liveblog_entry_changelist", {"q": "update", "blog__id__exact": "<blog>"}, 8),
    ("admin:liveblog_image_changelist", {}, 8),
    ("admin:liveblog_image_changelist", {"q": "caption", "has_file": "yes"}, 8),
    ("admin:liveblog_caption_changelist", {}, 7),
]


@pytest.mark.slow
@pytest.mark.parametrize(("url_name", "params", "budget"), PAGES)
def test_changelist_query_count_does_not_grow_with_the_data(
    editor_client, url_name, params, budget, django_assert_max_num_queries
):
    # The same page over a tiny database first: the big one must not need a single query more.
    small_blog = make_blog()
    make_caption(entry=make_entry(small_blog))
    small = count_queries(editor_client, reverse(url_name), with_blog(params, small_blog))
    Caption.objects.all().delete()
    Image.objects.all().delete()

    big_blog = build_big_blog()
    with django_assert_max_num_queries(small):
        response = editor_client.get(reverse(url_name), with_blog(params, big_blog))
    assert len(response.context["cl"].result_list) > 1
    assert small <= budget
