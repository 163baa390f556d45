"""Write import documents to the database: one file, one transaction, a tally of what happened.

Blogs are found again by their source file name (text seeds) or slug (JSON documents), entries by
an import key within the blog, images by a key over alt text, credit and file-photo flag. Content an
editor changed since the last import is kept unless `overwrite` is set.
"""

import datetime
import functools
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from liveblog import body as body_markup
from liveblog.importers.document import check_document
from liveblog.importers.reader import ReaderError, read_bytes
from liveblog.models import (
    RESERVED_SLUGS,
    Blog,
    BlogStatus,
    Caption,
    Entry,
    EntryStatus,
    Image,
    entry_content_hash,
    sort_key_for,
    validate_time_zone,
)

SIDECAR_SUFFIX = ".meta.json"
SIDECAR_KEYS = {"date", "source_url", "slug", "status", "time_zone"}
KINDS = ("blogs", "entries", "images", "captions")
OUTCOMES = ("created", "updated", "unchanged", "kept", "deleted")


class ImportFileError(Exception):
    """A file that could not be imported; str() is `file:line: reason`."""

    def __init__(self, path: Path | str, reason: str, line: int = 0):
        self.path, self.reason, self.line = str(path), reason, line
        location = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{location}: {reason}")


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        if n:
            self.counts[(kind, outcome)] += n

    def __iadd__(self, other: "Tally") -> "Tally":
        self.counts.update(other.counts)
        self.notes.extend(other.notes)
        return self

    def get(self, kind: str, outcome: str) -> int:
        return self.counts[(kind, outcome)]

    def summary(self) -> str:
        parts = []
        for kind in KINDS:
            outcomes = [f"{self.get(kind, o)} {o}" for o in OUTCOMES if self.get(kind, o)]
            if outcomes:
                parts.append(f"{kind} " + ", ".join(outcomes))
        return "; ".join(parts) or "nothing to do"


# --- files ---------------------------------------------------------------------------------


