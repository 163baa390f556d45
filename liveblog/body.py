"""The entry body markup: plain text editors can type, that converts exactly to and from blocks.

Blocks are separated by a blank line:

    A paragraph is plain text.

    - a bullet list
    - has one item per line

    [Read more here.](https://example.com/)      a link; [Read more here.]() while address is lost

    [interactive: NATO members in Europe]        an interactive graphic

    > A quoted sentence, on one or more lines     a block quote; a last line "> — Name"
    > — Name                                      is its attribution

    https://www.youtube.com/watch?v=abc          a URL alone from a known provider: an embed

Inside paragraphs, list items and quotes: [text](address) links, *emphasis*, **strong**, and bare
http(s) addresses as links; a backslash before * [ ] ( ) keeps it literal. A paragraph that would
otherwise read as one of the other blocks starts with a backslash. Images are not in the text:
they are Captions placed after a number of these blocks. docs/desk.md describes the grammar.
"""

import re
from urllib.parse import quote

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

# The model field's help text (part of its migration state: changing it needs a migration).
HELP_TEXT = (
    "Blocks separated by a blank line. A paragraph is plain text; a list is lines starting with "
    "“- ”; a link on its own is [text](address), with empty () while the address is unknown; "
    "an interactive graphic is [interactive: title]. Images are added as captions below."
)
# The whole grammar, for API clients (the schema's `body`). HELP_TEXT above stays as the
# model's migrations recorded it.
API_HELP_TEXT = (
    "Blocks separated by a blank line. A paragraph is plain text; a list is lines starting with "
    "“- ”; a link on its own is [text](address), with empty () while the address is unknown; "
    "an interactive graphic is [interactive: title]; a quote is lines starting with “> ”, the "
    "last “> — Name” naming who said it; a YouTube, Vimeo, X, Instagram, TikTok, Facebook, "
    "Bluesky or Mastodon address alone on a line is an embed. Inside text: [text](address), "
    "*emphasis*, **strong**. Images are added as captions."
)
# What forms show editors: the whole grammar.
EDITOR_HELP_TEXT = _(
    "Blocks separated by a blank line. A paragraph is plain text; a list is lines starting with "
    "“- ”; a link on its own is [text](address), with empty () while the address is unknown; "
    "an interactive graphic is [interactive: title]; a quote is lines starting with “> ”, the "
    "last “> — Name” naming who said it; a YouTube, Vimeo, X, Instagram, TikTok, Facebook, "
    "Bluesky or Mastodon address alone on a line is an embed. Inside text: [text](address), "
    "*emphasis*, **strong**. Images are added as captions below."
)

LINK_RE = re.compile(r"^\[(?P<text>.*)\]\((?P<url>[^\s()]*)\)$", re.S)
INTERACTIVE_RE = re.compile(r"^\[interactive:\s*(?P<title>.*)\]$", re.S)
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
# A quote's last line naming who said it: "> — Name" (an em or en dash, a horizontal bar, "--").
ATTRIBUTION_RE = re.compile(r"^(?:—|–|―|--)\s+(?P<name>\S.*)$")
LONE_URL_RE = re.compile(r"^https?://\S+$", re.I)

