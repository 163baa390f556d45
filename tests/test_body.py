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
