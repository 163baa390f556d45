"""Read scraped live-blog text (formats A and B of SEED_FORMAT.md) into the import document.

Pure Python, no Django: `read_bytes()` / `read_text()` return the document as a dict, or raise
ReaderError when the text is not a live blog at all (empty, binary, not UTF-8, no title, no
entry). Everything else imports: each assumption the reader makes about a page that strays from
the seeds is reported as a ReaderWarning on the caller's `warnings` list.

Hostile input: the reader is linear in the size of the text. Every pattern is anchored and either
free of nested or adjacent unbounded quantifiers or only run on a line whose length is capped
first, and each unit of the text is looked at a bounded number of times.
scripts/bench_reader.py times it on adversarial input; tests/test_reader_fuzz.py keeps it so.
"""

import datetime
import re
from dataclasses import dataclass, field

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


@dataclass
class Unit:
    """One piece of the text: a line, an image pair, a bullet list, or the attribution."""

    kind: str  # "line" | "image" | "list" | "source"
    line: int
    text: str = ""
    block: dict = field(default_factory=dict)
    headline_like: bool = False  # worked out once per line, when the unit is made


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


def read_bytes(data: bytes, *, warnings: list | None = None, lines: dict | None = None) -> dict:
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
    return read_text(text, warnings=warnings, lines=lines)


def detect_format(text: str) -> str:
    groups = _groups(text.replace("\r\n", "\n").replace("\r", "\n"))
    return _detect(groups) if groups else "A"


def _detect(groups: list[list[tuple[int, str]]]) -> str:
    first = groups[0][0][1]
    if B_DETECT_RE.match(first):
        return "B"
    # A B page that lost its " date YYYY-MM-DD" still has its dates after the title, and no blank
    # line under its header; an A page leaves a blank line after the title.
    if len(groups[0]) > 1 and PUBLISHED_RE.search(first):
        return "B"
    return "A"


def read_text(text: str, *, warnings: list | None = None, lines: dict | None = None) -> dict:
    """The document of `text`. With `lines`, it is filled with the line each part of the
    document came from, by its path ("title", "entries[3]", "entries[3].blocks[1]"), so that a
    value the database refuses later can be reported at its line."""
    lines = {} if lines is None else lines
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    groups = _groups(text)
    if not groups:
        raise ReaderError("the file is empty", 1)
    notes: list[ReaderWarning] = []
    if _detect(groups) == "B":
        document = _read_b(groups, notes, lines)
    else:
        document = _read_a(groups, notes, lines)
    if warnings is not None:
        notes.sort(key=lambda note: note.line)
        if len(notes) > MAX_WARNINGS:
            rest = len(notes) - MAX_WARNINGS + 1
            cut = notes[MAX_WARNINGS - 1].line
            notes[MAX_WARNINGS - 1 :] = [
                ReaderWarning(cut, f"{rest} more warnings like the ones above not listed")
            ]
        warnings.extend(notes)
    return document


LINE_RE = re.compile(r"^[^\n]*$", re.MULTILINE)


