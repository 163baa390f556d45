"""The entry body markup: plain text editors can type, that converts exactly to and from blocks.

Blocks are separated by a blank line:

    A paragraph is plain text.

    - a bullet list
    - has one item per line

    [Read more here.](https://example.com/)      a link; [Read more here.]() while address is lost

    [interactive: NATO members in Europe]        an interactive graphic

A paragraph that would otherwise read as one of the others starts with a backslash. Images are not
in the text: they are Captions placed after a number of these blocks.
"""

import re

HELP_TEXT = (
    "Blocks separated by a blank line. A paragraph is plain text; a list is lines starting with "
    "“- ”; a link on its own is [text](address), with empty () while the address is unknown; "
    "an interactive graphic is [interactive: title]. Images are added as captions below."
)

LINK_RE = re.compile(r"^\[(?P<text>.*)\]\((?P<url>[^\s()]*)\)$", re.S)
INTERACTIVE_RE = re.compile(r"^\[interactive:\s*(?P<title>.*)\]$", re.S)
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
# Browsers drop ASCII controls and spaces from a URL before reading its scheme ("java\tscript:" is
# "javascript:"), and read a backslash as "/" in web URLs (the path /\host is //host, elsewhere).
UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
WEB_SCHEMES = ("http", "https")


def safe_url(url: str) -> str:
    """The URL if readers may follow it, else "": the one URL policy of every renderer.

    Allowed: http(s) with a host, mailto:, and paths on this site ("/..."). Everything else
    (javascript:, data:, vbscript:, protocol-relative "//host", relative paths) is dropped, and the
    link shows as one without an address. entry_preview.js applies the same rule while editors
    type; tests/test_security_browser.py checks the two agree.
    """
    if not url or UNSAFE_URL_CHARS.search(url):
        return ""
    if url.startswith("/"):
        return "" if url.startswith("//") else url
    scheme, colon, rest = url.partition(":")
    if not colon:
        return ""
    scheme = scheme.lower()
    if scheme in WEB_SCHEMES:
        return url if rest.startswith("//") and len(rest) > 2 and rest[2] != "/" else ""
    if scheme == "mailto":
        return url if rest else ""
    return ""


def with_safe_urls(blocks: list[dict]) -> list[dict]:
    """The blocks with every link address the URL policy refuses removed, as if it were lost."""
    shown = []
    for block in blocks:
        if block.get("type") == "link" and "url" in block and not safe_url(block["url"]):
            block = {key: value for key, value in block.items() if key != "url"}
        shown.append(block)
    return shown


def normalise(text: str) -> str:
    """Body text as stored: Unix newlines (browsers submit CRLF), no surrounding blank lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of text separated by blank lines, each folded onto one line."""
    chunks = BLANK_LINE_RE.split(normalise(text))
    return [" ".join(chunk.split()) for chunk in chunks if chunk.strip()]


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def parse(body: str) -> list[dict]:
    """Body text -> blocks (paragraph, list, link, interactive), in order."""
    blocks = []
    for chunk in BLANK_LINE_RE.split(normalise(body)):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") or line == "-" for line in lines):
            blocks.append({"type": "list", "items": [line[2:].strip() for line in lines]})
            continue
        text = " ".join(lines)
        if text.startswith("\\"):
            blocks.append({"type": "paragraph", "text": text[1:]})
        elif match := LINK_RE.match(text):
            block = {"type": "link", "text": match["text"]}
            if match["url"]:
                block["url"] = match["url"]
            blocks.append(block)
        elif match := INTERACTIVE_RE.match(text):
            blocks.append({"type": "interactive", "title": match["title"].strip()})
        else:
            blocks.append({"type": "paragraph", "text": text})
    return blocks


def _paragraph(text: str) -> str:
    """The paragraph as body text, escaped where it would read as another block."""
    ambiguous = (
        text.startswith(("\\", "- "))
        or text == "-"
        or (text.startswith("[") and (LINK_RE.match(text) or INTERACTIVE_RE.match(text)))
    )
    return "\\" + text if ambiguous else text


def serialize(blocks: list[dict]) -> str:
    """Blocks -> body text. Image blocks are skipped: they live in Captions."""
    chunks = []
    for block in blocks:
        kind = block["type"]
        if kind == "paragraph":
            chunks.append(_paragraph(block["text"]))
        elif kind == "list":
            chunks.append("\n".join(f"- {item}" for item in block["items"]))
        elif kind == "link":
            chunks.append(f"[{block['text']}]({block.get('url') or ''})")
        elif kind == "interactive":
            chunks.append(f"[interactive: {block['title']}]")
        elif kind != "image":
            raise ValueError(f"unknown block type {kind!r}")
    return "\n\n".join(chunks)


def split_images(blocks: list[dict]) -> tuple[list[dict], list[tuple[int, dict]]]:
    """Blocks -> (text blocks, [(position, image block)]), position = text blocks before it."""
    text_blocks, images = [], []
    for block in blocks:
        if block["type"] == "image":
            images.append((len(text_blocks), block))
        else:
            text_blocks.append(block)
    return text_blocks, images


def place_images(text_blocks: list[dict], images: list[tuple[int, object]]) -> list:
    """Inverse of split_images: put each image after `position` text blocks, in list order."""
    by_position: dict[int, list] = {}
    for position, image in images:
        by_position.setdefault(min(position, len(text_blocks)), []).append(image)
    result = []
    for index, block in enumerate(text_blocks):
        result.extend(by_position.get(index, []))
        result.append(block)
    result.extend(by_position.get(len(text_blocks), []))
    return result
