"""Read scraped live-blog text (formats A and B of SEED_FORMAT.md) into the import document.

Pure Python, no Django: `read_file()` / `read_bytes()` / `read_text()` return the document as a
dict, or raise ReaderError when the text is not a live blog at all (empty, binary, not UTF-8, no
title, no entry). Everything else imports: each assumption the reader makes about a page that
strays from the seeds is reported as a ReaderWarning on the caller's `warnings` list.

Long blogs: the text is read as a stream. `read_file()` checks the file in chunks, then reads it
line by line, holding only the units between the entry being written and the next headline; each
finished entry goes to the caller's `entries` (a list, or a spill to disk), so memory stays flat
whatever the file's length. The lines parts came from are kept compactly (`Lines`), the warnings
as the first MAX_WARNINGS of them (`Notes`).

Hostile input: the reader is linear in the size of the text. Every pattern is anchored and either
free of nested or adjacent unbounded quantifiers or only run on a line whose length is capped
first, and each unit of the text is looked at a bounded number of times.
scripts/bench_reader.py times it on adversarial input; tests/test_reader_fuzz.py keeps it so.
"""

import codecs
import datetime
import heapq
import re
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024

# A line ending in closing sentence punctuation (optionally followed by closing quotes/brackets)
# is a paragraph, never a headline. Checked with rstrip, not a searched pattern: a search
# restarts at every punctuation mark of the line.
CLOSERS = "'\"”’»)]"
SENTENCE_END = ".!:;,…"
# Both sources quote with single marks in headlines (‘…’ in A, '…' in B) and with double marks in
# the body, so a line that opens or closes with a double quote is a quotation: a paragraph.
QUOTATION_OPEN = '“"'
QUOTATION_CLOSE = '”"'
FILE_CREDIT_RE = re.compile(r"File(?: photo| picture| image)?\s*:\s*", re.I)
BULLET_RE = re.compile(r"(?:•|- )\s*")
INTERACTIVE_RE = re.compile(r"INTERACTIVE\s*[-–—:]\s*")
# What is left of a link whose address was lost: a call to action pointing "here" ("Read more
# here.", "Click here to watch the video.", "Read more here: <title>") or "Read more: <title>".
# Only the opening words are a pattern; the rest is checked on a length-capped head.
LINK_STUB_START_RE = re.compile(
    r"(?:you can |for more,? |or )?(?:also )?"
    r"(?:read|watch|listen|click|tap|see|find out|follow|explore|check|view|learn|catch up|"
    r"sign up|subscribe|download|keep up)\b",
    re.I,
)
HERE_RE = re.compile(r"\bhere\b", re.I)
LINK_STUB_MAX_WORDS = 12  # counted before any ": <title>"
LINK_STUB_MAX_CHARS = 160  # the same words, generously: longer heads are never stubs
SOURCE_RE = re.compile(r"Sources?\s*:\s*", re.I)
# The notice opens a sentence ("This live blog is now closed, ...", "We have now closed this live
# blog."); anchoring it keeps news about other things closing from counting. Every branch is a
# bounded run of words, so the search is linear.
_COVERAGE = r"(?:live ?blog|blog|live page|live coverage|coverage|live updates|live news)"
CLOSED_RE = re.compile(
    r"(?:^|[.!]\s)(?:"
    rf"(?:this|the|our)\s{_COVERAGE}\s(?:is|has|have)\s"
    r"(?:now\s)?(?:been\s)?(?:closed|ended|finished|concluded|paused|over|no longer being updated)"
    r"|we(?:’ve|'ve|’re|'re|\shave|\sare|\swill|’ll|'ll)?\s(?:now\s)?(?:be\s)?"
    r"(?:closed|closing|ended|ending|concluded|concluding|paused|pausing|wrapped up|wrapping up|"
    r"stopped|stopping)\s(?:this|our|the)\s(?:live\s)?" + _COVERAGE + r"|"
    r"that(?:’s|'s|\sis|\sconcludes|\sends|\swraps up)\s(?:it\s|all\s)?(?:for\s|from\s)?"
    rf"(?:our|this|the)\s{_COVERAGE}"
    r")\b",
    re.I,
)
# The key-points heading: never a headline. Other wordings the sources use count only at the
# top of the page, over a list: lower down "Summary" or "What we know so far" head entries.
KEY_POINTS_RE = re.compile(r"(?:here(?:'s|’s| is| are) )?what you need to know:?", re.I)
KEY_POINTS_HEADING_RE = re.compile(
    r"(?:here(?:'s|’s| is| are) )?(?:"
    r"what (?:you need|to) know(?: so far| now| today)?"
    r"|what we know(?: so far| now| today)?"
    r"|(?:the )?key (?:points|developments|events|facts|takeaways)(?: so far)?"
    r"|(?:the )?(?:latest|main|top) (?:developments|headlines|points|news)"
    r"|(?:the )?latest|summary|in brief|at a glance|catch up|highlights|in short"
    r"):?",
    re.I,
)
KEY_POINTS_HEADING_MAX_WORDS = 6
# A page's invitation to follow the coverage ("Follow the latest news ... :"): intro, even
# without the colon that usually ends it.
INTRO_RE = re.compile(
    r"(?:follow|here (?:are|is)|welcome to|this is|we (?:are|will be|’re|'re) (?:bringing|"
    r"following|covering|tracking|updating)|stay with us|keep up with|you are following|"
    r"read on for|join us)\b",
    re.I,
)
# Format B's header: " date YYYY-MM-DD <title>Published <date>last updated <date>", the dates kept
# as the text gives them. A label counts only when a date follows it, so "Report published late"
# stays in the title. Each pattern is a bounded run; finditer keeps the search linear.
B_DETECT_RE = re.compile(r"\s*date\s*:?\s*\d{4}-\d{1,2}-\d{1,2}\b", re.I)
B_DATE_RE = re.compile(r"\s*date\s*:?\s*(?P<date>\d{4}-\d{1,2}-\d{1,2})\b\s*", re.I)
_DATE_AHEAD = (
    r"(?=\d|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
    r"[a-z]{0,7}\.?[ ,])"
)
PUBLISHED_RE = re.compile(r"Published(?: on)?:? ?" + _DATE_AHEAD)
UPDATED_RE = re.compile(r"(?:[Ll]ast [Uu]pdated|[Uu]pdated)(?: on)?:? ?" + _DATE_AHEAD)
# Invisible characters scraped pages carry; a line holding only these is blank.
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))

