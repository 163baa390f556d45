"""Fuzzing the reader: any text reads to a valid document or fails with ReaderError, in time.

Each example has a deadline, and the inputs repeat pattern-shaped pieces thousands of times, so
a pattern or loop that turns super-linear again (the hardening issue: 7.5 s on one 40 KB line)
blows the deadline, while the linear reader reads the largest of them in tens of milliseconds.
`target()` steers the search towards the inputs that take longest per character.
scripts/bench_reader.py prints the figures per KB.
"""

import datetime
import time

from hypothesis import example, given, settings, target
from hypothesis import strategies as st

from liveblog.importers.document import check_document
from liveblog.importers.reader import ReaderError, ReaderWarning, read_bytes, read_text

DEADLINE = datetime.timedelta(seconds=1)
# Pieces the reader's patterns and loops look for, and their neighbours.
OPENERS = [
    "", "Read ", "read more", "Click ", "You can watch ", "Watch more here:", "• ", "- ", "-",
    "INTERACTIVE- ", "Source: ", "Sources:", "This live blog is now closed", "We have now ",
    "What you need to know", "Key developments", " date 2024-02-12 ", "date 2024-13-45 ",
    "Follow the latest", "With reporting by", "The", "“", "[", "File: ", "Published ",
]  # fmt: skip
FILLERS = [
    "here", "here ", " ", "\u00a0", "\u200b", ".", "!", "?", ":", ";", ",", "…", "'", "’", "‘",
    '"', "“", "”", "»", ")", "[", "]", "[a] ", "[Reuters]", "File: ", "/", "• ", "- ", "\n",
    "\n\n", "\r\n", "Published ", "Published February 12, 2025", "last updated ", "Updated 3 ",
    "closed. ", ". This live blog is ", "we have now ", "Word ", "a", "x",
]  # fmt: skip
ENDINGS = [
    "", ".", "x. y", ". y", ":", "?", "!", "]", "[Reuters]", " [File: AP]", "”", "'", "\n",
    "\nAlt\nCaption [AP]", "\n\nHeadline\n\nBody.", "\nSource: AP",
]  # fmt: skip
# What unbounded loops in a pattern (".*", "[^.]*", "\\s*") consume: drawn half of the time.
WORDY = ["here ", "Word ", " ", "\u00a0", "a", "here", "more "]
PIECES = OPENERS + FILLERS + ENDINGS
LONG_LINE = (20_000, 40_000)  # characters: where a quadratic pattern takes seconds


def repeat_line(opener: str, filler: list[str], count: int, ending: str) -> str:
    unit = "".join(filler)
    # A negative count asks for a long line: that many characters of the filler.
    times = count if count > 0 else -count // len(unit)
    return opener + unit * times + ending


# One line that opens like a pattern wants, repeats a filler, and ends somewhere: the shape of
# the inputs that made the old patterns backtrack ("Read " + "here " * 8000 + "x. y"). Short
# repeats find wrong readings, long ones slow readings, so the length is drawn from both ends.
adversarial_text = st.builds(
    repeat_line,
    st.sampled_from(OPENERS),
    st.lists(st.sampled_from(WORDY) | st.sampled_from(FILLERS), min_size=1, max_size=3),
    st.integers(min_value=1, max_value=20) | st.integers(-LONG_LINE[1], -LONG_LINE[0]),
    st.sampled_from(ENDINGS),
)
# The same, as one long line: cheap to read when linear, so many more of them are tried.
IN_LINE = [piece for piece in FILLERS if "\n" not in piece]
adversarial_line = st.builds(
    repeat_line,
    st.sampled_from(OPENERS),
    st.lists(st.sampled_from(WORDY) | st.sampled_from(IN_LINE), min_size=1, max_size=3),
    st.integers(-LONG_LINE[1], -LONG_LINE[0]),
    st.sampled_from([ending for ending in ENDINGS if "\n" not in ending]),
)
BLOG_HEAD = "Title of the blog\n\nA standfirst.\n\nA headline\n\nA paragraph.\n\n"
B_HEAD = " date 2025-02-12 A titlePublished February 12, 2025last updated February 13, 2025\n"


def check_reading(text: str) -> None:
    warnings = []
    start = time.perf_counter()
    try:
        document = read_text(text, warnings=warnings)
    except ReaderError as error:
        assert error.line >= 0
        assert isinstance(error.message, str) and error.message
        return
    finally:
        target((time.perf_counter() - start) / (len(text) + 1000), label="seconds per character")
    check_document(document)
    assert document["title"].strip()
    assert document["entries"]
    assert all(entry["headline"] and entry["blocks"] for entry in document["entries"])
    last_line = text.count("\n") + text.count("\r") + 1
    for warning in warnings:
        assert isinstance(warning, ReaderWarning)
        assert 1 <= warning.line <= last_line and warning.message


@settings(max_examples=150, deadline=DEADLINE)
@given(st.lists(st.sampled_from(PIECES), max_size=400).map("".join))
def test_random_pieces(text):
    check_reading(text)


@settings(max_examples=150, deadline=DEADLINE)
@given(st.text(max_size=2000))
def test_random_unicode(text):
    check_reading(text)


@settings(max_examples=1000, deadline=DEADLINE)
@given(adversarial_line, st.sampled_from([BLOG_HEAD, B_HEAD]))
def test_one_adversarial_line(line, head):
    check_reading(head + line)


@settings(max_examples=150, deadline=DEADLINE)
@given(st.lists(adversarial_text, min_size=1, max_size=2), st.sampled_from([BLOG_HEAD, B_HEAD]))
@example(["Read " + "here " * 8000 + "x. y"], BLOG_HEAD)  # the line: 7.5 s before
@example(["[" * 40000 + "]"], BLOG_HEAD)
@example(["T" + "Published last updated " * 2000], B_HEAD[:-1])
@example(["a" + " \u00a0" * 20000 + "]"], BLOG_HEAD)
@example(["Headline like words\n" * 20000], B_HEAD)
@example(["No full stop\n\n" * 5000], BLOG_HEAD)
def test_adversarial_texts(lines, head):
    check_reading(head + "\n\n".join(lines))


@settings(max_examples=100, deadline=DEADLINE)
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    try:
        read_bytes(data, warnings=[])
    except ReaderError as error:
        assert error.line >= 0
