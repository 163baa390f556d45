"""Query budget: every list endpoint runs a fixed number of queries, whatever the page size."""

import pytest

from liveblog.models import Correction
from tests.factories import image_upload, make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db

PAGE = 100


@pytest.fixture
def busy_blog(media_root, django_user_model):
    """A blog with a hero and 100 entries, each with a picture (some with files), a correction
    and an author; plus 100 more blogs with heroes."""
    author = django_user_model.objects.create_user("author", first_name="Ann", last_name="Author")
    blog = make_blog(slug="busy")
    with_file = make_image(file=image_upload(width=400, height=300))
    make_caption(blog=blog, image=with_file)
    for n in range(PAGE):
        entry = make_entry(blog)
        entry.authors.add(author)
        make_caption(entry=entry, image=with_file if n % 10 == 0 else make_image())
        Correction.objects.create(entry=entry, text="Fixed a name")
    for _ in range(PAGE):
        make_caption(blog=make_blog())
    return blog


# blogs: overdue entries to announce, aggregate over blogs (the ETag), count, page, heroes,
#   translations.
# entries: the blog (with counts and its state), page, captions+images, corrections, authors.
# feed: the blog's state, the page of changes (stream.changes), the changed entries the caller
#   sees, captions+images, corrections, authors.
# images, captions: count, page.
# Anonymous answers are remembered under the blog's state (liveblog.freshness): a hit skips all
# but the blog's query.
BUDGETS = {
    "/api/blogs/": 6,
    "/api/blogs/busy/entries/": 5,
    # Since the hero's change (revision 1): every page of changes then names entries.
    "/api/blogs/busy/entries/?since=1": 6,
    "/api/images/": 2,
    "/api/captions/": 2,
}
# Editors also see drafts: their ETag reads the blog's state version, which drafts move, from
# the blog they load instead of the public state (it used to cost a count of all the blog's
# entries more).
EDITOR_EXTRA: dict[str, int] = {}


def get_page(client, url: str, page_size: int):
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}page_size={page_size}")
    assert response.status_code == 200, url
    found = response.json()
    if "since=" in url:
        # The change feed pages through changes, each entry's last one counting: a page of
        # `page_size` changes holds at most as many entries.
        assert 0 < len(found["results"]) <= page_size, url
    else:
        assert len(found["results"]) == page_size, url


def test_list_endpoints_run_a_fixed_number_of_queries(
    api_client, busy_blog, django_assert_num_queries
):
    # One test for all lists so the busy fixture is built once.
    for url, queries in BUDGETS.items():
        for page_size in (1, PAGE):
            with django_assert_num_queries(queries):
                get_page(api_client, url, page_size)


def test_editor_lists_cost_three_or_four_more_queries(
    api_editor_client, busy_blog, django_assert_num_queries
):
    for url, queries in BUDGETS.items():
        # The token, the user's own permissions, the user's group permissions.
        with django_assert_num_queries(queries + 3 + EDITOR_EXTRA.get(url, 0)):
            get_page(api_editor_client, url, PAGE)


def test_detail_endpoints_are_cheap(api_client, busy_blog, django_assert_num_queries):
    entry = busy_blog.entries.first()
    # The blog with counts, its hero, its translations.
    with django_assert_num_queries(3):
        assert api_client.get("/api/blogs/busy/").status_code == 200
    # The entry with its blog, captions+images, corrections, authors.
    with django_assert_num_queries(4):
        assert api_client.get(f"/api/entries/{entry.pk}/").status_code == 200