# Embeds: a URL alone on a line from one of these providers. Each pattern names the parts the
# provider's own player needs (liveblog/static/liveblog/embeds.js builds the frame only when a
# reader asks for it). Hosts are matched exactly, so "youtube.com.evil.example" is no embed.
EMBED_PROVIDERS = {
    "youtube": (
        _("YouTube"),
        re.compile(
            r"^https://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:\S*&)?v=|shorts/|live/)"
            r"|youtu\.be/)(?P<id>[A-Za-z0-9_-]{6,20})(?:[?&#]\S*)?$"
        ),
    ),
    "vimeo": (
        _("Vimeo"),
        re.compile(r"^https://(?:www\.)?vimeo\.com/(?P<id>\d{3,12})(?:[/?#]\S*)?$"),
    ),
    "x": (
        _("X"),
        re.compile(
            r"^https://(?:www\.|mobile\.)?(?:twitter|x)\.com/[A-Za-z0-9_]{1,15}/status/"
            r"(?P<id>\d{5,25})(?:[/?#]\S*)?$"
        ),
    ),
    "instagram": (
        _("Instagram"),
        re.compile(
            r"^https://(?:www\.)?instagram\.com/(?:p|reel|tv)/(?P<id>[A-Za-z0-9_-]{5,40})/?"
            r"(?:[?#]\S*)?$"
        ),
    ),
    "tiktok": (
        _("TikTok"),
        re.compile(
            r"^https://(?:www\.)?tiktok\.com/@[A-Za-z0-9_.]{1,30}/video/(?P<id>\d{5,25})"
            r"(?:[/?#]\S*)?$"
        ),
    ),
    "facebook": (
        _("Facebook"),
        re.compile(
            r"^https://(?:www\.|m\.)?facebook\.com/[A-Za-z0-9_.-]+/(?:posts|videos)/"
            r"[A-Za-z0-9_.-]+/?(?:[?#]\S*)?$|^https://(?:www\.)?facebook\.com/watch/?\?v=\d+$"
        ),
    ),
    "bluesky": (
        _("Bluesky"),
        re.compile(
            r"^https://bsky\.app/profile/(?P<actor>[A-Za-z0-9_.:-]{3,120})/post/"
            r"(?P<id>[A-Za-z0-9]{5,20})/?$"
        ),
    ),
    "mastodon": (
        _("Mastodon"),
        re.compile(
            r"^https://(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/@[A-Za-z0-9_]{1,30}(?:@[a-z0-9.-]+)?/"
            r"(?P<id>\d{5,25})/?$"
        ),
    ),
}
# Origins whose players a reader may load (the Content-Security-Policy's frame-src: see
# config/settings.py). Mastodon servers are too many to list: its embeds stay links.
EMBED_FRAME_ORIGINS = (
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://platform.twitter.com",
    "https://www.instagram.com",
    "https://www.tiktok.com",
    "https://www.facebook.com",
    "https://embed.bsky.app",
)
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


def embed_provider(url: str) -> str:
    """The key of the provider whose post or video `url` is ("youtube", ...), "" if none."""
    if not LONE_URL_RE.match(url) or not safe_url(url):
        return ""
    for key, (_label, pattern) in EMBED_PROVIDERS.items():
        if pattern.match(url):
            return key
    return ""


def embed_label(provider: str) -> str:
    """The provider's name as readers read it ("YouTube")."""
    entry = EMBED_PROVIDERS.get(provider)
    return str(entry[0]) if entry else provider


def embed_frame_url(url: str) -> str:
    """The address of the provider's player for an embed, "" when it has none we may frame.

    Loaded only when a reader asks for it, from one of EMBED_FRAME_ORIGINS.
    """
    provider = embed_provider(url)
    if not provider:
        return ""
    match = EMBED_PROVIDERS[provider][1].match(url)
    parts = match.groupdict() if match else {}
    ident = parts.get("id") or ""
    if provider == "youtube":
        return f"https://www.youtube-nocookie.com/embed/{ident}"
    if provider == "vimeo":
        return f"https://player.vimeo.com/video/{ident}"
    if provider == "x":
        return f"https://platform.twitter.com/embed/Tweet.html?id={ident}&dnt=true"
    if provider == "instagram":
        return f"https://www.instagram.com/p/{ident}/embed/"
    if provider == "tiktok":
        return f"https://www.tiktok.com/embed/v2/{ident}"
    if provider == "facebook":
        return f"https://www.facebook.com/plugins/post.php?href={quote(url, safe='')}"
    if provider == "bluesky" and parts.get("actor", "").startswith("did:"):
        return f"https://embed.bsky.app/embed/{parts['actor']}/app.bsky.feed.post/{ident}"
    return ""