HEADLINE_MAX_WORDS = 25
HEADLINE_MAX_CHARS = 200
QUESTION_HEADLINE_MAX_WORDS = 15
QUOTE_IN_WARNING = 60  # characters of a line quoted in a warning
# A page that strays on every line (a hostile one) would bury the useful warnings in thousands.
MAX_WARNINGS = 100

# A photo credit names an agency or a photographer ("Reuters", "File: Andrew Harnik/AP"); an
# aside in brackets at the end of a paragraph names a language or what was left out.
CREDIT_WORDS = frozenset(
    "reuters ap afp getty images epa efe anadolu xinhua bloomberg handout pool courtesy photo "
    "photos picture file via al jazeera upi tass sputnik ria novosti kyodo yonhap shutterstock "
    "alamy nurphoto sopa sipa abaca zuma press service office screengrab screenshot supplied "
    "agency ministry".split()
)
ASIDE_WORDS = frozenset(
    "urdu arabic russian ukrainian hebrew farsi persian turkish french spanish german chinese "
    "mandarin cantonese hindi pashto dari kurdish portuguese english italian japanese korean "
    "bengali tamil swahili amharic polish greek serbian georgian armenian somali hausa tigrinya "
    "burmese thai vietnamese indonesian malay tagalog dutch romanian hungarian czech "
    "sic translated translation applause laughter inaudible unclear crosstalk emphasis added "
    "mine original video audio thread update updated opinion analysis explainer in from".split()
)


# Words that open or fill a sentence of body text but hardly ever a headline: both sources write
# headlines without articles or pronouns, and report speech in the body in the past tense.
BODY_OPENERS = frozenset(
    "the a an he she it they we i you his her their its our but and so yet or meanwhile however "
    "earlier later also there".split()
)
BODY_WORDS = frozenset(
    "he she they his her their we our it said told added wrote explained noted stated "
    "according".split()
)
# Stock lines that end a part of the page: a reporter's credit, a promise of more.
BODY_LINE_RE = re.compile(
    r"(?:with (?:additional )?reporting|(?:additional )?reporting (?:by|from)|reported by|"
    r"written by|edited by|more to follow|more details (?:soon|to follow)|updates to follow|"
    r"this is a developing story)\b",
    re.I,
)
HEADLINE_LABEL_MAX_WORDS = 4  # "British minister: ..." - a short label before a colon
# A page puts a stray line or two next to a headline; a longer run of headline-like lines is no
# such mix-up, so its lines are not weighed one by one and one warning covers the run.
LONG_RUN = 12


class ReaderError(ValueError):
    """The text is not a live blog in either format; `line` is 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class ReaderWarning:
    """An assumption the reader made to import a page that strays from the format."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


UNIT_NAMES = {"image": "an image", "list": "a bullet list", "source": "the Source: line"}


@dataclass(slots=True)
class Unit:
    """One piece of the text: a line, an image pair, a bullet list, or the attribution."""

    kind: str  # "line" | "image" | "list" | "source"
    line: int
    text: str = ""
    block: dict | None = None  # an image's or a list's block
    headline_like: bool = False  # worked out once per line, when the unit is made


# The reader's passes, in the order they once ran one after another: warnings on the same line
# are listed in this order, whichever pass of the stream noticed them first.
HEADER, UNITS, TOP, BODY_TOP, STARTS, BODY = range(6)


