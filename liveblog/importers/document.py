"""Check a JSON import document (SEED_FORMAT.md, plus the extra keys export writes). Pure Python."""

import datetime

from liveblog.importers.reader import ReaderError

BLOCK_KEYS = {
    "paragraph": {"text": str},
    "list": {"items": list},
    "image": {"alt": str, "caption": str, "credit": str, "file_photo": bool},
    "link": {"text": str},
    "interactive": {"title": str},
}
OPTIONAL_STRINGS = (
    "standfirst",
    "published",
    "updated",
    "closed_notice",
    "source",
    "slug",
    "status",
    "time_zone",
    "source_name",
    "source_url",
)


def check_document(document, where: str = "document") -> dict:
    """Raise ReaderError naming the field that is wrong; return the document unchanged."""
    if not isinstance(document, dict):
        raise ReaderError(f"{where}: expected a JSON object for a blog")
    if document.get("format") not in ("A", "B", None):
        raise ReaderError(f'{where}.format: must be "A", "B" or null')
    if not isinstance(document.get("title"), str) or not document["title"].strip():
        raise ReaderError(f"{where}.title: a non-empty string is required")
    for key in OPTIONAL_STRINGS:
        if document.get(key) is not None and not isinstance(document[key], str):
            raise ReaderError(f"{where}.{key}: must be a string or null")
    for key in ("date", "coverage_date"):
        if document.get(key) is not None:
            _check_date(document[key], f"{where}.{key}")
    for key in ("key_points", "intro"):
        values = document.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ReaderError(f"{where}.{key}: must be a list of strings")
    if document.get("hero_image") is not None:
        _check_block(document["hero_image"], f"{where}.hero_image", only="image")
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise ReaderError(f"{where}.entries: must be a list")
    for index, entry in enumerate(entries):
        _check_entry(entry, f"{where}.entries[{index}]")
    return document


def _check_entry(entry, where: str) -> None:
    if not isinstance(entry, dict):
        raise ReaderError(f"{where}: expected an object")
    if not isinstance(entry.get("headline"), str) or not entry["headline"].strip():
        raise ReaderError(f"{where}.headline: a non-empty string is required")
    if not isinstance(entry.get("blocks"), list):
        raise ReaderError(f"{where}.blocks: must be a list")
    for index, block in enumerate(entry["blocks"]):
        _check_block(block, f"{where}.blocks[{index}]")
    if entry.get("status") not in (None, "draft", "published"):
        raise ReaderError(f'{where}.status: must be "draft" or "published"')
    for key in ("is_key_event", "is_pinned"):
        if key in entry and not isinstance(entry[key], bool):
            raise ReaderError(f"{where}.{key}: must be true or false")
    if entry.get("order") is not None and not isinstance(entry["order"], int):
        raise ReaderError(f"{where}.order: must be a whole number")
    if entry.get("published_at") is not None:
        try:
            datetime.datetime.fromisoformat(entry["published_at"])
        except (TypeError, ValueError):
            raise ReaderError(f"{where}.published_at: not an ISO date-time") from None


def _check_block(block, where: str, only: str | None = None) -> None:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_KEYS:
        raise ReaderError(f"{where}.type: must be one of {', '.join(BLOCK_KEYS)}")
    if only and block["type"] != only:
        raise ReaderError(f"{where}.type: must be {only!r}")
    for key, kind in BLOCK_KEYS[block["type"]].items():
        if not isinstance(block.get(key), kind):
            raise ReaderError(f"{where}.{key}: must be a {kind.__name__}")
    if block["type"] == "list" and not all(isinstance(item, str) for item in block["items"]):
        raise ReaderError(f"{where}.items: must be a list of strings")
    if (
        block["type"] == "link"
        and block.get("url") is not None
        and not isinstance(block["url"], str)
    ):
        raise ReaderError(f"{where}.url: must be a string")


def _check_date(value, where: str) -> None:
    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReaderError(f"{where}: not an ISO date (YYYY-MM-DD)") from None
