"""Public reader pages: the index, a blog's page, entry permalinks, search."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from liveblog import body
from liveblog.models import Blog, BlogStatus, Correction, Entry, EntryStatus
from tests.factories import make_blog, make_caption, make_entry, make_image, make_untimed_entry

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text(page: str) -> str:
    """The page with its tags taken out (search marks its matches)."""
    return re.sub(r"<[^>]+>", "", page)


def json_ld(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


# --- index ---------------------------------------------------------------------------------------


def test_index_lists_live_blogs_first_and_hides_drafts(client):
    closed = make_blog(title="Closed one", status=BlogStatus.CLOSED)
    live = make_blog(title="Live one")
    make_blog(title="Secret draft", status=BlogStatus.DRAFT)
    Blog.objects.bump(closed.pk)  # the closed blog changed last, yet the live one still leads

    page = html(client.get("/"))

    assert "Secret draft" not in page
    assert page.index("Live one") < page.index("Closed one")
    assert 'class="badge badge--live">Live</span>' in page
    # To the second: HTML's time grammar allows at most three fractional digits.
    assert f'datetime="{live.changed_at.replace(microsecond=0).isoformat()}"' in page


def test_index_is_paginated(client, settings):
    settings.LIVEBLOG_PAGE_SIZE = 2
    for n in range(3):
        make_blog(title=f"Blog number {n}", status=BlogStatus.CLOSED)

    first, second = html(client.get("/")), html(client.get("/?page=2"))

    assert first.count("blog-card__title") == 2 and 'rel="next"' in first
    assert second.count("blog-card__title") == 1


def test_index_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    for _ in range(30):
        make_blog()
    # 1. count public blogs for the paginator  2. the page of blogs  3. the live blogs' latest
    # updates (their teaser cards), one query for them all
    with django_assert_num_queries(3):
        client.get("/")


# --- a blog's page -------------------------------------------------------------------------------


@pytest.fixture
def blog():
    blog = make_blog(
        title="Ukraine latest",
        standfirst="Leaders meet in Washington.",
        key_points=["Point one", "Point two"],
        intro="First intro paragraph.\n\nSecond intro paragraph.",
        attribution="Al Jazeera and news agencies",
        time_zone="Europe/Kyiv",
    )
    make_caption(
        blog=blog,
        text="The president speaks",
        image=make_image(
            alt_text="A man at a lectern", credit="Andrew Harnik/AP", is_file_photo=True
        ),
    )
    return blog


def test_blog_page_shows_the_blog_furniture(client, blog):
    page = html(client.get(blog.get_absolute_url()))

    assert '<h1 class="blog-header__title">Ukraine latest</h1>' in page
    assert "Leaders meet in Washington." in page
    # A hero without its file shows nothing at all (imports bring captions without files).
    assert "<figure" not in page and "The president speaks" not in page
    assert "What you need to know" in page and "<li>Point two</li>" in page
    assert "<p>First intro paragraph.</p><p>Second intro paragraph.</p>" in page
    assert "Source: Al Jazeera and news agencies" in page
    assert '<html lang="en-gb" dir="ltr">' in page


def test_entries_render_their_blocks_in_order(client, blog):
    author = get_user_model().objects.create(username="ana", first_name="Ana", last_name="Lee")
    entry = make_entry(
        blog,
        headline="Talks end",
        body="Opening paragraph.\n\n- first\n- second\n\n[Read more](https://example.com/)"
        "\n\n[Lost link]()\n\n[interactive: NATO map]\n\n[Bad](javascript:alert)",
        published_at=dt.datetime(2022, 2, 7, 18, 5, tzinfo=dt.UTC),
    )
    entry.authors.add(author)
    make_caption(entry=entry, position=1, text="At the table", image=make_image(alt_text="Chairs"))
    Correction.objects.create(entry=entry, text="Corrected the time of the meeting.")

    page = html(client.get(blog.get_absolute_url()))
    body = page[page.index(f'id="entry-{entry.pk}"') :]

    assert '<time datetime="2022-02-07T18:05:00+00:00">20:05 EET' in body  # in the blog's zone
    assert "By <bdi>Ana Lee</bdi>" in body
    order = ["Opening paragraph.", "Chairs", "At the table", "<li>first</li>", "Read more"]
    assert [body.index(text) for text in order] == sorted(body.index(text) for text in order)
    assert '<a href="https://example.com/">Read more</a>' in body
    assert '<p class="block-link block-link--stub">Lost link</p>' in body
    assert "<strong>Interactive:</strong> NATO map" in body
    assert "javascript:" not in body and 'block-link--stub">Bad<' in body
    assert "Corrected the time of the meeting." in body
    assert f'href="{entry.get_absolute_url()}"' in body


def test_stream_puts_the_pinned_entry_first_then_newest(client, blog):
    older = make_entry(blog, headline="Older news")
    pinned = make_entry(blog, headline="Pinned news")
    newer = make_entry(blog, headline="Newer news")
    pinned.pin()

    page = html(client.get(blog.get_absolute_url()))

    positions = [page.index(f'id="entry-{e.pk}"') for e in (pinned, newer, older)]
    assert positions == sorted(positions)


def test_unpublished_and_scheduled_entries_are_absent(client, blog):
    make_entry(blog, headline="Draft entry", status=EntryStatus.DRAFT)
    make_entry(
        blog, headline="Scheduled entry", published_at=timezone.now() + dt.timedelta(hours=1)
    )
    make_entry(blog, headline="Visible entry")

    page = html(client.get(blog.get_absolute_url()))

    assert "Visible entry" in page
    assert "Draft entry" not in page and "Scheduled entry" not in page


def test_key_events_list_and_toggle_work_without_javascript(client, blog):
    key = make_entry(blog, headline="Key moment", is_key_event=True)
    make_entry(blog, headline="Ordinary moment")

    everything = html(client.get(blog.get_absolute_url()))
    only_key = html(client.get(blog.get_absolute_url() + "?key_events=1"))

    assert f'<a data-entry-id="{key.pk}" href="#entry-{key.pk}"><time' in everything
    assert "</time> Key moment</a>" in everything
    assert "Ordinary moment" in everything
    assert "Key moment" in only_key and "Ordinary moment" not in only_key
    assert f'href="/{blog.slug}/?key_events=1" aria-current="page"' in only_key
    # aria-label names a group, not a bare paragraph (where ARIA forbids it).
    assert '<p class="filter" id="key-events-filter" role="group" aria-label="Show">' in everything


def test_status_notices(client):
    upcoming = make_blog(
        status=BlogStatus.UPCOMING,
        starts_at=dt.datetime(2030, 5, 1, 9, 0, tzinfo=dt.UTC),
        time_zone="Europe/London",
    )
    closed = make_blog(closed_notice="Thanks for joining us.")
    closed.set_status(BlogStatus.CLOSED)

    upcoming_page = html(client.get(upcoming.get_absolute_url()))
    closed_page = html(client.get(closed.get_absolute_url()))

    assert "Live coverage starts at" in upcoming_page and "10:00 BST" in upcoming_page
    assert "This live blog has ended." in closed_page and "Thanks for joining us." in closed_page
    assert 'data-status="closed"' in closed_page


def test_untouched_import_says_when_the_source_was_updated_not_when_we_imported_it(client):
    # Found in the browser: a 2022 blog imported today read "Last updated <today>".
    imported = make_blog(
        title="Imported",
        status=BlogStatus.CLOSED,
        coverage_date=dt.date(2022, 2, 7),
    )
    dated = make_blog(title="Imported with a date", source_updated="February 13, 2025")
    edited = make_blog(title="Edited since", coverage_date=dt.date(2022, 2, 7))
    for blog in (imported, dated, edited):
        Blog.objects.mark_imported(blog.pk)  # as an import ends
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        edited.save()  # an editor's change: "last updated" is ours from now on
    edited.refresh_from_db()

    assert 'Last updated <time datetime="2022-02-07">7 Feb 2022</time>' in html(
        client.get(imported.get_absolute_url())
    )
    # The source's date reads as a date: written as the site writes dates, like the others.
    assert 'Last updated <time datetime="2025-02-13">13 Feb 2025</time>' in html(
        client.get(dated.get_absolute_url())
    )
    assert f'datetime="{edited.changed_at.replace(microsecond=0).isoformat()}"' in html(
        client.get(edited.get_absolute_url())
    )
    index = html(client.get("/"))
    assert 'Last update\n        <time datetime="2025-02-13">13 Feb 2025</time>' in index
    assert "February 13, 2025" not in index  # one date format on the index
    assert f'datetime="{edited.changed_at.replace(microsecond=0).isoformat()}"' in index


def test_long_blogs_page_by_entries(client, blog, settings):
    settings.LIVEBLOG_PAGE_SIZE = 20
    entries = [make_entry(blog, headline=f"Item {n:02d}") for n in range(25)]

    first = html(client.get(blog.get_absolute_url()))
    link = re.search(r'href="([^"]*\?before=[^"]*)" data-fragment="([^"]*)"', first)
    second = html(client.get(link.group(1).replace("&amp;", "&")))
    fragment = html(client.get(link.group(2).replace("&amp;", "&")))

    assert first.count("<article") == 20 and "Item 24" in first and "Item 04" not in first
    assert second.count("<article") == 5 and "Item 04" in second and "Item 05" not in second
    assert "Back to the latest updates" in second and "Older entries" not in second
    assert fragment.count("<article") == 5 and "<html" not in fragment
    assert entries[0].get_absolute_url() in fragment


def test_draft_blog_is_404_for_readers_and_a_preview_for_editors(client, blog, editor):
    blog.set_status(BlogStatus.DRAFT)
    entry = make_entry(blog, headline="Prepared entry")
    staff = get_user_model().objects.create(username="staff-only", is_staff=True)

    assert client.get(blog.get_absolute_url()).status_code == 404
    assert client.get(entry.get_absolute_url()).status_code == 404
    assert client.get(f"/{blog.slug}/live/").status_code == 404
    # Found by attacking main: staff status alone (no permissions) used to open drafts.
    client.force_login(staff)
    assert client.get(blog.get_absolute_url()).status_code == 404
    assert client.get(entry.get_absolute_url()).status_code == 404
    client.force_login(editor)
    preview = client.get(blog.get_absolute_url())

    assert "Preview: this blog is a draft" in html(preview) and "Prepared entry" in html(preview)
    assert "no-store" in preview["Cache-Control"] and "ETag" not in preview
    assert 'data-preview="1"' in html(preview)


def test_blog_page_answers_conditional_requests(client, blog):
    make_entry(blog)
    response = client.get(blog.get_absolute_url())

    assert (
        "public" in response["Cache-Control"]
        and "stale-while-revalidate" in response["Cache-Control"]
    )
    assert (
        client.get(blog.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    )
    assert (
        client.get(
            blog.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
        ).status_code
        == 304
    )
    make_entry(blog)
    assert (
        client.get(blog.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200
    )


def test_structured_data_and_sharing_tags(client, blog):
    make_entry(blog, headline="Timed", published_at=dt.datetime(2022, 2, 7, 9, 0, tzinfo=dt.UTC))
    make_untimed_entry(blog, headline="Untimed", body="Just words.", order=1)
    blog.starts_at = dt.datetime(2022, 2, 7, 8, 0, tzinfo=dt.UTC)
    blog.save()
    blog.set_status(BlogStatus.CLOSED)

    page = html(client.get(blog.get_absolute_url()))
    data = json_ld(page)

    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"].startswith("2022-02-07T08:00:00")
    assert "coverageEndTime" in data
    timed, untimed = data["liveBlogUpdate"]
    assert untimed == {
        "@type": "BlogPosting",
        "headline": "Untimed",
        "url": untimed["url"],
        "articleBody": "Just words.",
        # An update with no author of its own is credited to the source the blog names.
        "author": {"@type": "Organization", "name": "Al Jazeera and news agencies"},
    }
    assert timed["datePublished"].startswith("2022-02-07T09:00:00")
    assert f'<link rel="canonical" href="http://testserver/{blog.slug}/">' in page
    assert '<meta property="og:title" content="Ukraine latest">' in page
    assert '<meta name="twitter:card"' in page
    assert f'title="Ukraine latest: key events" href="/{blog.slug}/feed/key-events/"' in page


def test_blog_page_runs_a_fixed_number_of_queries(client, blog, django_assert_num_queries):
    author = get_user_model().objects.create(username="writer")
    entries = Entry.objects.bulk_create(
        Entry(
            blog=blog,
            headline=f"Bulk {n}",
            body="Para.\n\n- item",
            order=n,
            sort_key=n,
            body_blocks=body.parse("Para.\n\n- item"),
            status=EntryStatus.PUBLISHED,
            is_key_event=n % 50 == 0,
        )
        for n in range(1, 2001)
    )
    Entry.authors.through.objects.bulk_create(
        Entry.authors.through(entry_id=e.pk, user_id=author.pk) for e in entries[-30:]
    )
    make_caption(entry=entries[-1])
    Correction.objects.create(entry=entries[-2], text="Fixed.")

    # 0. the blog's state for the response cache (liveblog.freshness; a cache hit stops there)
    # 1. the blog with its newest due time (subquery)  2. the hero caption and its image
    # 3. one page of entries  4. their captions and images  5. their authors
    # 6. their corrections  7. the key-events list
    # 8. the key events not on the page, for the structured data  9. their captions and images
    # 10. their authors
    with django_assert_num_queries(11):
        response = client.get(blog.get_absolute_url())
    assert response.content.decode().count("<article") == 20
    # Older pages cost the same.
    with django_assert_num_queries(11):
        client.get(blog.get_absolute_url() + f"?before={entries[1000].order}.{entries[1000].pk}")
    # A conditional request that matches costs one query (the state; the page is cached).
    with django_assert_num_queries(1):
        assert (
            client.get(blog.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"]).status_code
            == 304
        )


# --- entry permalinks ----------------------------------------------------------------------------


def test_entry_permalink_has_its_own_title_and_link_back(client, blog):
    entry = make_entry(blog, headline="Summit ends", body="Leaders left.\n\nMore later.")

    page = html(client.get(entry.get_absolute_url()))

    assert "<title>Summit ends – Ukraine latest</title>" in page
    assert '<h1 class="entry__headline"' in page
    assert '<meta property="og:title" content="Summit ends">' in page
    assert '<meta name="description" content="Leaders left. More later.">' in page
    assert f'href="/{blog.slug}/?before={entry.sort_key}.{entry.pk + 1}#entry-{entry.pk}"' in page
    assert json_ld(page)["@type"] == "BlogPosting"


def test_entry_permalink_link_back_lands_on_a_page_holding_the_entry(client, blog, settings):
    settings.LIVEBLOG_PAGE_SIZE = 3
    entries = [make_entry(blog) for _ in range(8)]
    target = entries[2]

    permalink = html(client.get(target.get_absolute_url()))
    back = re.search(rf'href="([^"]*)#entry-{target.pk}"', permalink).group(1)

    assert f'id="entry-{target.pk}"' in html(client.get(back))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": EntryStatus.DRAFT},
        {"published_at": dt.datetime(2999, 1, 1, tzinfo=dt.UTC)},
    ],
)
def test_unpublished_entry_permalinks_are_404(client, blog, fields):
    entry = make_entry(blog, **fields)
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_entry_page_runs_a_fixed_number_of_queries(client, blog, django_assert_num_queries):
    entry = make_entry(blog, body="One.\n\nTwo.")
    make_caption(entry=entry)
    Correction.objects.create(entry=entry, text="Fixed.")
    # 1. the blog's state for the response cache (liveblog.freshness; a cache hit stops there)
    # 2. the blog  3. the entry  4. captions and images  5. authors  6. corrections
    with django_assert_num_queries(6):
        client.get(entry.get_absolute_url())


# --- search --------------------------------------------------------------------------------------


def test_search_finds_published_blogs_and_entries_only(client, blog):
    make_entry(blog, headline="Ceasefire agreed", body="Both sides signed.")
    make_entry(blog, headline="Ceasefire draft", status=EntryStatus.DRAFT)
    hidden = make_blog(title="Ceasefire hidden blog", status=BlogStatus.DRAFT)
    make_entry(hidden, headline="Ceasefire in a draft blog")

    page = text(html(client.get("/search/?q=ceasefire")))

    assert "Ceasefire agreed" in page and "Both sides signed." in page
    assert "Ceasefire draft" not in page and "hidden blog" not in page and "draft blog" not in page
    assert "Ukraine latest" in html(client.get("/search/?q=ukraine"))
    assert "No updates match." in html(client.get("/search/?q=nothingmatches"))


def test_search_lists_timed_entries_newest_first_and_untimed_ones_last(client, blog):
    # Imported entries often have no time; PostgreSQL sorts NULLs first in a descending order.
    untimed = make_untimed_entry(blog, headline="Truce untimed", order=1)
    older = make_entry(
        blog, headline="Truce older", published_at=dt.datetime(2022, 2, 7, 9, tzinfo=dt.UTC)
    )
    newer = make_entry(
        blog, headline="Truce newer", published_at=dt.datetime(2022, 2, 7, 10, tzinfo=dt.UTC)
    )

    page = text(html(client.get("/search/?q=truce")))

    positions = [page.index(entry.headline) for entry in (newer, older, untimed)]
    assert positions == sorted(positions)


# --- reading: order, days, sharing, pictures ------------------------------------------------------


def test_oldest_first_works_without_javascript_and_survives_paging(client, blog, settings):
    settings.LIVEBLOG_PAGE_SIZE = 3
    base = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)
    entries = [
        make_entry(blog, headline=f"Item {n}", published_at=base + dt.timedelta(minutes=n))
        for n in range(7)
    ]
    pinned = entries[3]
    pinned.pin()

    first = html(client.get(blog.get_absolute_url() + "?order=oldest"))
    next_url = re.search(r'class="older__link button" rel="next" href="([^"]+)"', first).group(1)
    second = html(client.get(next_url.replace("&amp;", "&")))

    def ids(page):
        return [int(pk) for pk in re.findall(r'<article[^>]* data-entry-id="(\d+)"', page)]

    # The pinned entry leads in both orders; the rest run oldest first across pages.
    assert ids(first) == [pinned.pk, entries[0].pk, entries[1].pk]
    assert "order=oldest" in next_url and "after=" in next_url
    assert ids(second) == [entries[2].pk, entries[4].pk, entries[5].pk]
    assert "Later entries" in second and "Back to the first updates" in second
    assert f'<a href="/{blog.slug}/?order=oldest" aria-current="page">Oldest first</a>' in (first)
    newest = html(client.get(blog.get_absolute_url()))
    assert ids(newest)[:3] == [pinned.pk, entries[6].pk, entries[5].pk]
    assert client.get(blog.get_absolute_url() + "?order=sideways").status_code == 404


def test_key_events_only_is_offered_only_when_there_are_key_events(client, blog):
    make_entry(blog, headline="Ordinary")
    plain = html(client.get(blog.get_absolute_url()))
    assert 'id="key-events-filter" role="group" aria-label="Show" hidden' in plain
    make_entry(blog, headline="Key", is_key_event=True)
    assert 'aria-label="Show" hidden' not in html(client.get(blog.get_absolute_url()))


def test_timed_entries_show_their_zone_time_and_a_date_line_where_the_day_changes(client, blog):
    kyiv_day_one = dt.datetime(2022, 2, 7, 20, 0, tzinfo=dt.UTC)  # 22:00 in Kyiv, 7 February
    late = make_entry(blog, headline="Late", published_at=kyiv_day_one)
    later = make_entry(blog, headline="Later", published_at=kyiv_day_one + dt.timedelta(hours=3))
    untimed = make_untimed_entry(blog, headline="Untimed", order=1)

    page = html(client.get(blog.get_absolute_url()))

    def article(entry):
        start = page.index(f'id="entry-{entry.pk}"')
        return page[start : page.index("</article>", start)]

    # 23:00 UTC on the 7th is already 01:00 on the 8th in Kyiv.
    assert '<p class="entry__day">Tuesday 8 February 2022</p>' in article(later)
    assert '<p class="entry__day">Monday 7 February 2022</p>' in article(late)
    assert '<time datetime="2022-02-07T20:00:00+00:00">22:00 EET' in article(late)
    assert 'class="entry__ago" hidden' in article(late)  # filled in by the script
    assert "<time" not in article(untimed) and "entry__day" not in article(untimed)


def test_same_day_entries_share_one_date_line(client, blog):
    moment = dt.datetime(2022, 2, 7, 9, 0, tzinfo=dt.UTC)
    make_entry(blog, published_at=moment)
    make_entry(blog, published_at=moment + dt.timedelta(hours=1))

    page = html(client.get(blog.get_absolute_url()))

    assert page.count('<p class="entry__day">') == 1
    assert page.count('class="entry__day" hidden') == 1


def test_entries_carry_share_tools_for_the_page_address_with_the_entry(client, blog):
    entry = make_entry(blog, headline="Share me")

    page = html(client.get(blog.get_absolute_url()))

    share_url = f"http://testserver/{blog.slug}/#entry-{entry.pk}"
    assert f'<span class="entry__share" data-url="{share_url}" hidden>' in page
    assert f'data-action="copy" aria-describedby="entry-{entry.pk}-headline">Copy link' in page
    assert 'data-action="share"' in page
    permalink = html(client.get(entry.get_absolute_url()))
    assert f'data-url="{share_url}"' in permalink and "liveblog/live.js" in permalink


def test_a_missing_picture_is_its_caption_and_credit_with_a_small_mark(client, blog):
    entry = make_entry(blog)
    make_caption(entry=entry, text="Crowds at the border", image=make_image(alt_text="A crowd"))

    page = html(client.get(blog.get_absolute_url()))

    assert '<figure class="figure figure--missing">' in page
    assert "Picture not available: A crowd" in page and "Crowds at the border" in page
    assert "image-placeholder" not in page


def test_blog_page_links_its_feeds_and_offers_an_embed_code(client, blog):
    page = html(client.get(blog.get_absolute_url()))

    assert f'<a href="/{blog.slug}/feed/" type="application/atom+xml">all updates' in page
    assert f'<a href="/{blog.slug}/feed/key-events/" type="application/atom+xml">' in page
    assert f"http://testserver/{blog.slug}/embed/" in page and "liveblog/embed.js" in page
    assert f'<input type="hidden" name="blog" value="{blog.slug}">' in page


# --- #entry-N beyond the first page -------------------------------------------------------------


def test_locate_finds_the_page_holding_an_entry_in_either_order(client, blog, settings):
    settings.LIVEBLOG_PAGE_SIZE = 3
    entries = [make_entry(blog) for _ in range(10)]
    target = entries[2]
    entries[9].mark_key_event()

    newest = client.get(f"/{blog.slug}/entries/{target.pk}/locate/").json()["url"]
    oldest = client.get(f"/{blog.slug}/entries/{target.pk}/locate/?order=oldest").json()["url"]
    keyed = client.get(f"/{blog.slug}/entries/{target.pk}/locate/?key_events=1").json()["url"]

    for url in (newest, oldest, keyed):
        path, fragment = url.split("#")
        assert fragment == f"entry-{target.pk}"
        assert f'id="entry-{target.pk}"' in html(client.get(path))
    assert "order=oldest" in oldest and "key_events" not in keyed  # not a key event
    hidden = make_entry(blog, status=EntryStatus.DRAFT)
    assert client.get(f"/{blog.slug}/entries/{hidden.pk}/locate/").status_code == 404


def test_locate_is_cacheable_and_cheap(client, blog, django_assert_num_queries):
    entry = make_entry(blog)
    # 1. the blog's state for the response cache  2. the blog  3. the entry's position
    with django_assert_num_queries(3):
        response = client.get(f"/{blog.slug}/entries/{entry.pk}/locate/")
    assert response["ETag"] and "public" in response["Cache-Control"]


# --- error pages ---------------------------------------------------------------------------------


def test_404_is_a_branded_page_with_search_and_a_way_back(client):
    response = client.get("/no-such-blog/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and 'class="site-search"' in page
    assert '<a class="button" href="/">See all live blogs</a>' in page


def test_500_is_a_branded_page(client, blog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the stream broke")

    monkeypatch.setattr("liveblog.stream.entry_page", broken)
    client.raise_request_exception = False

    response = client.get(blog.get_absolute_url())

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and 'class="site-search"' in page
    assert "See all live blogs" in page and "RuntimeError" not in page


@pytest.mark.slow
def test_error_pages_render_with_collected_static_files_as_in_production(
    client, blog, settings, tmp_path, monkeypatch
):
    # DJANGO_DEBUG=0 serves hashed static names from the manifest: the error pages use it too.
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    monkeypatch.setattr("liveblog.stream.entry_page", lambda *a, **k: 1 / 0)
    client.raise_request_exception = False

    missing = client.get("/no-such-blog/")
    broken = client.get(blog.get_absolute_url())

    for response, words in ((missing, "Page not found"), (broken, "Something went wrong")):
        page = response.content.decode()
        assert words in page
        assert re.search(r'href="/static/liveblog/liveblog\.[0-9a-f]{12}\.css"', page), page[:600]


def test_the_index_footer_links_to_the_index_only_from_its_later_pages(client, settings):
    settings.LIVEBLOG_PAGE_SIZE = 1
    make_blog(title="One")
    make_blog(title="Two")
    footer = re.compile(r'<footer class="site-footer">(.*?)</footer>', re.S)

    assert 'href="/"' not in footer.search(html(client.get("/")))[1]
    assert 'href="/"' in footer.search(html(client.get("/?page=2")))[1]


def test_a_picture_without_its_file_says_so_in_words(client):
    blog = make_blog()
    entry = make_entry(blog)
    make_caption(entry=entry, text="", image=make_image(alt_text="Crowds at the border", credit=""))

    page = html(client.get(blog.get_absolute_url()))

    assert '<span aria-hidden="true">Picture not available</span>' in page
    assert "Picture not available: Crowds at the border" in page  # for screen readers
