"""Richer entries: inline links and emphasis, quotes with attribution, embeds behind a privacy
placeholder. One grammar (liveblog/body.py) for the desk, the admin form, the API and the JSON
document; everything escaped, only http(s) and mailto links kept."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from hypothesis import given
from hypothesis import strategies as st

from liveblog import body
from liveblog.importers.document import check_document
from liveblog.importers.reader import ReaderError
from liveblog.models import Blog, Entry
from tests.factories import make_blog, make_entry

RICH = """Police said *at least* **twelve** were hurt, [Reuters](https://reuters.com/a) says.

> We heard two blasts and then silence.
> — A resident of Podil

- roads [closed](https://kyiv.example/roads) in *three* districts
- metro running

https://www.youtube.com/watch?v=dQw4w9WgXcQ

https://x.com/kyivindependent/status/1234567890123

https://example.com/not-a-provider"""


def test_rich_text_to_blocks_and_back_is_exact():
    blocks = body.parse(RICH)
    assert [block["type"] for block in blocks] == [
        "paragraph",
        "quote",
        "list",
        "embed",
        "embed",
        "paragraph",
    ]
    assert blocks[1] == {
        "type": "quote",
        "text": "We heard two blasts and then silence.",
        "attribution": "A resident of Podil",
    }
    assert blocks[3] == {
        "type": "embed",
        "provider": "youtube",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    }
    assert blocks[4]["provider"] == "x"
    assert body.serialize(blocks) == RICH
    assert body.parse(body.serialize(blocks)) == blocks


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube"),
        ("https://vimeo.com/76979871", "vimeo"),
        ("https://twitter.com/user/status/123456789", "x"),
        ("https://www.instagram.com/p/C1a2b3c4d5/", "instagram"),
        ("https://www.tiktok.com/@someone/video/7234567890123456789", "tiktok"),
        ("https://www.facebook.com/someone/posts/pfbid0abc", "facebook"),
        ("https://bsky.app/profile/someone.bsky.social/post/3kabcdefgh", "bluesky"),
        ("https://mastodon.social/@someone/112233445566778899", "mastodon"),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", ""),
        ("http://www.youtube.com/watch?v=dQw4w9WgXcQ", ""),
        ("https://example.com/watch?v=dQw4w9WgXcQ", ""),
        ('https://www.youtube.com/watch?v=abcdefg"onload="x', ""),
    ],
)
def test_embeds_come_from_known_providers_only(url, provider):
    assert body.embed_provider(url) == provider
    kinds = [block["type"] for block in body.parse(url)]
    assert kinds == (["embed"] if provider else ["paragraph"])


def test_a_paragraph_that_reads_as_an_embed_or_a_quote_is_escaped():
    blocks = [
        {"type": "paragraph", "text": "https://youtu.be/dQw4w9WgXcQ"},
        {"type": "paragraph", "text": "> not a quote"},
        {"type": "quote", "text": "", "attribution": "Someone"},
        {"type": "quote", "text": "— a dash first", "attribution": ""},
    ]
    assert body.parse(body.serialize(blocks)) == blocks


line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1)
clean_line = line.map(lambda s: " ".join(s.split())).filter(bool)
rich_block = st.one_of(
    st.builds(lambda t: {"type": "paragraph", "text": t}, clean_line),
    st.builds(lambda items: {"type": "list", "items": items}, st.lists(clean_line, min_size=1)),
    st.builds(
        lambda t, a: {"type": "quote", "text": t, "attribution": a},
        clean_line | st.just(""),
        clean_line | st.just(""),
    ),
    st.sampled_from(
        [
            {"type": "embed", "provider": "vimeo", "url": "https://vimeo.com/76979871"},
            {"type": "embed", "provider": "youtube", "url": "https://youtu.be/dQw4w9WgXcQ"},
        ]
    ),
)


@given(st.lists(rich_block, max_size=6))
def test_rich_round_trip_property(blocks):
    assert body.parse(body.serialize(blocks)) == blocks