class Notes:
    """The reader's warnings: sorted by line, the first MAX_WARNINGS kept and the rest counted
    (a hostile page that strays on every line holds a hundred, not a million)."""

    def __init__(self, limit: int = MAX_WARNINGS):
        self.limit = limit
        self.count = 0
        self._kept: list = []  # a max-heap of the smallest (line, pass, order) keys seen

    def add(self, kind: int, note: ReaderWarning) -> None:
        self.count += 1
        item = ((-note.line, -kind, -self.count), note)
        if len(self._kept) < self.limit:
            heapq.heappush(self._kept, item)
        elif item > self._kept[0]:
            heapq.heapreplace(self._kept, item)

    def of(self, kind: int) -> "_PassNotes":
        return _PassNotes(self, kind)

    def sorted(self) -> list[ReaderWarning]:
        notes = [note for _, note in sorted(self._kept, reverse=True)]
        if self.count > self.limit:
            rest = self.count - self.limit + 1
            cut = notes[self.limit - 1].line
            notes[self.limit - 1 :] = [
                ReaderWarning(cut, f"{rest} more warnings like the ones above not listed")
            ]
        return notes


@dataclass(slots=True)
class _PassNotes:
    """The warnings one pass of the reader notes (`append`, as on a list)."""

    notes: Notes
    kind: int

    def append(self, note: ReaderWarning) -> None:
        self.notes.add(self.kind, note)


ENTRY_PATH_RE = re.compile(r"entries\[(\d{1,9})\](?:\.blocks\[(\d{1,9})\])?")


class Lines:
    """The line each part of the document came from, by its path ("title", "intro[0]",
    "entries[3]", "entries[3].blocks[1]"), so that a value the database refuses later can be
    reported at its line. Entries and blocks are kept in arrays: 8 bytes a part."""

    def __init__(self):
        self.parts: dict[str, int] = {}
        self.entries = array("q")
        self.first_block = array("q")  # per entry, where its blocks start in `blocks`
        self.blocks = array("q")

    def __setitem__(self, path: str, line: int) -> None:
        self.parts[path] = line

    def setdefault(self, path: str, line: int) -> int:
        return self.parts.setdefault(path, line)

    def update(self, parts: dict[str, int]) -> None:
        self.parts.update(parts)

    def add_entry(self, line: int) -> None:
        self.entries.append(line)
        self.first_block.append(len(self.blocks))

    def add_block(self, line: int) -> None:
        """The line of the next block of the last entry."""
        self.blocks.append(line)

    def get(self, path: str) -> int | None:
        match = ENTRY_PATH_RE.fullmatch(path)
        if match is None:
            return self.parts.get(path)
        entry = int(match[1])
        if entry >= len(self.entries):
            return None
        if match[2] is None:
            return self.entries[entry]
        end = self.first_block[entry + 1] if entry + 1 < len(self.entries) else len(self.blocks)
        at = self.first_block[entry] + int(match[2])
        return self.blocks[at] if at < end else None

    def __contains__(self, path: str) -> bool:
        return self.get(path) is not None

    def __getitem__(self, path: str) -> int:
        line = self.get(path)
        if line is None:
            raise KeyError(path)
        return line

    def as_dict(self) -> dict[str, int]:
        """Every path and its line (for tests and small documents)."""
        found = dict(self.parts)
        for entry, line in enumerate(self.entries):
            found[f"entries[{entry}]"] = line
            end = self.first_block[entry + 1] if entry + 1 < len(self.entries) else len(self.blocks)
            for n, at in enumerate(range(self.first_block[entry], end)):
                found[f"entries[{entry}].blocks[{n}]"] = self.blocks[at]
        return found


class _Window:
    """The units of a text as they are read: looked up by their index, those behind the reader
    let go (`release`), so that a long blog is never held whole."""

    def __init__(self, units: Iterator[Unit]):
        self._source = units
        self._held: list[Unit] = []
        self._first = 0  # the index of _held[0]
        self.last: Unit | None = None  # the last unit read so far (at the end: the text's last)

    def has(self, index: int) -> bool:
        while index - self._first >= len(self._held):
            unit = next(self._source, None)
            if unit is None:
                return False
            self._held.append(unit)
            self.last = unit
        return True

    def get(self, index: int) -> Unit | None:
        return self._held[index - self._first] if self.has(index) else None

    def __getitem__(self, index: int) -> Unit:
        return self._held[index - self._first]  # callers ask has() first

    def release(self, index: int) -> None:
        """Units before `index` are not looked at again."""
        done = index - self._first
        if done >= RELEASE_AFTER:
            del self._held[:done]
            self._first = index


RELEASE_AFTER = 512  # units let go at a time: the copy of the rest is paid that rarely


def _line(number: int, text: str) -> Unit:
    return Unit("line", number, text=text, headline_like=_looks_like_headline(text))


def clean(text: str) -> str:
    """No-break spaces count as spaces; runs of white space fold to one; zero-width marks go."""
    return " ".join(text.translate(ZERO_WIDTH).split())


def quoted(text: str) -> str:
    """A line as a warning quotes it: short enough to read, long enough to find."""
    if len(text) <= QUOTE_IN_WARNING:
        return f"“{text}”"
    return f"“{text[: QUOTE_IN_WARNING - 1].rstrip()}…”"


def read_bytes(data: bytes, *, warnings: list | None = None, lines: Lines | None = None) -> dict:
    _check(len(data), [data])
    return read_text(data.decode("utf-8"), warnings=warnings, lines=lines)


READ_CHUNK = 1024 * 1024


