"""Read scraped live-blog text (formats A and B of SEED_FORMAT.md) into the import document.

Pure Python, no Django: `read_bytes()` / `read_text()` return the document as a dict, or raise
ReaderError carrying the line the problem was found on.
"""

import datetime
import re
from dataclasses import dataclass, field

MAX_BYTES = 50 * 1024 * 1024

# A line ending in closing sentence punctuation (optionally followed by closing quotes/brackets)
# is a paragraph, never a headline.
SENTENCE_END_RE = re.compile(r"[.!:;,…]['\"”’»)\]]*$")
QUESTION_END_RE = re.compile(r"\?['\"”’»)\]]*$")
# Both sources quote with single marks in headlines (‘…’ in A, '…' in B) and with double marks in
# the body, so a line that opens or closes with a double quote is a quotation: a paragraph.
QUOTATION_RE = re.compile(r"^[“\"]|[”\"]$")
CREDIT_RE = re.compile(r"^(?P<caption>.*?)\s*\[(?P<credit>[^\[\]]+)\]$")
FILE_CREDIT_RE = re.compile(r"^File(?: photo)?:\s*(?P<credit>.+)$", re.I)
BULLET_RE = re.compile(r"^(?:•|- )\s*(?P<item>.*)$")
INTERACTIVE_RE = re.compile(r"^INTERACTIVE\s*[-–—:]\s*(?P<title>.+)$")
# What is left of a link whose address was lost: a call to action pointing "here" ("Read more
# here.", "Click here to watch the video.", "Read more here: <title>") or "Read more: <title>".
LINK_STUB_RE = re.compile(
    r"^(?:you can |for more,? )?"
    r"(?:read|watch|listen|click|tap|see|find out|follow|explore|check|view|learn)\b"
    r"(?:[^.!?:]*\bhere\b[^.!?:]*(?:[.!]|:.*)?|\s+more\s*:.*)$",
    re.I,
)
LINK_STUB_MAX_WORDS = 12  # counted before any ": <title>"
SOURCE_RE = re.compile(r"^Sources?:\s*(?P<source>.+)$")
# The notice opens a sentence ("This live blog is now closed, ...", "We have now closed this live
# blog."); anchoring it keeps news about other things closing from counting.
CLOSED_RE = re.compile(
    r"(?:^|[.!]\s+)(?:"
    r"(?:this|the|our)\s+(?:live ?blog|blog|live page|live coverage|coverage)\s+(?:is|has)\s+"
    r"(?:now\s+)?(?:been\s+)?(?:closed|ended|finished|concluded)"
    r"|we(?:’ve|'ve|’re|'re|\s+have|\s+are)?\s+(?:now\s+)?"
    r"(?:closed|closing|ended|ending|concluded|concluding)\s+(?:this|our)\s+"
    r"(?:live ?blog|blog|live page|live coverage|coverage)"
    r")\b",
    re.I,
)
KEY_POINTS_RE = re.compile(r"^(?:here(?:'s|’s| is| are) )?what you need to know:?$", re.I)
# The dates are kept as the text gives them; anything after "Published" up to "last updated".
B_HEADER_RE = re.compile(
    r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\s*(?P<title>.*?)"
    r"(?:Published\s*(?P<published>.*?))?\s*"
    r"(?:last updated\s*(?P<updated>.*?))?\s*$"
)
B_DETECT_RE = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\b")
# Invisible characters scraped pages carry; a line holding only these is blank.
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))

HEADLINE_MAX_WORDS = 25
HEADLINE_MAX_CHARS = 200
QUESTION_HEADLINE_MAX_WORDS = 15


