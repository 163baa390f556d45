"""The pure reader: both seed formats, format rules, and bad input."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveblog.importers.reader import ReaderError, detect_format, read_bytes, read_text

SEEDS = ["000_62e9b136168e27ac", "003_66570e0849951c9e"]


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reads_to_the_expected_document(name, seeds_dir, expected_dir):
    document = read_bytes((seeds_dir / f"{name}.txt").read_bytes())
    expected = json.loads((expected_dir / f"{name}.json").read_text())
    assert document == expected


def test_format_detection():
    assert detect_format(" date 2025-02-12 TitlePublished February 12, 2025") == "B"
    assert detect_format("A title\n\nStandfirst.") == "A"


FORMAT_A = """\
Storm live: river bursts its banks

Storm news from March 3: thousands told to leave.

Rescue boats on a flooded street
Boats on the high street on Tuesday [File: Jane Doe/AP]

The river rose two metres overnight.

This live blog is now closed.

Who is still at risk?

Low-lying areas remain under a red warning.

  • Town centre
  • Riverside

Read more here.

Army deployed to riverside towns

Soldiers arrived at dawn

A soldier carries sandbags
Sandbags were handed out [Reuters]

INTERACTIVE- Flood map

Source: Wire services"""


def test_format_a_structure():
    doc = read_text(FORMAT_A)
    assert doc["format"] == "A"
    assert doc["title"] == "Storm live: river bursts its banks"
    assert doc["standfirst"] == "Storm news from March 3: thousands told to leave."
    assert doc["hero_image"] == {
        "type": "image",
        "alt": "Rescue boats on a flooded street",
        "caption": "Boats on the high street on Tuesday",
        "credit": "Jane Doe/AP",
        "file_photo": True,
    }
    assert doc["intro"] == ["The river rose two metres overnight."]
    assert doc["closed_notice"] == "This live blog is now closed."
    assert doc["date"] is None
    assert doc["source"] == "Wire services"
    assert [e["headline"] for e in doc["entries"]] == [
        "Who is still at risk?",
        "Army deployed to riverside towns",
    ]
    first, second = doc["entries"]
    assert [b["type"] for b in first["blocks"]] == ["paragraph", "list", "link"]
    assert first["blocks"][1]["items"] == ["Town centre", "Riverside"]
    # A line right after a headline is body even when it has no full stop.
    assert second["blocks"][0] == {"type": "paragraph", "text": "Soldiers arrived at dawn"}
    assert second["blocks"][1]["credit"] == "Reuters"
    assert second["blocks"][1]["file_photo"] is False
    assert second["blocks"][2] == {"type": "interactive", "title": "Flood map"}


def test_no_break_spaces_count_as_spaces():
    doc = read_text("T\n\nS.\n\nHead\u00a0line\n\nText\u00a0 with\u00a0nbsp.")
    assert doc["entries"][0] == {
        "headline": "Head line",
        "blocks": [{"type": "paragraph", "text": "Text with nbsp."}],
    }


def test_square_brackets_inside_a_paragraph_are_not_credits():
    doc = read_text("T\n\nS.\n\nHeadline\n\nHe said [in Russian] it was over.")
    assert doc["entries"][0]["blocks"] == [
        {"type": "paragraph", "text": "He said [in Russian] it was over."}
    ]


def test_format_b_header_and_key_points():
    text = (
        " date 2024-05-01 Floods latestPublished May 1, 2024last updated May 2, 2024\n"
        "What you need to know\n- One\n- Two\nFollow along:\nHeadline one\nBody one.\n"
    )
    doc = read_text(text)
    assert (doc["title"], doc["date"], doc["published"], doc["updated"]) == (
        "Floods latest",
        "2024-05-01",
        "May 1, 2024",
        "May 2, 2024",
    )
    assert doc["key_points"] == ["One", "Two"]
    assert doc["intro"] == ["Follow along:"]
    assert doc["standfirst"] is None
    assert doc["entries"] == [
        {"headline": "Headline one", "blocks": [{"type": "paragraph", "text": "Body one."}]}
    ]


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"", 1, "empty"),
        (b"   \n\n  ", 1, "empty"),
        (b"Title\n\x00\x01\x02binary", 2, "binary"),
        (b"Title\n\nStand.\n\nCaf\xe9 news\n", 5, "UTF-8"),
        (b"Just a title", 1, "no entries"),
        (b"Title\n\nStandfirst.\n\nIntro paragraph.", 5, "no entries"),
        (b"Title\n\nStand.\n\nHeadline\n\nA caption alone [Reuters]\n", 7, "truncated image pair"),
        (b" date 2024-13-45 TitlePublished May 1, 2024\nH\nP.", 1, "not a valid date"),
        (b" date 2024-01-01 Title only", 1, "no entries"),
    ],
)
def test_bad_input_names_the_line(data, line, words):
    with pytest.raises(ReaderError) as caught:
        read_bytes(data)
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ")


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab .?:[]•-\n\u00a0”File:INTERACTIVE- date2024")),
        max_size=300,
    )
)
def test_reader_returns_a_document_or_its_own_error(text):
    try:
        document = read_text(text)
    except ReaderError as error:
        assert error.line >= 0
        assert isinstance(error.message, str) and error.message
    else:
        assert document["title"]
        assert document["entries"]
        assert all(entry["headline"] and entry["blocks"] for entry in document["entries"])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_reader_on_arbitrary_bytes(data):
    try:
        read_bytes(data)
    except ReaderError as error:
        assert error.line >= 0


def test_a_standfirst_without_full_stop_before_the_hero():
    doc = read_text("Title\n\nStandfirst without stop\n\nAlt\nCaption [AP]\n\nHeadline\n\nText.")
    assert doc["standfirst"] == "Standfirst without stop"
    assert doc["hero_image"]["credit"] == "AP"
    assert [e["headline"] for e in doc["entries"]] == ["Headline"]