def read_file(
    path: Path, *, warnings: list | None = None, lines: Lines | None = None, entries=None
) -> dict:
    """The document of the text file at `path`, read as a stream: checked in chunks first, then
    read line by line. Each entry is appended to `entries` (a list unless given) as it ends."""
    with open(path, "rb") as handle:
        _check(path.stat().st_size, iter(lambda: handle.read(READ_CHUNK), b""))
    # Universal newlines: "\r\n" and a lone "\r" end a line, as read_text() has them.
    with open(path, encoding="utf-8", newline=None) as handle:
        return read_lines(handle, warnings=warnings, lines=lines, entries=entries)


def _check(size: int, chunks: Iterable[bytes]) -> None:
    """Refuse what is no text at all, looking at one chunk at a time: an empty file, one too
    large, binary data (a NUL byte, whichever line it is on), bytes that are not UTF-8."""
    if size > MAX_BYTES:
        raise ReaderError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", 0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    blank = True
    bad = None  # the first byte that is not UTF-8: (line, byte)
    for chunk in chunks:
        blank = blank and not chunk.strip()
        if (at := chunk.find(b"\x00")) >= 0:
            line = newlines + chunk.count(b"\n", 0, at) + 1
            raise ReaderError("binary data (NUL byte): not a text file", line)
        if bad is None:
            bad = _undecodable(decoder, chunk, offset, newlines)
        offset += len(chunk)
        newlines += chunk.count(b"\n")
    if blank:
        raise ReaderError("the file is empty", 1)
    if bad is None:
        bad = _undecodable(decoder, b"", offset, newlines, final=True)
    if bad is not None:
        raise ReaderError(f"not UTF-8 text (byte 0x{bad[1]:02x})", bad[0])


def _undecodable(decoder, chunk: bytes, offset: int, newlines: int, final: bool = False):
    """(line, byte) of the first byte of `chunk` (or of a sequence it ends) that is not UTF-8."""
    held = len(decoder.getstate()[0])  # the start of a character the last chunk cut in two
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError as error:
        # The error counts from the held bytes (no line break among them) then this chunk.
        inside = max(0, error.start - held)
        return newlines + chunk.count(b"\n", 0, inside) + 1, error.object[error.start]
    return None