# Inline markup, tried left to right: an escaped character, a link, strong, emphasis, a bare
# address. Nothing nests inside a link's address; strong and emphasis may hold each other.
INLINE_RE = re.compile(
    r"\\(?P<escaped>[\\*\[\]()])"
    r"|\[(?P<link_text>(?:\\.|[^\[\]\\])+)\]\((?P<link_url>[^\s()]*)\)"
    r"|\*\*(?P<strong>(?:\\.|[^\\])+?)\*\*"
    r"|\*(?P<em>[^\s*](?:(?:\\.|[^\\*])*?[^\s*\\])?)\*"
    r"|(?P<bare>https?://[^\s<>\"]+)"
)
TRAILING_PUNCTUATION = ".,;:!?)]”’\"'"


def inline_html(text: str) -> SafeString:
    """Text with inline markup as HTML: every character escaped, links only where the URL
    policy allows them (a refused link shows as its text)."""
    return mark_safe("".join(_inline_parts(text)))


def _inline_parts(text: str):
    position = 0
    for match in INLINE_RE.finditer(text):
        yield escape(text[position : match.start()])
        position = match.end()
        if (char := match["escaped"]) is not None:
            yield escape(char)
        elif (label := match["link_text"]) is not None:
            inner = "".join(_inline_parts(label))
            url = safe_url(match["link_url"])
            yield f'<a href="{escape(url)}">{inner}</a>' if url else inner
        elif (strong := match["strong"]) is not None:
            yield f"<strong>{''.join(_inline_parts(strong))}</strong>"
        elif (em := match["em"]) is not None:
            yield f"<em>{''.join(_inline_parts(em))}</em>"
        else:
            bare = match["bare"]
            kept = bare.rstrip(TRAILING_PUNCTUATION)
            url = safe_url(kept)
            yield f'<a href="{escape(url)}">{escape(kept)}</a>' if url else escape(kept)
            yield escape(bare[len(kept) :])
    yield escape(text[position:])


def inline_text(text: str) -> str:
    """Text with its inline markup removed: what feeds, descriptions and search show."""
    return "".join(_inline_plain(text))


def _inline_plain(text: str):
    position = 0
    for match in INLINE_RE.finditer(text):
        yield text[position : match.start()]
        position = match.end()
        if (char := match["escaped"]) is not None:
            yield char
        elif (label := match["link_text"]) is not None:
            yield from _inline_plain(label)
        elif (inner := match["strong"] or match["em"]) is not None:
            yield from _inline_plain(inner)
        else:
            yield match["bare"]
    yield text[position:]


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
    """Body text -> blocks (paragraph, list, link, interactive, quote, embed), in order."""
    blocks = []
    for chunk in BLANK_LINE_RE.split(normalise(body)):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") or line == "-" for line in lines):
            blocks.append({"type": "list", "items": [line[2:].strip() for line in lines]})
            continue
        if all(line.startswith(">") for line in lines):
            blocks.append(_quote([line[1:].strip() for line in lines]))
            continue
        text = " ".join(lines)
        if len(lines) == 1 and (provider := embed_provider(text)):
            blocks.append({"type": "embed", "provider": provider, "url": text})
        elif text.startswith("\\"):
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


def _quote(lines: list[str]) -> dict:
    """A quote's lines (without their ">") -> its block; a last "— Name" line attributes it."""
    attribution = ""
    if len(lines) > 1 and (match := ATTRIBUTION_RE.match(lines[-1])):
        attribution, lines = match["name"].strip(), lines[:-1]
    return {
        "type": "quote",
        "text": " ".join(" ".join(line for line in lines if line).split()),
        "attribution": attribution,
    }


def _paragraph(text: str) -> str:
    """The paragraph as body text, escaped where it would read as another block."""
    ambiguous = (
        text.startswith(("\\", "- ", ">"))
        or text == "-"
        or (text.startswith("[") and (LINK_RE.match(text) or INTERACTIVE_RE.match(text)))
        or bool(embed_provider(text))
    )
    return "\\" + text if ambiguous else text


def _quote_text(block: dict) -> str:
    lines = [f"> {block['text']}" if block["text"] else ">"]
    if block.get("attribution"):
        lines.append(f"> — {block['attribution']}")
    return "\n".join(lines)


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
        elif kind == "quote":
            chunks.append(_quote_text(block))
        elif kind == "embed":
            chunks.append(block["url"])
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