def seed_files(paths: list[Path]) -> list[Path]:
    """Expand folders to the seed files in them (*.txt, *.json but not sidecars), sorted."""
    files = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and (
                    p.suffix == ".txt"
                    or (p.suffix == ".json" and not p.name.endswith(SIDECAR_SUFFIX))
                )
            )
            if not found:
                raise ImportFileError(path, "no seed files (*.txt or *.json) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ImportFileError(path, "no such file or folder")
    return files


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> tuple[dict, bytes]:
    """The optional `<name>.meta.json` next to a seed: facts the text cannot give."""
    side = sidecar_path(path)
    if not side.is_file():
        return {}, b""
    raw = side.read_bytes()
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFileError(
            side, f"not valid JSON ({error})", getattr(error, "lineno", 0)
        ) from None
    if not isinstance(data, dict):
        raise ImportFileError(side, "expected a JSON object")
    for key in data:
        if key not in SIDECAR_KEYS:
            raise ImportFileError(
                side, f"unknown field {key!r} (known: {', '.join(sorted(SIDECAR_KEYS))})"
            )
    try:
        if data.get("date") is not None:
            data["date"] = _iso_date(data["date"])
        if data.get("status") is not None and data["status"] not in BlogStatus.values:
            raise ValueError(f"field 'status': must be one of {', '.join(BlogStatus.values)}")
        if data.get("time_zone") is not None:
            validate_time_zone(data["time_zone"])
        if data.get("slug") is not None and slugify(data["slug"]) != data["slug"]:
            raise ValueError("field 'slug': only letters, numbers, hyphens and underscores")
    except ValueError as error:
        raise ImportFileError(side, str(error)) from None
    except Exception as error:  # ValidationError from validate_time_zone
        raise ImportFileError(
            side, f"field 'time_zone': {' '.join(getattr(error, 'messages', [str(error)]))}"
        ) from None
    return data, raw


def _iso_date(value):
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ValueError(f"field 'date': {value!r} is not an ISO date (YYYY-MM-DD)") from None


def file_hash(data: bytes, sidecar: bytes = b"") -> str:
    return hashlib.sha256(data + b"\x00" + sidecar).hexdigest()


@dataclass
class FileResult:
    path: Path
    tally: Tally
    skipped: bool = False
    blogs: list[str] = field(default_factory=list)


def import_file(
    path: Path, *, overwrite: bool = False, dry_run: bool = False, known_hashes: dict | None = None
) -> FileResult:
    """Import one seed file (text or JSON) in one transaction; ImportFileError on bad input."""
    limit = settings.LIVEBLOG_IMPORT_MAX_BYTES
    size = path.stat().st_size
    if size > limit:
        raise ImportFileError(
            path, f"the file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit"
        )
    data = path.read_bytes()
    sidecar, sidecar_raw = read_sidecar(path) if path.suffix == ".txt" else ({}, b"")
    digest = file_hash(data, sidecar_raw)
    source_name = path.stem
    if known_hashes is None:
        known_hashes = dict(
            Blog.objects.filter(source_name=source_name).values_list("source_name", "source_hash")
        )
    if not overwrite and path.suffix == ".txt" and known_hashes.get(source_name) == digest:
        tally = Tally()
        tally.add("blogs", "unchanged")
        return FileResult(path, tally, skipped=True, blogs=[source_name])

    documents = _documents(path, data)
    tally = Tally()
    result = FileResult(path, tally)
    try:
        with transaction.atomic():
            for document in documents:
                if path.suffix == ".txt":
                    blog = load_document(
                        document,
                        source_name=source_name,
                        source_hash=digest,
                        sidecar=sidecar,
                        overwrite=overwrite,
                        tally=tally,
                    )
                else:
                    blog = load_document(document, overwrite=overwrite, tally=tally)
                result.blogs.append(blog.slug)
            if dry_run:
                transaction.set_rollback(True)
    except ReaderError as error:
        raise ImportFileError(path, error.message, error.line) from None
    return result


def _documents(path: Path, data: bytes) -> list[dict]:
    try:
        if path.suffix == ".json":
            try:
                parsed = json.loads(data)
            except UnicodeDecodeError:
                raise ReaderError("not UTF-8 text") from None
            except json.JSONDecodeError as error:
                raise ReaderError(f"not valid JSON: {error.msg}", error.lineno) from None
            documents = parsed if isinstance(parsed, list) else [parsed]
            if not documents:
                raise ReaderError("the JSON list holds no blogs", 1)
            return [
                check_document(doc, f"blog[{i}]" if isinstance(parsed, list) else "document")
                for i, doc in enumerate(documents)
            ]
        return [read_bytes(data)]
    except ReaderError as error:
        raise ImportFileError(path, error.message, error.line) from None


# --- documents -----------------------------------------------------------------------------


def blog_values(document: dict, sidecar: dict) -> dict:
    """Blog field values a document (and its sidecar) sets."""
    date = sidecar.get("date") or document.get("coverage_date") or document.get("date")
    status = (
        sidecar.get("status")
        or document.get("status")
        or (BlogStatus.CLOSED if document.get("closed_notice") else BlogStatus.LIVE)
    )
    return {
        "title": document["title"],
        "standfirst": document.get("standfirst") or "",
        "key_points": list(document.get("key_points") or []),
        "intro": body_markup.join_paragraphs(document.get("intro") or []),
        "closed_notice": document.get("closed_notice") or "",
        "attribution": document.get("source") or "",
        "source_published": document.get("published") or "",
        "source_updated": document.get("updated") or "",
        "coverage_date": date,
        "status": status,
        "time_zone": sidecar.get("time_zone") or document.get("time_zone") or settings.TIME_ZONE,
        "source_url": sidecar.get("source_url") or document.get("source_url") or "",
        "source_format": document.get("format") or "",
    }


def _values_hash(values: dict) -> str:
    raw = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _current_values(blog: Blog, keys) -> dict:
    values = {key: getattr(blog, key) for key in keys}
    if values.get("coverage_date") is not None:
        values["coverage_date"] = values["coverage_date"].isoformat()
    return values


def load_document(
    document: dict,
    *,
    source_name: str = "",
    source_hash: str = "",
    sidecar: dict | None = None,
    overwrite: bool = False,
    tally: Tally | None = None,
) -> Blog:
    """Upsert one blog document; call inside a transaction."""
    sidecar = sidecar or {}
    tally = tally if tally is not None else Tally()
    values = blog_values(document, sidecar)
    values_hash = _values_hash(values)
    source_name = source_name or document.get("source_name") or ""
    blog = _find_blog(document, source_name, sidecar)
    now = timezone.now()
    is_new = blog is None
    if is_new:
        slug = sidecar.get("slug") or document.get("slug") or _unique_slug(document["title"])
        # closed_at stays empty: the source does not say when coverage ended.
        blog = Blog(slug=slug, source_name=source_name, **values)
        tally.add("blogs", "created")
    else:
        edited = bool(blog.import_hash) and blog.import_hash != _values_hash(
            _current_values(blog, values)
        )
        if blog.import_hash == values_hash:
            tally.add("blogs", "unchanged")
        elif edited and not overwrite:
            tally.add("blogs", "kept")
            tally.notes.append(f"blog {blog.slug}: kept an editor's changes to the blog's fields")
        else:
            for key, value in values.items():
                setattr(blog, key, value)
            tally.add("blogs", "updated")
            if edited:
                tally.notes.append(
                    f"blog {blog.slug}: overwrote an editor's changes to the blog's fields"
                )
        blog.source_name = blog.source_name or source_name
    blog.import_hash = values_hash
    blog.source_hash = source_hash
    blog.imported_at = now
    blog._change_reason = f"import {source_name or blog.slug}"
    try:
        blog.save()  # read afresh under its lock by _find_blog(); the revision is never written
    except ValidationError as error:
        raise ReaderError("; ".join(error.messages)) from None

    images = _images_by_key(document, tally)
    _load_hero(blog, document.get("hero_image"), images, tally, is_new=is_new)
    _load_entries(
        blog,
        document["entries"],
        images,
        overwrite=overwrite,
        tally=tally,
        is_new=is_new,
    )
    return blog


def _find_blog(document: dict, source_name: str, sidecar: dict) -> Blog | None:
    slug = sidecar.get("slug") or document.get("slug")
    # The exclude() repeats the partial index's condition so SQLite can use the index.
    # Locked: a concurrent import, editor or poller-visible change waits until this file is in.
    blogs = Blog.objects.select_for_update()
    by_source = blogs.filter(source_name=source_name).exclude(source_name="")
    if source_name and (blog := by_source.first()):
        return blog
    if slug:
        return blogs.filter(slug=slug).first()
    return None


def _unique_slug(title: str) -> str:
    base = slugify(title)[:180].strip("-") or "live-blog"
    if base in RESERVED_SLUGS:
        base = f"{base}-live"
    if not Blog.objects.filter(slug=base).exists():
        return base
    # LIKE cannot use the slug index, so only scan when the plain slug is taken.
    taken = set(Blog.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _image_key(block: dict) -> str:
    return Image.key_for(alt=block["alt"], credit=block["credit"], file_photo=block["file_photo"])


def _images_by_key(document: dict, tally: Tally) -> dict[str, Image]:
    """Every picture the document uses, found or created in two queries."""
    blocks = [document["hero_image"]] if document.get("hero_image") else []
    blocks += [b for entry in document["entries"] for b in entry["blocks"] if b["type"] == "image"]
    wanted = {_image_key(block): block for block in blocks}
    # The exclude() repeats the partial index's condition so SQLite can use the index.
    existing = Image.objects.filter(import_key__in=list(wanted)).exclude(import_key="")
    found = {img.import_key: img for img in existing.order_by()}
    missing = [
        Image(import_key=key, alt_text=b["alt"], credit=b["credit"], is_file_photo=b["file_photo"])
        for key, b in wanted.items()
        if key not in found
    ]
    for image in Image.objects.bulk_create(missing):
        found[image.import_key] = image
    tally.add("images", "created", len(missing))
    tally.add("images", "unchanged", len(wanted) - len(missing))
    return found


def _load_hero(blog: Blog, block: dict | None, images: dict, tally: Tally, is_new: bool) -> None:
    hero = None if is_new else Caption.objects.filter(blog=blog, entry__isnull=True).first()
    if block is None:
        if hero is not None:
            tally.add("captions", "kept")
        return
    image = images[_image_key(block)]
    if hero is None:
        Caption.objects.bulk_create([Caption(blog=blog, image=image, text=block["caption"])])
        tally.add("captions", "created")
    elif hero.image_id == image.pk and hero.text == block["caption"]:
        tally.add("captions", "unchanged")
    else:
        Caption.objects.filter(pk=hero.pk).update(image=image, text=block["caption"])
        tally.add("captions", "updated")


def _entry_keys(entries: list[dict]) -> list[str]:
    """Stable keys: the export's own key where given, else the headline and its occurrence."""
    seen: Counter = Counter()
    keys = []
    for entry in entries:
        if entry.get("key"):
            keys.append(entry["key"])
            continue
        digest = hashlib.sha256(entry["headline"].encode()).hexdigest()[:40]
        seen[digest] += 1
        keys.append(f"h-{digest}-{seen[digest]}")
    return keys


def _load_entries(
    blog,
    entries: list[dict],
    images: dict,
    *,
    overwrite: bool,
    tally: Tally,
    is_new: bool,
):
    keys = _entry_keys(entries)
    existing = (
        {}
        if is_new
        else {
            e.import_key: e
            for e in blog.entries.exclude(import_key="").prefetch_related("captions__image")
        }
    )
    # Exports of entries made in the admin carry "entry-<id>": find those by id.
    by_id = (
        {f"entry-{e.pk}": e for e in blog.entries.filter(import_key="")}
        if any(k.startswith("entry-") for k in keys)
        else {}
    )
    count = len(entries)
    orders = [
        doc["order"] if doc.get("order") is not None else count - i for i, doc in enumerate(entries)
    ]
    matched = [existing.pop(key, None) or by_id.pop(key, None) for key in keys]
    # An entry whose headline was corrected at the source is the one left at the same place.
    leftover_by_order = {e.order: e for e in existing.values()}
    for index, entry in enumerate(matched):
        if entry is None and (entry := leftover_by_order.pop(orders[index], None)):
            matched[index] = existing.pop(entry.import_key)
    now = timezone.now()
    creates, updates, new_captions, replaced = [], [], [], []
    pins: dict[str, bool] = {}  # import key -> the pin the document gives it
    for key, doc, order, entry in zip(keys, entries, orders, matched, strict=True):
        text_blocks, placed = body_markup.split_images(doc["blocks"])
        content = entry_content_hash(doc["headline"], doc["blocks"])
        flags = _entry_flags(doc)
        if "is_pinned" in flags:
            pins[key] = flags.pop("is_pinned")
        if entry is None:
            row = {
                "blog_id": blog.pk,
                "headline": doc["headline"],
                "body": body_markup.serialize(text_blocks),
                "body_blocks": text_blocks,
                "order": order,
                "import_key": key,
                "import_hash": content,
                "status": EntryStatus.PUBLISHED,
                **flags,
            }
            creates.append((row, placed))
            tally.add("entries", "created")
            continue
        flags_changed = any(getattr(entry, name) != value for name, value in flags.items())
        if entry.import_hash == content and entry.order == order and not flags_changed:
            tally.add("entries", "unchanged")
            continue
        edited = entry.import_hash and entry.content_hash() != entry.import_hash
        if edited and not overwrite:
            tally.add("entries", "kept")
            tally.notes.append(f"entry {entry.pk} “{entry.headline}”: kept an editor's changes")
            pins.pop(key, None)
            continue
        if edited:
            tally.notes.append(
                f"entry {entry.pk} “{entry.headline}”: overwrote an editor's changes"
            )
        entry.headline, entry.body = doc["headline"], body_markup.serialize(text_blocks)
        entry.body_blocks = text_blocks
        entry.order, entry.import_hash = order, content
        entry.import_key = key
        for name, value in flags.items():
            setattr(entry, name, value)
        entry.version += 1
        updates.append(entry)
        replaced.append(entry.pk)
        new_captions += [(entry, placed)]
        tally.add("entries", "updated")

    # Every change takes a revision of its own (pollers' exact cursor): one bump for them all.
    changed = len(creates) + len(updates)
    top = Blog.objects.bump(blog.pk, changed) if changed else 0
    revisions = iter(range(top - changed + 1, top + 1))
    for row, _ in creates:
        row.update(revision=next(revisions), created_at=now, updated_at=now)
        _derive_row(row, now)
    for entry in updates:
        entry.revision = next(revisions)
        derived = _derive_row(vars(entry), now)
        entry.sort_key, entry.is_scheduled = derived["sort_key"], derived["is_scheduled"]
    insert_rows(Entry, [row for row, _ in creates])
    ids = dict(blog.entries.values_list("import_key", "id")) if creates else {}
    reason = f"import {blog.source_name or blog.slug}"
    if creates:
        # The history's first line for each, written as rows like the entries themselves.
        history = Entry.history.model
        tracked = {f.attname for f in history._meta.concrete_fields}
        insert_rows(
            history,
            [
                {
                    **{name: value for name, value in row.items() if name in tracked},
                    "id": ids[row["import_key"]],
                    "history_date": now,
                    "history_type": "+",
                    "history_change_reason": reason,
                }
                for row, _ in creates
            ],
        )
    if updates:
        Entry.objects.bulk_update(updates, [*ENTRY_IMPORT_FIELDS, "version", "revision"])
        Entry.history.bulk_history_create(updates, update=True, default_change_reason=reason)
        tally.add("captions", "deleted", Caption.objects.filter(entry_id__in=replaced).delete()[0])
    placements = [(ids[row["import_key"]], placed) for row, placed in creates]
    placements += [(entry.pk, placed) for entry, placed in new_captions]
    captions = [
        {
            "blog_id": blog.pk,
            "entry_id": entry_id,
            "image_id": images[_image_key(block)].pk,
            "text": block["caption"],
            "position": position,
        }
        for entry_id, placed in placements
        for position, block in placed
    ]
    insert_rows(Caption, captions)
    tally.add("captions", "created", len(captions))
    _load_pins(blog, pins)

    # Entries the source no longer has: drop the untouched ones, keep what editors changed.
    for entry in existing.values():
        if entry.content_hash() != entry.import_hash and not overwrite:
            tally.add("entries", "kept")
            tally.notes.append(
                f"entry {entry.pk} “{entry.headline}”: gone from the source, kept (edited)"
            )
        else:
            entry.delete()
            tally.add("entries", "deleted")


# What an import writes of an entry it updates (with the revision and version it takes).
ENTRY_IMPORT_FIELDS = [
    "headline",
    "body",
    "body_blocks",
    "order",
    "sort_key",
    "import_hash",
    "import_key",
    "status",
    "is_key_event",
    "is_scheduled",
    "published_at",
]


def _derive_row(row: dict, now) -> dict:
    """The stored fields Entry.save() derives, for rows written in bulk."""
    published_at = row.get("published_at")
    row["sort_key"] = sort_key_for(published_at, row["order"])
    row["is_scheduled"] = bool(
        row.get("status") == EntryStatus.PUBLISHED and published_at and published_at > now
    )
    return row


def _load_pins(blog: Blog, pins: dict[str, bool]) -> None:
    """Pins a backup gives, through the verbs (pinning one unpins the blog's other)."""
    if not pins:
        return
    wanted = [key for key, pinned in pins.items() if pinned][:1]
    dropped = [key for key, pinned in pins.items() if not pinned]
    for entry in blog.entries.filter(import_key__in=dropped).pinned():
        entry.unpin()
    for entry in blog.entries.filter(import_key__in=wanted).unpinned():
        entry.pin()


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT rows (field attname -> value) with one executemany, filling defaults and timestamps.

    An import's time went mostly to bulk_create's per-object work; plain rows avoid building
    model instances and preparing every value through the ORM.
    """
    if not rows:
        return
    conn = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # Rows of one import share their timestamps: each distinct time is prepared once.
    times: dict = {}

    def prepare_time(field):
        def prepare(value):
            if value is None:
                return None
            if value not in times:
                times[value] = field.get_db_prep_save(value, conn)
            return times[value]

        return prepare

    plan = []  # (attname, how to prepare a given value or None, the value when not given)
    for f in fields:
        default = None
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default = f.get_db_prep_save(now, conn)
        elif f.has_default() or f.null:
            default = f.get_db_prep_save(f.get_default(), conn)
        kind = f.get_internal_type()
        if kind in {"DateTimeField", "DateField"}:
            prepare = prepare_time(f)
        elif kind == "JSONField":
            prepare = functools.partial(f.get_db_prep_save, connection=conn)
        else:
            prepare = None
        plan.append((f.attname, prepare, default))
    missing = object()
    values = []
    for row in rows:
        line = []
        for attname, prepare, default in plan:
            value = row.get(attname, missing)
            if value is missing:
                line.append(default)
            else:
                line.append(prepare(value) if prepare is not None else value)
        values.append(line)
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with conn.cursor() as cursor:
        cursor.executemany(sql, values)


def _entry_flags(doc: dict) -> dict:
    """Editorial fields a JSON backup carries; text seeds carry none."""
    flags = {}
    if doc.get("status") is not None:
        flags["status"] = doc["status"]
    for name in ("is_key_event", "is_pinned"):
        if name in doc:
            flags[name] = doc[name]
    if doc.get("published_at") is not None:
        flags["published_at"] = parse_datetime(doc["published_at"])
    return flags