def detect_format(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    ahead = _Ahead(_nonblank(match.group() for match in LINE_RE.finditer(text)))
    return _detect(ahead) if ahead.peek() else "A"


def _detect(ahead: "_Ahead") -> str:
    _, first, group = ahead.peek()
    if B_DETECT_RE.match(first):
        return "B"
    # A B page that lost its " date YYYY-MM-DD" still has its dates after the title, and no blank
    # line under its header; an A page leaves a blank line after the title.
    if ahead.in_group(1, group) and PUBLISHED_RE.search(first):
        return "B"
    return "A"


def read_text(
    text: str, *, warnings: list | None = None, lines: Lines | None = None, entries=None
) -> dict:
    """The document of `text`. With `lines` (a Lines), it is filled with the line each part of
    the document came from, by its path."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Line by line without a list of every raw line: a long blog's text is read once.
    raw_lines = (match.group() for match in LINE_RE.finditer(text))
    return read_lines(raw_lines, warnings=warnings, lines=lines, entries=entries)


def read_lines(
    raw_lines: Iterable[str],
    *,
    warnings: list | None = None,
    lines: Lines | None = None,
    entries=None,
) -> dict:
    """The document of a text given line by line (the first line is line 1). Its entries are
    appended to `entries` (anything with append(); a new list unless given) as each one ends,
    and the document's "entries" is that object."""
    lines = Lines() if lines is None else lines
    notes = Notes()
    ahead = _Ahead(_nonblank(raw_lines))
    if ahead.peek() is None:
        raise ReaderError("the file is empty", 1)
    document = _empty_document(_detect(ahead))
    document["entries"] = [] if entries is None else entries
    if document["format"] == "B":
        _read_b(document, ahead, notes, lines)
    else:
        _read_a(document, ahead, notes, lines)
    if warnings is not None:
        warnings.extend(notes.sorted())
    return document


LINE_RE = re.compile(r"^[^\n]*$", re.MULTILINE)


def _nonblank(raw_lines: Iterable[str]) -> Iterator[tuple[int, str, int]]:
    """The non-blank lines as (line number, cleaned text, group): a group is a run of lines with
    no blank line between them. Leading bullets keep their mark."""
    group = 0
    after_blank = True
    for number, raw in enumerate(raw_lines, start=1):
        line = clean(raw)
        if not line:
            after_blank = True
            continue
        group += after_blank
        after_blank = False
        yield number, line, group


class _Ahead:
    """The non-blank lines, taken one at a time, with a look at the next few."""

    def __init__(self, lines: Iterator[tuple[int, str, int]]):
        self._lines = lines
        self._seen: deque = deque()

    def peek(self, at: int = 0) -> tuple[int, str, int] | None:
        while len(self._seen) <= at:
            line = next(self._lines, None)
            if line is None:
                return None
            self._seen.append(line)
        return self._seen[at]

    def in_group(self, at: int, group: int) -> bool:
        """Whether the line `at` ahead is in `group` (no blank line before it)."""
        line = self.peek(at)
        return line is not None and line[2] == group

    def take(self) -> tuple[int, str, int] | None:
        return self._seen.popleft() if self._seen else next(self._lines, None)


def _bullet_item(line: str) -> str | None:
    """The item of a bullet line ("" for a bare mark), or None when the line is no bullet."""
    match = BULLET_RE.match(line)
    if match:
        return line[match.end() :]
    if line == "-" or line == "•":
        return ""
    return None


def _units(ahead: _Ahead, notes, *, images: bool) -> Iterator[Unit]:
    """Cut the lines into units, one at a time. `images` is False for format B, which has no
    image pairs: there a line ending in brackets ("[sic]", "[translated]") is just a paragraph.

    A unit is handed on once the next one is made: bullets split by blank lines are still one
    list, so a list takes the bullets after it until something else comes."""
    held: Unit | None = None
    for unit in _cut(ahead, notes, images=images):
        if unit.kind == "list" and held is not None and held.kind == "list":
            held.block["items"].extend(unit.block["items"])
            continue
        if unit.kind == "list" and not unit.block["items"]:
            continue  # bare bullet marks alone are no list
        if held is not None:
            yield held
        held = unit
    if held is not None:
        yield held


def _cut(ahead: _Ahead, notes, *, images: bool) -> Iterator[Unit]:
    """The units as made: an image is two lines of a group, a list a run of bullet lines in a
    group (a list unit for each run), the Source: line the text's last line."""
    while (current := ahead.take()) is not None:
        number, line, group = current
        following = ahead.peek()[1] if ahead.in_group(0, group) else None
        if ahead.peek() is None and (match := SOURCE_RE.match(line)) and line[match.end() :]:
            yield Unit("source", number, text=line[match.end() :].strip())
        elif (item := _bullet_item(line)) is not None:
            items = [item] if item else []  # a bare bullet mark is no item
            while ahead.in_group(0, group) and (item := _bullet_item(ahead.peek()[1])) is not None:
                ahead.take()
                if item:
                    items.append(item)
            # Bare bullet marks make no list of their own (see _units).
            yield Unit("list", number, block={"type": "list", "items": items})
        elif (
            images
            and following
            and (split := _credit_split(following))
            and _reads_as_credit(split[1])
            and not _credit_split(line)
            and not INTERACTIVE_RE.match(following)
        ):
            ahead.take()
            yield Unit("image", number, block=_image(line, following))
        elif images and (split := _credit_split(line)) and not INTERACTIVE_RE.match(line):
            # An image is two lines with no blank between; a lone caption has lost its alt
            # text, which editors must write. A bracket that names no agency or photographer
            # ("[sic]", "[Urdu]") ends a paragraph instead.
            credit = split[1]
            if _reads_as_credit(credit):
                notes.append(
                    ReaderWarning(number, "caption without alt text; imported with empty alt")
                )
                yield Unit("image", number, block=_image("", line))
            else:
                if credit[:1].isupper():
                    notes.append(
                        ReaderWarning(
                            number,
                            f"line ends in [{credit}], which reads as an aside, not a photo "
                            "credit; imported as a paragraph",
                        )
                    )
                yield _line(number, line)
        else:
            yield _line(number, line)


def _credit_split(line: str) -> tuple[str, str] | None:
    """(caption, credit) when the line ends in a bracketed credit "... [credit]", else None.

    The credit is the text inside the last bracket pair, which holds no other bracket; found with
    rfind, since a pattern with a lazy caption rescans the line for every bracket in it.
    """
    if not line.endswith("]") or _bullet_item(line) is not None:
        return None
    opening = line.rfind("[")
    credit = line[opening + 1 : -1]
    if opening < 0 or "]" in credit or not credit.strip():
        return None
    return line[:opening].rstrip(), credit.strip()


def _reads_as_credit(credit: str) -> bool:
    """A credit names an agency or a photographer: capitalised, and not a language or aside."""
    if not (credit[:1].isupper() or credit[:1].isdigit()) or not any(c.isalpha() for c in credit):
        return False
    if "/" in credit or FILE_CREDIT_RE.match(credit):
        return True
    words = credit.replace(",", " ").lower().split()
    if any(word in CREDIT_WORDS for word in words):
        return True
    return not any(word in ASIDE_WORDS for word in words)


def _image(alt: str, caption_line: str) -> dict:
    caption, credit = _credit_split(caption_line)
    file_match = FILE_CREDIT_RE.match(credit)
    return {
        "type": "image",
        "alt": alt,
        "caption": caption.strip(),
        "credit": credit[file_match.end() :].strip() if file_match else credit,
        "file_photo": bool(file_match),
    }


def _interactive_title(text: str) -> str | None:
    match = INTERACTIVE_RE.match(text)
    return text[match.end() :].strip() if match and text[match.end() :].strip() else None


def _line_block(text: str) -> dict:
    if (title := _interactive_title(text)) is not None:
        return {"type": "interactive", "title": title}
    if _is_link_stub(text):
        return {"type": "link", "text": text}
    return {"type": "paragraph", "text": text}


def _is_link_stub(text: str) -> bool:
    # The opening words first: they fail on the first word of almost every line.
    start = LINK_STUB_START_RE.match(text)
    if not start:
        return False
    head, colon, _ = text.partition(":")
    if len(head) > LINK_STUB_MAX_CHARS or len(head.split()) > LINK_STUB_MAX_WORDS:
        return False
    rest = head[start.end() :]
    if colon and rest.strip().lower() == "more":  # "Read more: <title>"
        return True
    # "... here", optionally closed by "." or "!" (or followed by ": <title>"), in one sentence.
    sentence = rest if colon or rest[-1:] not in ".!" else rest[:-1]
    return not any(mark in sentence for mark in ".!?") and bool(HERE_RE.search(sentence))


def _ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSERS)[-1:] in SENTENCE_END if text.rstrip(CLOSERS) else False