# --- inline markup as HTML: escaped, links by the URL policy --------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("a *b* c", "a <em>b</em> c"),
        ("**bold** move", "<strong>bold</strong> move"),
        ("**a *b* c**", "<strong>a <em>b</em> c</strong>"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        (r"\*literal\*", "*literal*"),
        (
            "see [the map](https://e.example/m?a=1&b=2)",
            'see <a href="https://e.example/m?a=1&amp;b=2">the map</a>',
        ),
        ("[mail](mailto:desk@example.com)", '<a href="mailto:desk@example.com">mail</a>'),
        ("[x](javascript:alert%281%29)", "x"),
        ("[x](JaVaScRiPt:alert%281%29)", "x"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "x"),
        ("[x](//evil.example)", "x"),
        (
            '[x](https://e.example/"onmouseover="alert)',
            '<a href="https://e.example/&quot;onmouseover=&quot;alert">x</a>',
        ),
        (
            "[<img src=x onerror=alert(1)>](https://e.example)",
            '<a href="https://e.example">&lt;img src=x onerror=alert(1)&gt;</a>',
        ),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        (
            "go to https://e.example/a.",
            'go to <a href="https://e.example/a">https://e.example/a</a>.',
        ),
        ("javascript:alert(1)", "javascript:alert(1)"),
    ],
)
def test_inline_markup_is_escaped_and_links_follow_the_url_policy(text, html):
    assert body.inline_html(text) == html


def test_inline_text_drops_the_markup():
    assert body.inline_text("*a* [b](https://e.example) **c** \\*") == "a b c *"


def render(blocks) -> str:
    return render_to_string("liveblog/_blocks.html", {"blocks": blocks})