class ReaderError(ValueError):
    """The text is not a live blog in either format; `line` is 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


UNIT_NAMES = {"image": "an image", "list": "a bullet list", "source": "the Source: line"}


@dataclass
class Unit:
    """One piece of the text: a line, an image pair, a bullet list, or the attribution."""

    kind: str  # "line" | "image" | "list" | "source"
    line: int
    text: str = ""
    block: dict = field(default_factory=dict)


def clean(text: str) -> str:
    """No-break spaces count as spaces; runs of white space fold to one; zero-width marks go."""
    return " ".join(text.translate(ZERO_WIDTH).split())


def read_bytes(data: bytes) -> dict:
    if not data.strip():
        raise ReaderError("the file is empty", 1)
    if len(data) > MAX_BYTES:
        raise ReaderError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", 0)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ReaderError("binary data (NUL byte): not a text file", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReaderError(f"not UTF-8 text (byte 0x{data[error.start]:02x})", line) from None
    return read_text(text)


def detect_format(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "B" if B_DETECT_RE.match(first) else "A"


def read_text(text: str) -> dict:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    groups = _groups(text)
    if not groups:
        raise ReaderError("the file is empty", 1)
    if detect_format(text) == "B":
        return _read_b(groups)
    return _read_a(groups)


def _groups(text: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines as (line number, cleaned text); leading bullets keep their mark."""
    groups, current = [], []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = clean(raw)
        if line:
            current.append((number, line))
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _units(groups: list[list[tuple[int, str]]], *, last_line: int, images: bool) -> list[Unit]:
    """Cut the groups into units. `images` is False for format B, which has no image pairs:
    there a line ending in brackets ("[sic]", "[translated]") is just a paragraph."""
    units: list[Unit] = []
    for group in groups:
        index = 0
        while index < len(group):
            number, line = group[index]
            following = group[index + 1][1] if index + 1 < len(group) else None
            if number == last_line and (match := SOURCE_RE.match(line)):
                units.append(Unit("source", number, text=match["source"].strip()))
                index += 1
            elif BULLET_RE.match(line):
                items = []
                while index < len(group) and (match := BULLET_RE.match(group[index][1])):
                    if match["item"]:  # a bare bullet mark is no item
                        items.append(match["item"])
                    index += 1
                # Bullets split by blank lines are still one list.
                if units and units[-1].kind == "list":
                    units[-1].block["items"].extend(items)
                elif items:
                    units.append(Unit("list", number, block={"type": "list", "items": items}))
            elif images and following and _is_caption(following) and not _is_caption(line):
                units.append(Unit("image", number, block=_image(line, following)))
                index += 2
            elif (
                images
                and _is_caption(line)
                and _reads_as_credit(line)
                and not INTERACTIVE_RE.match(line)
            ):
                # An image is two lines with no blank between, so a lone caption has lost its
                # alt text. A lone line ending in an aside ("[sic]", "[in Russian]") is a
                # paragraph: credits are names and start with a capital.
                raise ReaderError(
                    "an image caption with a [credit] but no alt-text line directly above it "
                    "(truncated image pair)",
                    number,
                )
            else:
                units.append(Unit("line", number, text=line))
                index += 1
    return units


def _is_caption(line: str) -> bool:
    if not line.endswith("]"):
        return False
    match = CREDIT_RE.match(line)
    return bool(match) and not BULLET_RE.match(line)


def _reads_as_credit(caption_line: str) -> bool:
    credit = CREDIT_RE.match(caption_line)["credit"].strip()
    return credit[:1].isupper() or credit[:1].isdigit()


def _image(alt: str, caption_line: str) -> dict:
    match = CREDIT_RE.match(caption_line)
    credit = match["credit"].strip()
    file_match = FILE_CREDIT_RE.match(credit)
    return {
        "type": "image",
        "alt": alt,
        "caption": match["caption"].strip(),
        "credit": file_match["credit"].strip() if file_match else credit,
        "file_photo": bool(file_match),
    }


def _line_block(text: str) -> dict:
    if match := INTERACTIVE_RE.match(text):
        return {"type": "interactive", "title": match["title"].strip()}
    if _is_link_stub(text):
        return {"type": "link", "text": text}
    return {"type": "paragraph", "text": text}


def _is_link_stub(text: str) -> bool:
    # The pattern first: it fails on the first word of almost every line, counting words does not.
    if not LINK_STUB_RE.match(text):
        return False
    return len(text.split(":")[0].split()) <= LINK_STUB_MAX_WORDS


def _looks_like_headline(text: str) -> bool:
    if INTERACTIVE_RE.match(text) or _is_link_stub(text) or SENTENCE_END_RE.search(text):
        return False
    # A quotation, or a line ending in a bracketed aside ("[sic]", a translation), is body text.
    if QUOTATION_RE.search(text) or text.endswith("]"):
        return False
    if KEY_POINTS_RE.match(text):
        return False
    words = len(text.split())
    if QUESTION_END_RE.search(text):
        return words <= QUESTION_HEADLINE_MAX_WORDS
    return words <= HEADLINE_MAX_WORDS and len(text) <= HEADLINE_MAX_CHARS


def _is_headline(units: list[Unit], index: int) -> bool:
    """A headline looks like one and opens an entry: a body unit must follow it."""
    unit = units[index]
    if unit.kind != "line" or not _looks_like_headline(unit.text):
        return False
    following = units[index + 1] if index + 1 < len(units) else None
    if following is None or following.kind == "source":
        return False
    return True


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


