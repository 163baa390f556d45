"""Check a JSON import document (SEED_FORMAT.md, plus the extra keys export writes). Pure Python.

Shapes and types only: whether a value is one the database takes (lengths, ranges, choices) is
the model's to say, checked by the loader through liveblog.importers.fields.
"""

import datetime

from liveblog import body as body_markup
from liveblog.importers.reader import ReaderError

BLOCK_KEYS = {
    "paragraph": {"text": str},
    "list": {"items": list},
    "image": {"alt": str, "caption": str, "credit": str, "file_photo": bool},
    "link": {"text": str},
    "interactive": {"title": str},
    # Written by editors (docs/desk.md); the seed formats never produce them.
    "quote": {"text": str, "attribution": str},
    "embed": {"provider": str, "url": str},
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
    "hero_image_key",
)
# The picture table of a backup: one row per picture, found by its key.
IMAGE_KEYS = {
    "key": (str,),
    "alt": (str,),
    "credit": (str,),
    "file_photo": (bool,),
    "source_url": (str, type(None)),
    "file": (str, type(None)),
    "sha256": (str, type(None)),
}


def check_document(document, where: str = "document") -> dict:
    """Raise ReaderError naming the field that is wrong; return the document unchanged."""
    if not isinstance(document, dict):
        raise ReaderError(f"{where}: expected a JSON object for a blog")
    _check_strings(document, where)
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
    for key in ("key_points", "intro", "import_notes"):
        _check_strings_list(document.get(key, []), f"{where}.{key}")
    if document.get("hero_image") is not None:
        _check_block(document["hero_image"], f"{where}.hero_image", only="image")
    elif document.get("hero_image_key") is not None:
        raise ReaderError(f"{where}.hero_image_key: given without a hero_image")
    images = document.get("images", [])
    if not isinstance(images, list):
        raise ReaderError(f"{where}.images: must be a list")
    for index, image in enumerate(images):
        _check_object(image, IMAGE_KEYS, f"{where}.images[{index}]")
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise ReaderError(f"{where}.entries: must be a list")
    for index, entry in enumerate(entries):
        _check_entry(entry, f"{where}.entries[{index}]")
    return document


def _check_verification_history(history, where: str) -> None:
    """A backup's label history: [{"label", "at" (ISO date-time), "note"}, ...]."""
    where = f"{where}.verification_history"
    if not isinstance(history, list):
        raise ReaderError(f"{where}: must be a list")
    for index, item in enumerate(history):
        if not isinstance(item, dict) or set(item) != {"label", "at", "note"}:
            raise ReaderError(f'{where}[{index}]: must be {{"label", "at", "note"}}')
        if not all(isinstance(item[key], str) for key in item):
            raise ReaderError(f"{where}[{index}]: its values must be strings")
        try:
            datetime.datetime.fromisoformat(item["at"])
        except ValueError:
            raise ReaderError(f"{where}[{index}].at: not an ISO date-time") from None


def _check_entry(entry, where: str) -> None:
    if not isinstance(entry, dict):
        raise ReaderError(f"{where}: expected an object")
    if not isinstance(entry.get("headline"), str) or not entry["headline"].strip():
        raise ReaderError(f"{where}.headline: a non-empty string is required")
    if not isinstance(entry.get("blocks"), list):
        raise ReaderError(f"{where}.blocks: must be a list")
    for index, block in enumerate(entry["blocks"]):
        _check_block(block, f"{where}.blocks[{index}]")
    if entry.get("status") not in (None, "draft", "submitted", "published"):
        raise ReaderError(f'{where}.status: must be "draft", "submitted" or "published"')
    for key in ("is_key_event", "is_pinned"):
        if key in entry and not isinstance(entry[key], bool):
            raise ReaderError(f"{where}.{key}: must be true or false")
    # JSON true is a Python int too: refuse it as an order.
    if entry.get("order") is not None and type(entry["order"]) is not int:
        raise ReaderError(f"{where}.order: must be a whole number")
    for key in (
        "key",
        "published_at",
        "changed_at",
        "language",
        "submitted_at",
        "return_note",
        "verification",
        "verification_note",
        "verified_at",
    ):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise ReaderError(f"{where}.{key}: must be a string or null")
    _check_verification_history(entry.get("verification_history", []), where)
    for key in ("published_at", "changed_at", "submitted_at", "verified_at"):
        if entry.get(key) is not None:
            try:
                datetime.datetime.fromisoformat(entry[key])
            except ValueError:
                raise ReaderError(f"{where}.{key}: not an ISO date-time") from None
    _check_strings_list(entry.get("authors", []), f"{where}.authors")
    corrections = entry.get("corrections", [])
    if not isinstance(corrections, list):
        raise ReaderError(f"{where}.corrections: must be a list")
    for index, correction in enumerate(corrections):
        _check_object(correction, CORRECTION_KEYS, f"{where}.corrections[{index}]")
    if "image_keys" in entry:
        _check_strings_list(entry["image_keys"], f"{where}.image_keys")
        images = sum(block["type"] == "image" for block in entry["blocks"])
        if len(entry["image_keys"]) != images:
            raise ReaderError(
                f"{where}.image_keys: {len(entry['image_keys'])} keys for {images} images"
            )


CORRECTION_KEYS = {"text": (str,), "author": (str, type(None)), "created_at": (str,)}


def _check_strings_list(values, where: str) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ReaderError(f"{where}: must be a list of strings")


def _check_object(value, keys: dict, where: str) -> None:
    """An object with exactly these keys, each of one of the given types."""
    if not isinstance(value, dict):
        raise ReaderError(f"{where}: expected an object")
    for key, kinds in keys.items():
        if key not in value:
            raise ReaderError(f"{where}.{key}: missing (every key is given, null if none)")
        # bool is an int, and an int is no bool: compare types exactly.
        if type(value[key]) not in kinds:
            names = " or ".join("null" if kind is type(None) else kind.__name__ for kind in kinds)
            raise ReaderError(f"{where}.{key}: must be {names}")
    for key in value:
        if key not in keys:
            raise ReaderError(f"{where}.{key}: unknown key (known: {', '.join(keys)})")


def _check_strings(document: dict, where: str) -> None:
    """Every string the database would store must be storable: no NUL character (PostgreSQL
    refuses it) and no lone surrogate (not UTF-8). Walked without recursion: JSON nests deep."""
    stack = [(document, where)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key, f"{path} (a key)")
                stack.append((item, f"{path}.{key}"))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, str):
            _check_string(value, path)


def _check_string(text: str, where: str) -> None:
    if "\x00" in text:
        raise ReaderError(f"{where}: contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ReaderError(f"{where}: contains a lone surrogate (not UTF-8 text)") from None


def _check_block(block, where: str, only: str | None = None) -> None:
    # A list or object as the type cannot even be looked up (unhashable): check it is a string.
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        raise ReaderError(f"{where}.type: must be one of {', '.join(BLOCK_KEYS)}")
    if block["type"] not in BLOCK_KEYS:
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
    if block["type"] == "embed" and (
        body_markup.embed_provider(block["url"]) != block["provider"] or not block["provider"]
    ):
        raise ReaderError(
            f"{where}.url: not a post or video address of a known provider "
            f"({', '.join(body_markup.EMBED_PROVIDERS)}) matching provider {block['provider']!r}"
        )


def _check_date(value, where: str) -> None:
    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReaderError(f"{where}: not an ISO date (YYYY-MM-DD)") from None
