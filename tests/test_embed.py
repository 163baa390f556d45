"""Embedding: the iframe views, who may frame them, the embed code and the oEmbed provider."""

import html as html_lib
import re
from urllib.parse import quote

import pytest

from liveblog.embed import EMBED_ENTRIES, EMBED_MAX_HEIGHT
from liveblog.models import BlogStatus, EntryStatus
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog():
    blog = make_blog(title="Election night", attribution="Agencies")
    make_entry(blog, headline="Polls close")
    return blog


def directives(header: str) -> dict[str, str]:
    """A Content-Security-Policy header as {directive: its sources}."""
    pairs = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return dict(pairs)


def oembed(client, url: str, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"/oembed/?url={quote(url, safe='')}&{query}")


def test_only_the_embed_views_may_be_framed(client, blog, settings):
    settings.LIVEBLOG_EMBED_ANCESTORS = ["https://partner.example", "https://*.news.example"]
    entry = blog.entries.get()

    page = client.get(blog.get_absolute_url())
    frame = client.get(f"/{blog.slug}/embed/")
    again = client.get(f"/{blog.slug}/embed/")  # from the response cache this time
    entry_frame = client.get(f"/{blog.slug}/entries/{entry.pk}/embed/")

    assert page["X-Frame-Options"] == "DENY"
    site_policy = directives(page["Content-Security-Policy"])
    assert site_policy["frame-ancestors"] == "'none'"
    for response in (frame, again, entry_frame):
        assert response.status_code == 200
        assert not response.has_header("X-Frame-Options")
        policy = directives(response["Content-Security-Policy"])
        # The whole policy, scripts and plugins included; only who may frame it differs.
        assert policy["frame-ancestors"] == "https://partner.example https://*.news.example"
        assert {k: v for k, v in policy.items() if k != "frame-ancestors"} == {
            k: v for k, v in site_policy.items() if k != "frame-ancestors"
        }
        assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "Polls close" in frame.content.decode()
    assert frame["ETag"] and "public" in frame["Cache-Control"]
    assert client.get(f"/{blog.slug}/embed/", HTTP_IF_NONE_MATCH=frame["ETag"]).status_code == 304


def test_the_embed_view_updates_live_and_sizes_itself(client, blog):
    page = client.get(f"/{blog.slug}/embed/").content.decode()

    assert 'data-embed="1"' in page and f'data-live-url="/{blog.slug}/live/"' in page
    assert "liveblog/live.js" in page and "liveblog/frame.js" in page
    assert '<base target="_blank">' in page  # links open the full site, not inside the frame
    assert f'<link rel="canonical" href="http://testserver/{blog.slug}/">' in page


def test_embed_view_runs_a_fixed_number_of_queries(client, blog, django_assert_num_queries):
    # 1. the blog's state  2. the blog  3. a page of entries  4-6. captions, authors, corrections
    with django_assert_num_queries(6):
        client.get(f"/{blog.slug}/embed/")


def test_drafts_are_never_embedded(client):
    draft = make_blog(status=BlogStatus.DRAFT)
    assert client.get(f"/{draft.slug}/embed/").status_code == 404
    assert oembed(client, f"http://testserver/{draft.slug}/").status_code == 404


def test_oembed_answers_for_a_blog_with_an_iframe_and_the_sizing_script(client, blog):
    response = oembed(client, f"http://testserver/{blog.slug}/", format="json", maxwidth=500)

    data = response.json()
    assert response.status_code == 200
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["title"] == "Election night" and data["author_name"] == "Agencies"
    assert data["provider_url"] == "http://testserver/"
    assert data["width"] == 500 and data["height"] > 0
    assert f'<iframe src="http://testserver/{blog.slug}/embed/"' in data["html"]
    assert 'width="500"' in data["html"] and "data-liveblog-embed" in data["html"]
    assert (
        '<script async src="http://testserver/static/liveblog/embed.js"></script>' in (data["html"])
    )
    assert response["ETag"]
    assert (
        client.get(
            response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"],
            HTTP_IF_NONE_MATCH=response["ETag"],
        ).status_code
        == 304
    )


def test_oembed_answers_for_an_entry_by_permalink_or_by_fragment(client, blog):
    entry = blog.entries.get()

    by_permalink = oembed(client, f"http://testserver{entry.get_absolute_url()}").json()
    by_fragment = oembed(client, f"http://testserver/{blog.slug}/#entry-{entry.pk}").json()

    for data in (by_permalink, by_fragment):
        assert data["title"] == "Polls close"
        assert f"/{blog.slug}/entries/{entry.pk}/embed/" in data["html"]
    unpublished = make_entry(blog, status=EntryStatus.DRAFT)
    assert oembed(client, f"http://testserver{unpublished.get_absolute_url()}").status_code == 404


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("http://elsewhere.example/{slug}/", {}, 404),
        ("http://testserver/search/", {}, 404),
        ("http://testserver/admin/", {}, 404),
        ("ftp://testserver/{slug}/", {}, 404),
        ("http://testserver/{slug}/", {"format": "xml"}, 501),
        ("http://testserver/{slug}/", {"maxwidth": "wide"}, 400),
        ("http://testserver/{slug}/", {"maxheight": "-5"}, 400),
        ("", {}, 400),
    ],
)
def test_oembed_refuses_what_it_cannot_answer_with_the_spec_statuses(
    client, blog, url, params, status
):
    response = oembed(client, url.format(slug=blog.slug), **params)

    assert response.status_code == status
    if status in (400, 501):
        assert response.json()["detail"]


def test_blog_and_entry_pages_announce_their_oembed_endpoint(client, blog):
    entry = blog.entries.get()
    for page_url in (blog.get_absolute_url(), entry.get_absolute_url()):
        page = client.get(page_url).content.decode()
        link = re.search(
            r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page
        )
        endpoint = html_lib.unescape(link.group(1))
        assert endpoint.startswith("http://testserver/oembed/?url=")
        assert client.get(endpoint).status_code == 200


def test_the_embed_code_on_the_blog_page_is_the_oembed_html(client, blog):
    page = client.get(blog.get_absolute_url()).content.decode()
    code = html_lib.unescape(
        re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    )

    assert code == oembed(client, f"http://testserver/{blog.slug}/").json()["html"]


def test_an_embedded_blog_shows_its_latest_updates_and_a_link_to_the_rest(client, blog):
    for n in range(EMBED_ENTRIES + 3):
        make_entry(blog, headline=f"Later {n}")

    page = client.get(f"/{blog.slug}/embed/").content.decode()
    code = oembed(client, f"http://testserver/{blog.slug}/").json()["html"]

    assert page.count("<article") == EMBED_ENTRIES
    assert f'data-page-size="{EMBED_ENTRIES}"' in page  # the live script keeps to it
    assert f'class="button" href="http://testserver/{blog.slug}/">' in page  # the whole blog
    assert f'data-max-height="{EMBED_MAX_HEIGHT}"' in code  # embed.js grows the frame so far
