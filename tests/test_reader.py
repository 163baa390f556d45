"""The pure reader: both seed formats, format rules, and bad input."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveblog.importers.reader import (
    MAX_WARNINGS,
    ReaderError,
    ReaderWarning,
    detect_format,
    read_bytes,
    read_text,
)

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


def entries_of(text: str) -> list[tuple[str, list[str]]]:
    """Each entry as (headline, block types): the shape a misread changes."""
    return [(e["headline"], [b["type"] for b in e["blocks"]]) for e in read_text(text)["entries"]]


B_HEADER = " date 2024-06-10 EU votePublished June 10, 2024last updated June 11, 2024\n"


@pytest.mark.parametrize(
    "quotation",
    [
        "“We have made an incremental advancement over business as usual”",
        "A spokesman told Al Jazeera: “We will not accept rigging”",
        "“We will drill, baby, drill,” Trump said on Monday",
    ],
)
def test_a_quotation_without_full_stop_is_a_paragraph(quotation):
    # Headlines quote with single marks (‘…’); a line opening or closing a double quote is body.
    headline = "Island states: ‘We were not in the room’"
    text = f"T\n\nS.\n\n{headline}\n\nFirst.\n\n{quotation}\n\nNext\n\nX."
    assert entries_of(text) == [
        (headline, ["paragraph", "paragraph"]),
        ("Next", ["paragraph"]),
    ]


def test_b_quotation_without_full_stop_is_a_paragraph():
    text = B_HEADER + 'Scholz reacts\nFirst.\n"This is a bitter result"\nNext\nX.\n'
    assert entries_of(text) == [
        ("Scholz reacts", ["paragraph", "paragraph"]),
        ("Next", ["paragraph"]),
    ]


@pytest.mark.parametrize(
    "stub",
    [
        "Read more here: What we know about the Gaza ceasefire proposal",
        "Read more here: How long can people survive under the rubble?",
        "Read more: Who was Alexei Navalny?",
        "You can watch his full statement here.",
        "Tap here to listen to our podcast.",
    ],
)
def test_link_stub_variants(stub):
    doc = read_text(f"T\n\nS.\n\nHeadline\n\nFirst.\n\n{stub}\n\nNext\n\nX.")
    assert doc["entries"][0]["blocks"][1] == {"type": "link", "text": stub}
    assert [e["headline"] for e in doc["entries"]] == ["Headline", "Next"]


def test_a_lone_line_ending_in_an_aside_is_a_paragraph():
    text = "T\n\nS.\n\nHeadline\n\nFirst.\n\nHe wrote it was “an act of God” [sic]\n\nNext\n\nX."
    assert entries_of(text) == [("Headline", ["paragraph", "paragraph"]), ("Next", ["paragraph"])]


def test_an_interactive_title_may_end_in_brackets():
    doc = read_text("T\n\nS.\n\nHeadline\n\nINTERACTIVE- Who controls what [Al Jazeera]")
    assert doc["entries"][0]["blocks"] == [
        {"type": "interactive", "title": "Who controls what [Al Jazeera]"}
    ]


def test_b_has_no_image_pairs():
    # A line ending in brackets must not turn the line above it into an image's alt text.
    text = B_HEADER + (
        "Erdogan leads\n"
        "The broadcaster TRT [Turkish] showed Erdogan ahead\n"
        'Kilicdaroglu wrote: "We will win" [translated from Turkish]\n'
        "Next\nX.\n"
    )
    assert entries_of(text) == [
        ("Erdogan leads", ["paragraph", "paragraph"]),
        ("Next", ["paragraph"]),
    ]


def test_bullets_split_by_blank_lines_are_one_list():
    doc = read_text("T\n\nS.\n\nHeadline\n\n  • One\n\n  • Two\n  •\n\nNext\n\nX.")
    assert doc["entries"][0]["blocks"] == [{"type": "list", "items": ["One", "Two"]}]


def test_closed_notice_variant_ends_the_head_of_the_page():
    # No hero and no full stop: the closed notice still shows the standfirst is not an entry.
    text = (
        "Kenya protests live\n\nKenya news from June 25: protesters breach parliament\n\n"
        "Police fired tear gas at protesters\n\n"
        "We have now closed this live blog. You can follow our coverage here.\n\n"
        "Ruto: ‘Treasonous’ attack will be met with full response\n\nRuto spoke."
    )
    doc = read_text(text)
    assert doc["standfirst"] == "Kenya news from June 25: protesters breach parliament"
    assert doc["intro"] == ["Police fired tear gas at protesters"]
    assert doc["closed_notice"].startswith("We have now closed this live blog.")
    assert entries_of(text) == [
        ("Ruto: ‘Treasonous’ attack will be met with full response", ["paragraph"])
    ]


def test_news_of_something_closing_is_not_the_closed_notice():
    text = "T\n\nS.\n\nIntro.\n\nHeadline\n\nThe live coverage of the summit has ended.\n"
    doc = read_text(text + "\nNext\n\nX.")
    assert doc["closed_notice"] is None
    assert doc["entries"][0]["blocks"][0]["text"] == "The live coverage of the summit has ended."


@pytest.mark.parametrize(
    ("dates", "published", "updated"),
    [
        ("Published June 10, 2024", "June 10, 2024", None),
        ("last updated June 11, 2024", None, "June 11, 2024"),
        ("Published 10 June 2024last updated 11 June 2024", "10 June 2024", "11 June 2024"),
    ],
)
def test_b_header_dates_are_kept_as_given(dates, published, updated):
    doc = read_text(f" date 2024-06-10 Report published late{dates}\nHeadline\nBody.\n")
    assert (doc["title"], doc["published"], doc["updated"]) == (
        "Report published late",
        published,
        updated,
    )
    assert doc["key_points"] == []


def test_key_points_heading_variant():
    text = B_HEADER + "Here's what you need to know:\n- One\nFollow along:\nHeadline\nBody.\n"
    doc = read_text(text)
    assert (doc["key_points"], doc["intro"]) == (["One"], ["Follow along:"])


def test_zero_width_spaces_are_dropped():
    # A line holding only a zero-width space is blank, so "S." stays the one-line standfirst.
    text = "T\n\nS.\n\u200b\nHeadline\u200b\n\nBody."
    assert read_text(text)["standfirst"] == "S."
    assert entries_of(text) == [("Headline", ["paragraph"])]


def test_file_photo_credit_and_sources_line():
    doc = read_text("T\n\nS.\n\nHeadline\n\nAlt\nBay [File photo: Reuters]\nSources: AP, Reuters")
    image = doc["entries"][0]["blocks"][0]
    assert (image["credit"], image["file_photo"]) == ("Reuters", True)
    assert doc["source"] == "AP, Reuters"


def test_bom_crlf_and_trailing_blank_lines_do_not_change_the_document():
    text = "T\n\nS.\n\nAlt\nCaption [AP]\n\nHeadline\n\nBody.\nSource: AP\n"
    messy = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode() + b"\r\n\r\n  \r\n"
    assert read_bytes(messy) == read_text(text)


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"\xe2\x80\x8b\n\xe2\x80\x8b", 1, "the file is empty"),
        (b"Alt\nCaption [AP]\n\nHeadline\n\nBody.", 1, "title on the first line, found an image"),
        (b" date 2024-01-01 \nHeadline\nBody.", 1, "a date but no title"),
    ],
)
def test_more_bad_input_names_the_line(data, line, words):
    with pytest.raises(ReaderError) as caught:
        read_bytes(data)
    assert (caught.value.line, words in caught.value.message) == (line, True)


# --- pages that stray from the seeds: read, with a warning for each assumption -------------


def read_noting(text: str) -> tuple[dict, list[str]]:
    warnings = []
    document = read_text(text, warnings=warnings)
    assert all(isinstance(warning, ReaderWarning) for warning in warnings)
    return document, [str(warning) for warning in warnings]


def test_reader_warning_is_a_frozen_line_and_message():
    warning = ReaderWarning(3, "caption without alt text; imported with empty alt")
    assert str(warning) == "line 3: caption without alt text; imported with empty alt"
    assert warning == ReaderWarning(3, "caption without alt text; imported with empty alt")
    with pytest.raises(AttributeError):
        warning.line = 4


def test_warnings_are_optional_and_do_not_change_the_document():
    text = "T\n\nS.\n\nHeadline\n\nA caption alone [Reuters]\n\nSource: AP"
    assert read_text(text) == read_noting(text)[0]
    assert read_bytes(text.encode()) == read_text(text)


def test_a_caption_without_alt_text_is_an_image_with_empty_alt():
    doc, warnings = read_noting("T\n\nS.\n\nHeadline\n\nA caption alone [Reuters]\n\nSource: AP")
    assert doc["entries"][0]["blocks"] == [
        {
            "type": "image",
            "alt": "",
            "caption": "A caption alone",
            "credit": "Reuters",
            "file_photo": False,
        }
    ]
    assert warnings == ["line 7: caption without alt text; imported with empty alt"]


def test_a_hero_caption_without_alt_text():
    doc, warnings = read_noting("T\n\nS.\n\nSmoke over hills [File: AFP]\n\nHeadline\n\nBody.")
    assert doc["hero_image"]["alt"] == ""
    assert (doc["hero_image"]["credit"], doc["hero_image"]["file_photo"]) == ("AFP", True)
    assert "line 5: caption without alt text; imported with empty alt" in warnings


@pytest.mark.parametrize(
    ("line", "warned"),
    [
        ("She said: “We will not give up” [Urdu]", True),
        ("The statement was read on state television [Translated from Arabic]", True),
        ("He wrote it was “an act of God” [sic]", False),
        ("The full text of the statement [in Russian]", False),
    ],
)
def test_a_lone_line_ending_in_a_bracket_that_is_no_credit_is_a_paragraph(line, warned):
    doc, warnings = read_noting(f"T\n\nS.\n\nHeadline\n\nFirst.\n\n{line}\n\nSource: AP")
    assert doc["entries"][0]["blocks"][1] == {"type": "paragraph", "text": line}
    assert any("reads as an aside, not a photo credit" in w for w in warnings) is warned


def test_a_second_image_before_the_first_entry_moves_into_it():
    text = "T\n\nS.\n\nA\nC [AP]\n\nA2\nC2 [AP]\n\nH\n\nB.\n\nSource: AP"
    doc, warnings = read_noting(text)
    assert doc["hero_image"]["alt"] == "A"
    assert [b.get("alt") for b in doc["entries"][0]["blocks"]] == ["A2", None]
    assert warnings == [
        "line 8: a second image before the first entry; moved to the start of the first entry"
    ]


def test_a_bullet_summary_before_the_intro_is_the_key_points():
    text = (
        "T\n\nS.\n\nAlt\nCaption [AP]\n\n  • First point.\n  • Second point.\n\n"
        "Intro.\n\nThis live blog is now closed.\n\nHeadline\n\nBody.\n\nSource: AP"
    )
    doc, warnings = read_noting(text)
    assert doc["key_points"] == ["First point.", "Second point."]
    assert doc["intro"] == ["Intro."]
    assert warnings == []


def test_a_missing_standfirst_and_source_are_noted():
    doc, warnings = read_noting("Title\n\nHeadline one\n\nBody.\n\nHeadline two\n\nMore.")
    assert (doc["standfirst"], doc["source"]) == (None, None)
    assert [e["headline"] for e in doc["entries"]] == ["Headline one", "Headline two"]
    assert warnings == [
        "line 1: no standfirst line after the title",
        "line 9: no Source: line at the end; imported without one",
    ]


def test_a_short_paragraph_without_full_stop_before_a_headline_ends_the_entry():
    text = (
        "T\n\nS.\n\nFirst headline\n\nBody.\n\nWith reporting by Ana Silva in Porto\n\n"
        "Second headline\n\nMore body.\n\nSource: AP"
    )
    doc, warnings = read_noting(text)
    assert entries_of(text) == [
        ("First headline", ["paragraph", "paragraph"]),
        ("Second headline", ["paragraph"]),
    ]
    assert warnings == [
        "line 9: “With reporting by Ana Silva in Porto” has no full stop but comes before a "
        "headline; imported as a paragraph of the entry above"
    ]


def test_a_paragraph_without_full_stop_after_a_headline_before_an_image():
    # Entries open with text, so a line followed by an image is the new entry's paragraph.
    text = "T\n\nS.\n\nFirst\n\nBody.\n\nSecond headline\n\nSoldiers arrived at dawn\n\nA\nC [AP]"
    assert entries_of(text) == [
        ("First", ["paragraph"]),
        ("Second headline", ["paragraph", "image"]),
    ]


def test_a_line_that_reads_as_body_wins_over_position():
    # "The ... said" reads as a sentence: the headline is the line above it.
    text = B_HEADER + "Talks resume\nThe minister said talks would resume\nThey met for hours.\n"
    assert entries_of(text) == [("Talks resume", ["paragraph", "paragraph"])]


def test_b_intro_line_without_colon():
    text = B_HEADER + "What you need to know\n- One\nFollow the latest news\nHeadline\nBody.\n"
    doc, warnings = read_noting(text)
    assert doc["intro"] == ["Follow the latest news"]
    assert entries_of(text) == [("Headline", ["paragraph"])]
    assert warnings == [
        "line 4: “Follow the latest news” has no closing colon; imported as the intro"
    ]


@pytest.mark.parametrize(
    ("heading", "warned"),
    [("Key developments", False), ("What we know so far:", False), ("Today in brief", True)],
)
def test_b_key_points_heading_worded_differently(heading, warned):
    text = B_HEADER + f"{heading}\n- One\n- Two\nFollow along:\nHeadline\nBody.\n"
    doc, warnings = read_noting(text)
    assert (doc["key_points"], doc["intro"]) == (["One", "Two"], ["Follow along:"])
    assert [e["headline"] for e in doc["entries"]] == ["Headline"]
    assert any("read as the key-points heading" in w for w in warnings) is warned


def test_b_key_points_without_heading():
    doc, warnings = read_noting(B_HEADER + "- One\nFollow along:\nHeadline\nBody.\n")
    assert doc["key_points"] == ["One"]
    assert warnings == [
        "line 2: bullet list without a 'What you need to know' heading read as key points"
    ]


def test_b_invalid_date_imports_without_a_date():
    doc, warnings = read_noting(" date 2024-13-45 TitlePublished May 1, 2024\nH\nP.")
    assert (doc["title"], doc["date"], doc["published"]) == ("Title", None, "May 1, 2024")
    assert "line 1: 2024-13-45 is not a valid date; imported without a date" in warnings


@pytest.mark.parametrize(
    ("header", "published", "updated"),
    [
        ("Published on June 10, 2024Last updated: June 11, 2024 09:30 GMT", "June 10, 2024",
         "June 11, 2024 09:30 GMT"),
        ("Published June 10, 2024Updated June 11, 2024", "June 10, 2024", "June 11, 2024"),
        ("Published: 10 June 2024", "10 June 2024", None),
    ],
)  # fmt: skip
def test_b_header_labels_worded_differently(header, published, updated):
    doc = read_text(f" date 2024-06-10 Title of the blog{header}\nHeadline\nBody.\n")
    assert (doc["title"], doc["published"], doc["updated"]) == (
        "Title of the blog",
        published,
        updated,
    )


def test_b_header_without_dates_is_noted():
    doc, warnings = read_noting(" date 2024-06-10 Just a title\nHeadline\nBody.\n")
    assert doc["title"] == "Just a title"
    assert warnings == [
        "line 1: header without 'Published'; no publication date imported",
        "line 1: header without 'last updated'; no update date imported",
    ]


def test_b_without_the_date_prefix_is_still_b():
    text = "Dam breach: villages evacuatedPublished October 12, 2025\nHeadline\nBody.\n"
    assert detect_format(text) == "B"
    doc, warnings = read_noting(text)
    assert (doc["format"], doc["title"], doc["date"]) == (
        "B",
        "Dam breach: villages evacuated",
        None,
    )
    assert "line 1: header without 'date YYYY-MM-DD'; imported without a date" in warnings


@pytest.mark.parametrize(
    "notice",
    [
        "We have now ended our live coverage. Thank you for following.",
        "This live page is no longer being updated.",
        "That concludes our live coverage for today.",
        "We’re pausing our live coverage for now.",
    ],
)
def test_closed_notice_worded_differently(notice):
    doc = read_text(f"T\n\nS.\n\n{notice}\n\nHeadline\n\nBody.")
    assert doc["closed_notice"] == notice


@pytest.mark.parametrize(
    "stub",
    [
        "Read our full explainer here.",
        "Catch up on all our coverage of the summit here.",
        "READ MORE: Why the talks failed",
        "Click here to watch the full interview",
    ],
)
def test_link_stubs_worded_differently(stub):
    doc = read_text(f"T\n\nS.\n\nHeadline\n\nFirst.\n\n{stub}\n\nNext\n\nX.")
    assert doc["entries"][0]["blocks"][1] == {"type": "link", "text": stub}


def test_the_issue_redos_line_reads_as_a_paragraph():
    line = "Read " + "here " * 8000 + "x. y"
    doc = read_text(f"T\n\nS.\n\nHeadline\n\n{line}\n\nSource: AP")
    assert doc["entries"][0]["blocks"] == [{"type": "paragraph", "text": line.strip()}]


def test_a_long_run_of_headline_like_lines_gets_one_warning():
    text = "T\n\nS.\n\nHeadline\n\nBody.\n\n" + "\n\n".join(["Line without stop"] * 3000)
    doc, warnings = read_noting(text + "\n\nLast.\n\nSource: AP")
    # A sentence follows the run, so its last line is the headline (the tie rule).
    assert entries_of(text + "\n\nLast.") == [
        ("Headline", ["paragraph"] * 3000),
        ("Line without stop", ["paragraph"]),
    ]
    assert warnings == [
        "line 9: 3000 lines in a row (to line 6007) read as headlines; “Line without stop” "
        "(line 6007) imported as the headline, the others as paragraphs"
    ]


def test_a_flood_of_warnings_is_capped():
    # 3,000 captions without alt text: one warning each would bury the useful ones.
    text = "T\n\nS.\n\nHeadline\n\n" + "\n\n".join(["A caption [AP]"] * 3000)
    doc, warnings = read_noting(text + "\n\nSource: AP")
    assert len(doc["entries"][0]["blocks"]) == 3000
    assert len(warnings) == MAX_WARNINGS
    assert warnings[-1] == "line 205: 2901 more warnings like the ones above not listed"


def test_b_header_broken_after_the_date():
    text = " date 2024-06-10\nEU votePublished June 10, 2024last updated June 11, 2024\nH\nB.\n"
    doc, warnings = read_noting(text)
    assert (doc["title"], doc["date"], doc["published"]) == (
        "EU vote",
        "2024-06-10",
        "June 10, 2024",
    )
    assert entries_of(text) == [("H", ["paragraph"])]
    assert warnings == ["line 2: header broken after the date; lines joined"]