def _looks_like_headline(text: str) -> bool:
    # Long lines are body text: capping first keeps every check below on a short line.
    if len(text) > HEADLINE_MAX_CHARS:
        return False
    if _interactive_title(text) is not None or _is_link_stub(text) or _ends_sentence(text):
        return False
    # A quotation, or a line ending in a bracketed aside ("[sic]", a translation), is body text.
    if text[:1] in QUOTATION_OPEN or text[-1:] in QUOTATION_CLOSE or text.endswith("]"):
        return False
    if KEY_POINTS_RE.fullmatch(text):
        return False
    words = len(text.split())
    if text.rstrip(CLOSERS).endswith("?"):
        return words <= QUESTION_HEADLINE_MAX_WORDS
    return words <= HEADLINE_MAX_WORDS


def _empty_document(fmt: str) -> dict:
    return {
        "format": fmt,
        "title": "",
        "standfirst": None,
        "date": None,
        "published": None,
        "updated": None,
        "key_points": [],
        "hero_image": None,
        "intro": [],
        "closed_notice": None,
        "source": None,
        "entries": [],
    }


def _read_a(document: dict, ahead: _Ahead, notes: Notes, lines: Lines) -> None:
    first_line = ahead.peek()[0]
    units = _Window(_units(ahead, notes.of(UNITS), images=True))
    title = units.get(0)
    if title is None or title.kind != "line":
        found = UNIT_NAMES[title.kind] if title else "only empty bullets"
        line = title.line if title else first_line
        raise ReaderError(f"expected the blog's title on the first line, found {found}", line)
    document["title"] = title.text
    lines["title"] = title.line
    index = 1
    # The standfirst is the one line after the title, unless that line already opens an entry.
    # Whatever its punctuation, it cannot open one when the hero image, the key points or the
    # closed notice (all come before the entries) follow it.
    if units.has(index) and units[index].kind == "line":
        following = units.get(index + 1)
        opens_entry = index in set(_entry_starts(units, index, [], first_run_only=True))
        heading = KEY_POINTS_HEADING_RE.fullmatch(units[index].text)
        if (
            not heading
            and not CLOSED_RE.search(units[index].text)
            and (
                not opens_entry
                or (following is not None and following.kind in ("image", "list"))
                or _closed_notice_index(units, index + 1) is not None
            )
        ):
            document["standfirst"] = units[index].text
            lines["standfirst"] = units[index].line
            index += 1
    if document["standfirst"] is None:
        notes.add(TOP, ReaderWarning(title.line, "no standfirst line after the title"))
    _read_body(document, units, index, notes, lines)
    if units.last.kind != "source":
        notes.add(
            TOP, ReaderWarning(units.last.line, "no Source: line at the end; imported without one")
        )


def _read_b(document: dict, ahead: _Ahead, notes: Notes, lines: Lines) -> None:
    header_line, header, group = ahead.take()
    date = B_DATE_RE.match(header)
    if date and date.end() == len(header) and ahead.in_group(0, group):
        # " date YYYY-MM-DD" alone: the title and dates broke onto the next line.
        following_line, following, _ = ahead.peek()
        if PUBLISHED_RE.search(following) or UPDATED_RE.search(following):
            joined = ReaderWarning(following_line, "header broken after the date; lines joined")
            notes.add(HEADER, joined)
            header = f"{header} {following}"
            ahead.take()
    _read_b_header(document, header, header_line, notes.of(HEADER))
    lines.update(dict.fromkeys(("title", "date", "published", "updated"), header_line))
    if ahead.peek() is None:
        raise ReaderError("the blog has a title but no entries", header_line)
    units = _Window(_units(ahead, notes.of(UNITS), images=False))
    _read_body(document, units, 0, notes, lines)