def _read_a(groups) -> dict:
    document = _empty_document("A")
    last_line = groups[-1][-1][0]
    units = _units(groups, last_line=last_line, images=True)
    if not units or units[0].kind != "line":
        found = UNIT_NAMES[units[0].kind] if units else "only empty bullets"
        line = units[0].line if units else groups[0][0][0]
        raise ReaderError(f"expected the blog's title on the first line, found {found}", line)
    document["title"] = units[0].text
    index = 1
    # The standfirst is the one line after the title, unless that line already opens an entry.
    # Whatever its punctuation, it cannot open one when the hero image or the closed notice
    # (both come before the entries) follows it.
    followed_by_hero = len(units) > index + 1 and units[index + 1].kind == "image"
    if (
        index < len(units)
        and units[index].kind == "line"
        and not CLOSED_RE.search(units[index].text)
        and (
            followed_by_hero
            or _closed_notice_index(units, index + 1) is not None
            or not _is_headline(units, index)
        )
    ):
        document["standfirst"] = units[index].text
        index += 1
    return _read_body(document, units, index)


def _read_b(groups) -> dict:
    document = _empty_document("B")
    header_line, header = groups[0][0]
    match = B_HEADER_RE.match(header)
    if match and not match["title"].strip():
        raise ReaderError("the header line has a date but no title after it", header_line)
    if not match:
        raise ReaderError(
            "expected ' date YYYY-MM-DD <title>Published <Month D, YYYY>"
            "last updated <Month D, YYYY>'",
            header_line,
        )
    try:
        datetime.date.fromisoformat(match["date"])
    except ValueError:
        raise ReaderError(f"{match['date']} is not a valid date", header_line) from None
    document["title"] = match["title"].strip()
    document["date"] = match["date"]
    document["published"] = match["published"] or None
    document["updated"] = match["updated"] or None
    rest = [groups[0][1:], *groups[1:]]
    rest = [group for group in rest if group]
    if not rest:
        raise ReaderError("the blog has a title but no entries", header_line)
    units = _units(rest, last_line=rest[-1][-1][0], images=False)
    return _read_body(document, units, 0)


def _closed_notice_index(units: list[Unit], index: int) -> int | None:
    """Where the closed notice is, if only intro comes before it: lines and lists, at most one of
    them headline-like (a standfirst or intro paragraph without a full stop)."""
    headline_like = 0
    for position in range(index, len(units)):
        unit = units[position]
        if unit.kind not in ("line", "list"):
            return None
        if unit.kind == "line" and CLOSED_RE.search(unit.text):
            return position
        headline_like += _is_headline(units, position)
        if headline_like > 1:
            return None
    return None


def _read_body(document: dict, units: list[Unit], index: int) -> dict:
    """From after the header: hero, key points, intro, closed notice, entries, source."""
    if index < len(units) and units[index].kind == "image":
        document["hero_image"] = units[index].block
        index += 1
    headlines = [_is_headline(units, i) for i in range(len(units))]
    # Entries come after the closed notice: lines before it are intro, however headline-like.
    closed = _closed_notice_index(units, index)
    start = index if closed is None else closed + 1
    first_entry = next((i for i in range(start, len(units)) if headlines[i]), len(units))
    in_key_points = False
    while index < first_entry:
        unit = units[index]
        if unit.kind == "line" and KEY_POINTS_RE.match(unit.text):
            in_key_points = True
        elif unit.kind == "list" and in_key_points:
            document["key_points"].extend(unit.block["items"])
        elif unit.kind == "list":
            document["intro"].extend(unit.block["items"])
        elif unit.kind == "image" and document["hero_image"] is None:
            document["hero_image"] = unit.block
        elif unit.kind == "image":
            raise ReaderError(
                "a second image before the first entry (only the hero image comes before the "
                "entries: is the headline above this image missing or ending in a full stop?)",
                unit.line,
            )
        elif unit.kind == "source":
            document["source"] = unit.text
        elif document["closed_notice"] is None and CLOSED_RE.search(unit.text):
            document["closed_notice"] = unit.text
            in_key_points = False
        else:
            document["intro"].append(unit.text)
            in_key_points = False
        index += 1
    if first_entry >= len(units):
        line = units[-1].line if units else 1
        raise ReaderError("the blog has a title but no entries (no headline found)", line)

    entry = None
    while index < len(units):
        unit = units[index]
        opens_entry = headlines[index] and (entry is None or entry["blocks"])
        if opens_entry:
            entry = {"headline": unit.text, "blocks": []}
            document["entries"].append(entry)
        elif unit.kind == "source":
            document["source"] = unit.text
        elif unit.kind == "line":
            entry["blocks"].append(_line_block(unit.text))
        else:
            entry["blocks"].append(unit.block)
        index += 1
    return document