def test_quotes_with_script_are_escaped():
    html = render(body.parse("> <script>alert(1)</script>\n> — <b>Eve</b>"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;Eve" in html
    assert "<blockquote" in html


def test_an_embed_is_a_placeholder_that_asks_nothing_of_the_provider():
    html = render(body.parse("https://www.youtube.com/watch?v=dQw4w9WgXcQ"))
    # No frame, script, image or style from the provider: only a link and a data attribute
    # liveblog/embeds.js reads when the reader presses the button.
    assert "<iframe" not in html and "<script" not in html and "<img" not in html
    assert 'data-embed-frame="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert "data-embed-load" in html and "Load content" in html
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert "YouTube" in html


def test_attributes_smuggled_into_an_embed_block_are_neutralised():
    hostile = {
        "type": "embed",
        "provider": "youtube",
        "url": 'https://www.youtube.com/watch?v=abc" onmouseover="alert(1)',
    }
    html = render([hostile])
    assert "onmouseover=" not in html.replace("&quot;", "")
    assert 'onmouseover="' not in html
    javascript = {"type": "embed", "provider": "youtube", "url": "javascript:alert(1)"}
    html = render([javascript])
    assert "javascript:" not in html and "data-embed-frame" not in html


def test_mastodon_embeds_stay_links_the_policy_cannot_frame():
    html = render(body.parse("https://mastodon.social/@someone/112233445566778899"))
    assert "data-embed-frame" not in html and "data-embed-load" not in html
    assert 'href="https://mastodon.social/@someone/112233445566778899"' in html


def test_the_csp_frames_exactly_the_players_embeds_js_loads():
    frame_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"]
    assert set(frame_src) - {"'self'"} == set(body.EMBED_FRAME_ORIGINS)
    script = (settings.BASE_DIR / "liveblog/static/liveblog/embeds.js").read_text()
    for origin in body.EMBED_FRAME_ORIGINS:
        assert f'"{origin}"' in script


# --- the document, the API, the reader page ------------------------------------------------


def test_the_document_takes_quotes_and_embeds_and_refuses_impostors():
    document = {
        "title": "t",
        "entries": [
            {
                "headline": "h",
                "blocks": [
                    {"type": "quote", "text": "q", "attribution": "a"},
                    {"type": "embed", "provider": "vimeo", "url": "https://vimeo.com/76979871"},
                ],
            }
        ],
    }
    assert check_document(document) is document
    document["entries"][0]["blocks"][1]["url"] = "https://evil.example/76979871"
    with pytest.raises(ReaderError, match=r"blocks\[1\]\.url"):
        check_document(document)
    document["entries"][0]["blocks"][1] = {"type": "quote", "text": "q"}
    with pytest.raises(ReaderError, match=r"blocks\[1\]\.attribution"):
        check_document(document)


@pytest.mark.django_db
def test_export_then_import_keeps_the_new_blocks(tmp_path):
    blog = make_blog(slug="rich-blog", title="Rich")
    make_entry(blog, headline="Everything", body=RICH)
    path = tmp_path / "rich.json"
    call_command("export_blog", "rich-blog", "-o", str(path), stderr=io.StringIO())
    exported = json.loads(path.read_text())
    Blog.objects.all().delete()
    call_command("import_seeds", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    entry = Entry.objects.get(blog__slug="rich-blog")
    assert entry.body == RICH
    again = tmp_path / "again.json"
    call_command("export_blog", "rich-blog", "-o", str(again), stderr=io.StringIO())
    assert json.loads(again.read_text())["entries"] == exported["entries"]
    kinds = [block["type"] for block in exported["entries"][0]["blocks"]]
    assert "quote" in kinds and "embed" in kinds


@pytest.mark.django_db
def test_the_api_returns_the_new_blocks(api_client):
    blog = make_blog(slug="api-rich")
    make_entry(blog, body=RICH)
    data = api_client.get(f"/api/blogs/{blog.slug}/entries/").json()
    entries = data.get("results", data)
    kinds = [block["type"] for block in entries[0]["blocks"]]
    assert kinds == ["paragraph", "quote", "list", "embed", "embed", "paragraph"]


@pytest.mark.django_db
def test_the_reader_page_shows_links_emphasis_quotes_and_placeholders(client):
    blog = make_blog(slug="reader-rich")
    make_entry(blog, headline="Everything", body=RICH)
    html = client.get(blog.get_absolute_url()).content.decode()
    assert '<a href="https://reuters.com/a">Reuters</a>' in html
    assert "<em>at least</em>" in html and "<strong>twelve</strong>" in html
    assert "<blockquote" in html and "A resident of Podil" in html
    assert html.count("data-embed-load") == 2
    assert "<iframe" not in html
    assert "embeds.js" in html


@pytest.mark.parametrize(
    ("url", "frame"),
    [
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        (
            "https://x.com/someone/status/1234567890",
            "https://platform.twitter.com/embed/Tweet.html?id=1234567890&dnt=true",
        ),
        (
            "https://bsky.app/profile/did:plc:abc123xyz/post/3kabcdefgh",
            "https://embed.bsky.app/embed/did:plc:abc123xyz/app.bsky.feed.post/3kabcdefgh",
        ),
        ("https://bsky.app/profile/someone.bsky.social/post/3kabcdefgh", ""),
        ("https://mastodon.social/@someone/112233445566778899", ""),
        ("https://example.com/video/1", ""),
    ],
)
def test_players_are_framed_from_the_listed_origins_only(url, frame):
    assert body.embed_frame_url(url) == frame
    if frame:
        assert any(frame.startswith(origin + "/") for origin in body.EMBED_FRAME_ORIGINS)


@pytest.mark.django_db
def test_feeds_carry_the_embeds_link_without_a_button(client):
    blog = make_blog(slug="feed-rich")
    make_entry(blog, body="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    xml = client.get(f"/{blog.slug}/feed/").content.decode()
    assert "youtube.com/watch?v=dQw4w9WgXcQ" in xml
    assert "data-embed-load" not in xml and "data-embed-frame" not in xml