def _groups(text: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines as (line number, cleaned text); leading bullets keep their mark."""
    groups, current = [], []
    # Line by line without a list of every raw line: a long blog's text is read once.
    for number, match in enumerate(LINE_RE.finditer(text), start=1):
        line = clean(match.group())
        if line:
            current.append((number, line))
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _bullet_item(line: str) -> str | None:
    """The item of a bullet line ("" for a bare mark), or None when the line is no bullet."""
    match = BULLET_RE.match(line)
    if match:
        return line[match.end() :]
    if line == "-" or line == "•":
        return ""
    return None


def _units(
    groups: list[list[tuple[int, str]]], notes: list, *, last_line: int, images: bool
) -> list[Unit]:
    """Cut the groups into units. `images` is False for format B, which has no image pairs:
    there a line ending in brackets ("[sic]", "[translated]") is just a paragraph."""
    units: list[Unit] = []
    for group in groups:
        index = 0
        while index < len(group):
            number, line = group[index]
            following = group[index + 1][1] if index + 1 < len(group) else None
            if number == last_line and (match := SOURCE_RE.match(line)) and line[match.end() :]:
                units.append(Unit("source", number, text=line[match.end() :].strip()))
                index += 1
            elif (item := _bullet_item(line)) is not None:
                items = []
                while index < len(group) and (item := _bullet_item(group[index][1])) is not None:
                    if item:  # a bare bullet mark is no item
                        items.append(item)
                    index += 1
                # Bullets split by blank lines are still one list.
                if units and units[-1].kind == "list":
                    units[-1].block["items"].extend(items)
                elif items:
                    units.append(Unit("list", number, block={"type": "list", "items": items}))
            elif (
                images
                and following
                and (split := _credit_split(following))
                and _reads_as_credit(split[1])
                and not _credit_split(line)
                and not INTERACTIVE_RE.match(following)
            ):
                units.append(Unit("image", number, block=_image(line, following)))
                index += 2
            elif images and (split := _credit_split(line)) and not INTERACTIVE_RE.match(line):
                # An image is two lines with no blank between; a lone caption has lost its alt
                # text, which editors must write. A bracket that names no agency or photographer
                # ("[sic]", "[Urdu]") ends a paragraph instead.
                credit = split[1]
                if _reads_as_credit(credit):
                    notes.append(
                        ReaderWarning(number, "caption without alt text; imported with empty alt")
                    )
                    units.append(Unit("image", number, block=_image("", line)))
                else:
                    if credit[:1].isupper():
                        notes.append(
                            ReaderWarning(
                                number,
                                f"line ends in [{credit}], which reads as an aside, not a photo "
                                "credit; imported as a paragraph",
                            )
                        )
                    units.append(_line(number, line))
                index += 1
            else:
                units.append(_line(number, line))
                index += 1
    return units


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


def _read_a(groups, notes: list, lines: dict) -> dict:
    document = _empty_document("A")
    last_line = groups[-1][-1][0]
    units = _units(groups, notes, last_line=last_line, images=True)
    if not units or units[0].kind != "line":
        found = UNIT_NAMES[units[0].kind] if units else "only empty bullets"
        line = units[0].line if units else groups[0][0][0]
        raise ReaderError(f"expected the blog's title on the first line, found {found}", line)
    document["title"] = units[0].text
    lines["title"] = units[0].line
    index = 1
    # The standfirst is the one line after the title, unless that line already opens an entry.
    # Whatever its punctuation, it cannot open one when the hero image, the key points or the
    # closed notice (all come before the entries) follow it.
    if index < len(units) and units[index].kind == "line":
        following = units[index + 1] if index + 1 < len(units) else None
        opens_entry = index in _entry_starts(units, index, [], first_run_only=True)
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
        notes.append(ReaderWarning(units[0].line, "no standfirst line after the title"))
    if units[-1].kind != "source":
        notes.append(
            ReaderWarning(units[-1].line, "no Source: line at the end; imported without one")
        )
    return _read_body(document, units, index, notes, lines)


def _read_b(groups, notes: list, lines: dict) -> dict:
    document = _empty_document("B")
    header_line, header = groups[0][0]
    taken = 1
    date = B_DATE_RE.match(header)
    if date and date.end() == len(header) and len(groups[0]) > 1:
        # " date YYYY-MM-DD" alone: the title and dates broke onto the next line.
        following = groups[0][1][1]
        if PUBLISHED_RE.search(following) or UPDATED_RE.search(following):
            notes.append(
                ReaderWarning(groups[0][1][0], "header broken after the date; lines joined")
            )
            header, taken = f"{header} {following}", 2
    _read_b_header(document, header, header_line, notes)
    lines.update(dict.fromkeys(("title", "date", "published", "updated"), header_line))
    rest = [groups[0][taken:], *groups[1:]]
    rest = [group for group in rest if group]
    if not rest:
        raise ReaderError("the blog has a title but no entries", header_line)
    units = _units(rest, notes, last_line=rest[-1][-1][0], images=False)
    return _read_body(document, units, 0, notes, lines)


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
    units: list[Unit], start: int, notes: list, *, first_run_only: bool = False
) -> set[int]:
    """Which units from `start` open an entry: a headline-like line with body after it.

    Two or more headline-like lines in a row (a paragraph without a full stop next to a
    headline) are read in one pass: the headline is the line of the run that reads least like
    body text; the lines before it end the part above, the lines after it open its entry. On a
    tie, the last line when a sentence follows the run (entries open with a sentence, and a line
    without a full stop more often ends a part than opens one), else the first. A lone
    headline-like line at the very end is body. Each run is decided once, so the pass is
    linear. `first_run_only` stops after the run at `start` (whether the standfirst candidate
    opens an entry).
    """
    starts: set[int] = set()
    index = start
    total = len(units)
    while index < total:
        if not units[index].headline_like:
            if first_run_only:
                break
            index += 1
            continue
        end = index
        while end + 1 < total and units[end + 1].headline_like:
            end += 1
        following = units[end + 1] if end + 1 < total else None
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
        before = "imported as intro" if not starts else "imported as a paragraph of the entry above"
        starts.add(headline)
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
        if first_run_only:
            break
        index = end + 1
    return starts


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
        headline_like += unit.headline_like
        if headline_like > 1:
            return None
    return None


def _key_points_heading(units: list[Unit], index: int, notes: list, *, guess: bool) -> bool:
    """Whether the line at `index` (the top of the page) heads the key points. With `guess`
    (format B, where a page opens with its key points), any short line over a list does."""
    unit = units[index]
    if unit.kind != "line":
        return False
    if KEY_POINTS_RE.fullmatch(unit.text):
        return True
    if index + 1 >= len(units) or units[index + 1].kind != "list":
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


def _read_body(document: dict, units: list[Unit], index: int, notes: list, lines: dict) -> dict:
    """From after the header: hero, key points, intro, closed notice, entries, source."""
    if index < len(units) and units[index].kind == "image":
        document["hero_image"] = units[index].block
        lines["hero_image"] = units[index].line
        index += 1
    # The key points come first: their heading would otherwise open an entry of its own.
    has_heading = index < len(units) and _key_points_heading(
        units, index, notes, guess=document["format"] == "B"
    )
    if has_heading:
        index += 1
    if index < len(units) and units[index].kind == "list":
        lines["key_points"] = units[index].line
        document["key_points"].extend(units[index].block["items"])
        if not has_heading and document["format"] == "B":
            notes.append(
                ReaderWarning(
                    units[index].line,
                    "bullet list without a 'What you need to know' heading read as key points",
                )
            )
        index += 1
    # An invitation to follow the coverage is intro, even without its colon.
    if (
        index < len(units)
        and units[index].kind == "line"
        and units[index].headline_like
        and INTRO_RE.match(units[index].text)
        and not CLOSED_RE.search(units[index].text)
        and index + 1 < len(units)
        and units[index + 1].headline_like
    ):
        notes.append(
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
    starts = _entry_starts(units, start, notes)
    first_entry = min(starts, default=len(units))
    pending_images: list[Unit] = []
    while index < first_entry:
        unit = units[index]
        if unit.kind == "list" and document["key_points"]:
            document["key_points"].extend(unit.block["items"])
            notes.append(
                ReaderWarning(
                    unit.line,
                    "a second bullet list before the first entry; added to the key points",
                )
            )
        elif unit.kind == "list":
            lines.setdefault("key_points", unit.line)
            document["key_points"].extend(unit.block["items"])
            if document["intro"] or document["closed_notice"]:
                notes.append(
                    ReaderWarning(unit.line, "bullet list after the intro read as key points")
                )
        elif unit.kind == "image" and document["hero_image"] is None:
            document["hero_image"] = unit.block
            lines["hero_image"] = unit.line
            notes.append(
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
    if first_entry >= len(units):
        line = units[-1].line if units else 1
        raise ReaderError("the blog has a title but no entries (no headline found)", line)

    entry = None
    while index < len(units):
        unit = units[index]
        if index in starts:
            entry = {"headline": unit.text, "blocks": []}
            where = f"entries[{len(document['entries'])}]"
            lines[where] = unit.line
            document["entries"].append(entry)
            if pending_images:
                # Only the hero comes before the entries: a later picture has lost its place,
                # most likely in the first entry (whose headline may end in a full stop).
                for image in pending_images:
                    notes.append(
                        ReaderWarning(
                            image.line,
                            "a second image before the first entry; moved to the start of "
                            "the first entry",
                        )
                    )
                for image in pending_images:
                    lines[f"{where}.blocks[{len(entry['blocks'])}]"] = image.line
                    entry["blocks"].append(image.block)
                pending_images = []
        elif unit.kind == "source":
            document["source"] = unit.text
            lines["source"] = unit.line
        else:
            lines[f"{where}.blocks[{len(entry['blocks'])}]"] = unit.line
            entry["blocks"].append(_line_block(unit.text) if unit.kind == "line" else unit.block)
        index += 1
    return document