def _read_b_header(document: dict, header: str, line: int, notes: list) -> None:
    """Date, title and the two dates, which the page runs together with no separator."""
    date = B_DATE_RE.match(header)
    rest = header[date.end() :] if date else header
    if date is None:
        notes.append(
            ReaderWarning(line, "header without 'date YYYY-MM-DD'; imported without a date")
        )
    else:
        year, month, day = (int(part) for part in date["date"].split("-"))
        try:
            document["date"] = datetime.date(year, month, day).isoformat()
        except ValueError:
            notes.append(
                ReaderWarning(line, f"{date['date']} is not a valid date; imported without a date")
            )
    # The last "Published <date>" ends the title (a title may itself say "published").
    published = None
    for match in PUBLISHED_RE.finditer(rest):
        published = match
    after = published.end() if published else 0
    updated = next(UPDATED_RE.finditer(rest, after), None)
    title_end = published.start() if published else (updated.start() if updated else len(rest))
    title = rest[:title_end].strip()
    if not title:
        raise ReaderError("the header line has a date but no title after it", line)
    document["title"] = title
    if published:
        document["published"] = rest[after : updated.start() if updated else None].strip() or None
    if updated:
        document["updated"] = rest[updated.end() :].strip() or None
    if published is None:
        notes.append(
            ReaderWarning(line, "header without 'Published'; no publication date imported")
        )
    if updated is None:
        notes.append(ReaderWarning(line, "header without 'last updated'; no update date imported"))


def _body_score(text: str) -> int:
    """How much a headline-like line reads as body text instead (higher: more like a paragraph)."""
    words = text.lower().replace("“", " “ ").split()
    score = 0
    if words and words[0].strip("‘'\"“") in BODY_OPENERS:
        score += 1
    if any(word.strip(",;‘’'\"“”") in BODY_WORDS for word in words):
        score += 1
    if "“" in text or '"' in text or "[" in text:
        score += 1
    if text[:1] in "—–-(" or BODY_LINE_RE.match(text):
        score += 2
    if len(words) > QUESTION_HEADLINE_MAX_WORDS:
        score += 1
    label, colon, _ = text.partition(": ")
    if colon and len(label.split()) <= HEADLINE_LABEL_MAX_WORDS:
        score -= 1
    return score


def _entry_starts(
    units: _Window, start: int, notes, *, first_run_only: bool = False
) -> Iterator[int]:
    """Which units from `start` open an entry, in order: a headline-like line with body after it.

    Two or more headline-like lines in a row (a paragraph without a full stop next to a
    headline) are read in one pass: the headline is the line of the run that reads least like
    body text; the lines before it end the part above, the lines after it open its entry. On a
    tie, the last line when a sentence follows the run (entries open with a sentence, and a line
    without a full stop more often ends a part than opens one), else the first. A lone
    headline-like line at the very end is body. Each run is decided once, so the pass is
    linear. `first_run_only` stops after the run at `start` (whether the standfirst candidate
    opens an entry). A start is given once its run is decided: the units before the next run
    are not looked at again.
    """
    found = False
    index = start
    while units.has(index):
        if not units[index].headline_like:
            if first_run_only:
                break
            index += 1
            continue
        end = index
        while units.has(end + 1) and units[end + 1].headline_like:
            end += 1
        following = units.get(end + 1)
        # The headline needs body after it: at the very end, the last line of the run cannot be.
        last = end if following is not None and following.kind != "source" else end - 1
        if last < index:
            index = end + 1
            if first_run_only:
                break
            continue
        headline = index
        if end > index:
            sentence_follows = (
                last == end
                and following.kind == "line"
                and _line_block(following.text)["type"] == "paragraph"
            )
            long_run = end - index + 1 > LONG_RUN
            if long_run:
                scores = [0]
            else:
                scores = [_body_score(units[at].text) for at in range(index, last + 1)]
            best = min(scores)
            if sentence_follows:
                headline = (end if long_run else last) - scores[::-1].index(best)
            else:
                headline = index + scores.index(best)
        # Lines before the first headline are the intro; later ones end the entry above.
        before = "imported as intro" if not found else "imported as a paragraph of the entry above"
        found = True
        if end - index + 1 > LONG_RUN:
            notes.append(
                ReaderWarning(
                    units[index].line,
                    f"{end - index + 1} lines in a row (to line {units[end].line}) read as "
                    f"headlines; {quoted(units[headline].text)} (line {units[headline].line}) "
                    "imported as the headline, the others as paragraphs",
                )
            )
            index = end + 1
            yield headline
            if first_run_only:
                break
            continue
        for position in range(index, end + 1):
            if position < headline:
                message = f"has no full stop but comes before a headline; {before}"
            elif position > headline:
                message = "right after a headline reads as a headline too; imported as a paragraph"
            else:
                continue
            notes.append(
                ReaderWarning(units[position].line, f"{quoted(units[position].text)} {message}")
            )
        index = end + 1
        yield headline
        if first_run_only:
            break


def _closed_notice_index(units: _Window, index: int) -> int | None:
    """Where the closed notice is, if only intro comes before it: lines and lists, at most one of
    them headline-like (a standfirst or intro paragraph without a full stop)."""
    headline_like = 0
    position = index - 1
    while units.has(position := position + 1):
        unit = units[position]
        if unit.kind not in ("line", "list"):
            return None
        if unit.kind == "line" and CLOSED_RE.search(unit.text):
            return position
        headline_like += unit.headline_like
        if headline_like > 1:
            return None
    return None


def _key_points_heading(units: _Window, index: int, notes, *, guess: bool) -> bool:
    """Whether the line at `index` (the top of the page) heads the key points. With `guess`
    (format B, where a page opens with its key points), any short line over a list does."""
    unit = units[index]
    if unit.kind != "line":
        return False
    if KEY_POINTS_RE.fullmatch(unit.text):
        return True
    if not units.has(index + 1) or units[index + 1].kind != "list":
        return False
    if KEY_POINTS_HEADING_RE.fullmatch(unit.text):
        return True
    # A short line over a list at the top of the page, worded as no source words it.
    if guess and unit.headline_like and len(unit.text.split()) <= KEY_POINTS_HEADING_MAX_WORDS:
        notes.append(
            ReaderWarning(
                unit.line,
                f"{quoted(unit.text)} over a bullet list at the top read as the key-points heading",
            )
        )
        return True
    return False


def _read_body(document: dict, units: _Window, index: int, notes: Notes, lines: Lines) -> None:
    """From after the header: hero, key points, intro, closed notice, entries, source. Each
    entry is appended to document["entries"] once it ends."""
    top = notes.of(BODY_TOP)
    if units.has(index) and units[index].kind == "image":
        document["hero_image"] = units[index].block
        lines["hero_image"] = units[index].line
        index += 1
    # The key points come first: their heading would otherwise open an entry of its own.
    has_heading = units.has(index) and _key_points_heading(
        units, index, top, guess=document["format"] == "B"
    )
    if has_heading:
        index += 1
    if units.has(index) and units[index].kind == "list":
        lines["key_points"] = units[index].line
        document["key_points"].extend(units[index].block["items"])
        if not has_heading and document["format"] == "B":
            top.append(
                ReaderWarning(
                    units[index].line,
                    "bullet list without a 'What you need to know' heading read as key points",
                )
            )
        index += 1
    # An invitation to follow the coverage is intro, even without its colon.
    if (
        units.has(index)
        and units[index].kind == "line"
        and units[index].headline_like
        and INTRO_RE.match(units[index].text)
        and not CLOSED_RE.search(units[index].text)
        and units.has(index + 1)
        and units[index + 1].headline_like
    ):
        top.append(
            ReaderWarning(
                units[index].line,
                f"{quoted(units[index].text)} has no closing colon; imported as the intro",
            )
        )
        lines[f"intro[{len(document['intro'])}]"] = units[index].line
        document["intro"].append(units[index].text)
        index += 1
    # Entries come after the closed notice: lines before it are intro, however headline-like.
    closed = _closed_notice_index(units, index)
    start = index if closed is None else closed + 1
    starts = _entry_starts(units, start, notes.of(STARTS))
    first_entry = next(starts, None)
    body = notes.of(BODY)
    pending_images: list[Unit] = []
    while (first_entry is None or index < first_entry) and units.has(index):
        unit = units[index]
        if unit.kind == "list" and document["key_points"]:
            document["key_points"].extend(unit.block["items"])
            body.append(
                ReaderWarning(
                    unit.line,
                    "a second bullet list before the first entry; added to the key points",
                )
            )
        elif unit.kind == "list":
            lines.setdefault("key_points", unit.line)
            document["key_points"].extend(unit.block["items"])
            if document["intro"] or document["closed_notice"]:
                body.append(
                    ReaderWarning(unit.line, "bullet list after the intro read as key points")
                )
        elif unit.kind == "image" and document["hero_image"] is None:
            document["hero_image"] = unit.block
            lines["hero_image"] = unit.line
            body.append(
                ReaderWarning(unit.line, "image after text at the top read as the hero image")
            )
        elif unit.kind == "image":
            pending_images.append(unit)
        elif unit.kind == "source":
            document["source"] = unit.text
            lines["source"] = unit.line
        elif unit.kind == "line" and KEY_POINTS_RE.fullmatch(unit.text):
            pass  # a heading whose list is already in
        elif document["closed_notice"] is None and CLOSED_RE.search(unit.text):
            document["closed_notice"] = unit.text
            lines["closed_notice"] = unit.line
        else:
            lines[f"intro[{len(document['intro'])}]"] = unit.line
            document["intro"].append(unit.text)
        index += 1
    if first_entry is None:
        line = units.last.line if units.last else 1
        raise ReaderError("the blog has a title but no entries (no headline found)", line)

    entries = document["entries"]
    entry = None
    next_start = first_entry
    while units.has(index):
        unit = units[index]
        if index == next_start:
            if entry is not None:
                entries.append(entry)
            entry = {"headline": unit.text, "blocks": []}
            lines.add_entry(unit.line)
            next_start = next(starts, None)
            if pending_images:
                # Only the hero comes before the entries: a later picture has lost its place,
                # most likely in the first entry (whose headline may end in a full stop).
                for image in pending_images:
                    body.append(
                        ReaderWarning(
                            image.line,
                            "a second image before the first entry; moved to the start of "
                            "the first entry",
                        )
                    )
                for image in pending_images:
                    lines.add_block(image.line)
                    entry["blocks"].append(image.block)
                pending_images = []
        elif unit.kind == "source":
            document["source"] = unit.text
            lines["source"] = unit.line
        else:
            lines.add_block(unit.line)
            entry["blocks"].append(_line_block(unit.text) if unit.kind == "line" else unit.block)
        index += 1
        units.release(index)
    entries.append(entry)
