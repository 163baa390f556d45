"""Write import documents to the database: one file, one transaction, a tally of what happened.

Blogs are found again by their source file name (text seeds) or slug (JSON documents), entries by
an import key within the blog, images by an import key: alt text, credit and file-photo flag (and
the caption, for a picture without alt text), or the key a backup gives. Content an editor
changed since the last import is kept unless `overwrite` is set.

Every value is checked against its model field before anything of the document is written
(liveblog.importers.fields), so a bad one is reported as `file:line: path: reason` and the file
leaves nothing behind. A file that loses a race with a concurrent import of the same material (a
blog's slug, a picture's key taken meanwhile) is tried again and then finds what the other wrote.
"""

import datetime
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    transaction,
)
from django.utils import timezone
from django.utils.text import slugify

from liveblog import body as body_markup
from liveblog import renditions, uploads
from liveblog.importers.bundle import Bundle, BundleError, file_sha256, inspect_picture
from liveblog.importers.bundle import safe_media_name as is_safe_media_name
from liveblog.importers.document import check_document
from liveblog.importers.fields import (
    BLOG_DOCUMENT_KEYS,
    InvalidValue,
    check_values,
    from_document,
    generic_blog_fields,
    to_document,
)
from liveblog.importers.reader import READ_CHUNK, Lines, ReaderError, ReaderWarning, read_file
from liveblog.importers.spill import Spill
from liveblog.models import (
    RESERVED_SLUGS,
    Blog,
    BlogStatus,
    Caption,
    Correction,
    Entry,
    EntryStatus,
    Image,
    Verification,
    entry_content_hash,
)

SIDECAR_SUFFIX = ".meta.json"
# What a document (JSON or bundle) does when its slug is taken here by a blog it was not made
# from (a blog is found again by its source file; a document never names one by its id).
REFUSE, REPLACE, RENAME = "refuse", "replace", "rename"
SLUG_TAKEN = {
    REFUSE: "refused, naming the blog that has the address",
    REPLACE: "the document replaces that blog (its fields and entries; editors' changes too)",
    RENAME: "the document becomes a new blog beside it, at the first free -2, -3... address",
}
# The sidecar's keys and the blog fields they set.
SIDECAR_FIELDS = {
    "date": "coverage_date",
    "source_url": "source_url",
    "slug": "slug",
    "status": "status",
    "time_zone": "time_zone",
    "language": "language",
}
SIDECAR_KEYS = set(SIDECAR_FIELDS)
KINDS = ("blogs", "entries", "images", "captions")
OUTCOMES = ("created", "updated", "unchanged", "kept", "deleted")
# A file that lost a race with a concurrent import is tried this many times in all.
ATTEMPTS = 3
# Entry and image fields a document names differently from the model.
ENTRY_DOCUMENT_KEYS = {"import_key": "key", "verification_log": "verification_history"}
IMAGE_DOCUMENT_KEYS = {"alt_text": "alt", "is_file_photo": "file_photo", "import_key": "key"}
# A picture made in the admin has no import key; a backup names it by its id.
ADMIN_IMAGE_KEY_RE = re.compile(r"image-(\d{1,18})")


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


@dataclass
class Origin:
    """Where a document came from: to report a bad value at its place, and to keep what the
    import had to assume (`notes`) on the blog."""

    label: str = ""  # the file's name, as import notes give it
    where: str = "document"  # the document's path in messages about JSON
    lines: Lines | None = None  # text files: the line each part of the document came from
    notes: list[ReaderWarning] = field(default_factory=list)
    # How many of the notes are the reader's: a retried attempt keeps those, not the loader's.
    reader_notes: int = 0

    def refusal(self, path: str, message: str) -> ReaderError:
        """The error for the value at `path` ("entries[3].order"): its line in a text file, its
        path in a JSON document."""
        if self.lines is None:
            return ReaderError(f"{self.where}.{path}: {message}")
        return ReaderError(f"{path}: {message}", self.line_of(path))

    def warn(self, path: str, message: str) -> None:
        if self.lines is None:
            self.notes.append(ReaderWarning(0, f"{self.where}.{path}: {message}"))
        else:
            self.notes.append(ReaderWarning(self.line_of(path), f"{path}: {message}"))

    def line_of(self, path: str) -> int:
        """The line of the part at `path` or, failing that, of the part holding it."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return 0

    def note_lines(self, label: str | None = None) -> list[str]:
        """The notes as `file:line: what` (`file: what` where the line is not known)."""
        label = self.label if label is None else label
        return [
            f"{label}:{note.line}: {note.message}" if note.line else f"{label}: {note.message}"
            for note in self.notes
        ]


# --- files ---------------------------------------------------------------------------------


def is_seed(path: Path) -> bool:
    """Text seeds, JSON documents and backup bundles; never a seed's sidecar."""
    if path.suffix == ".json":
        return not path.name.endswith(SIDECAR_SUFFIX)
    return path.suffix in (".txt", ".zip")


def seed_files(paths: list[Path]) -> list[Path]:
    """Expand folders to the seed files in them (*.txt, *.json but not sidecars, *.zip), sorted."""
    files = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and is_seed(p))
            if not found:
                raise ImportFileError(path, "no seed files (*.txt, *.json or *.zip) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ImportFileError(path, "no such file or folder")
    return files


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> tuple[dict, bytes]:
    """The optional `<name>.meta.json` next to a seed: facts the text cannot give, each checked
    by the blog field it sets."""
    side = sidecar_path(path)
    if not side.is_file():
        return {}, b""
    raw = side.read_bytes()
    if len(raw) > settings.LIVEBLOG_IMPORT_MAX_BYTES:
        raise ImportFileError(side, "the sidecar is over the import size limit")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFileError(
            side, f"not valid JSON ({error})", getattr(error, "lineno", 0)
        ) from None
    except (RecursionError, ValueError) as error:
        raise ImportFileError(side, f"not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ImportFileError(side, "expected a JSON object")
    for key, value in data.items():
        if key not in SIDECAR_KEYS:
            raise ImportFileError(
                side, f"unknown field {key!r} (known: {', '.join(sorted(SIDECAR_KEYS))})"
            )
        if value is None:
            continue
        blog_field = Blog._meta.get_field(SIDECAR_FIELDS[key])
        try:
            if not isinstance(value, str):
                raise InvalidValue(key, "must be a string")
            parsed = from_document(blog_field, value)
            check_values(Blog, {blog_field.name: parsed})
            if key == "slug":
                check_slug(parsed)
        except (InvalidValue, ValidationError) as error:
            message = error.message if isinstance(error, InvalidValue) else " ".join(error.messages)
            raise ImportFileError(side, f"field {key!r}: {message}") from None
        data[key] = to_document(parsed)
    return data, raw


def check_slug(slug: str) -> None:
    """The blog's own rule for slugs (the site's reserved paths): ValidationError if refused."""
    Blog(slug=slug).clean()


def file_hash(data: bytes | Path, sidecar: bytes = b"") -> str:
    """The fingerprint of a seed and its sidecar; a file is hashed a chunk at a time."""
    digest = hashlib.sha256()
    if isinstance(data, Path):
        with open(data, "rb") as handle:
            while chunk := handle.read(READ_CHUNK):
                digest.update(chunk)
    else:
        digest.update(data)
    digest.update(b"\x00" + sidecar)
    return digest.hexdigest()


@dataclass
class FileResult:
    path: Path
    tally: Tally
    skipped: bool = False
    blogs: list[str] = field(default_factory=list)
    # What the import had to assume, as `file:line: what` (also kept on each blog).
    warnings: list[str] = field(default_factory=list)


class Files:
    """Picture files a backup brings: read from its bundle and checked, written to storage (not
    in a dry run) exactly as an upload is stored, and removed again if the file's transaction
    does not commit.

    A bundle's file name is only where to find the file in the bundle. Storage keeps it under a
    name an upload would have had (images/<yyyy>/<mm>/<random>.<its real format's extension>):
    the bundle's own name when it is such a name for this very format and free (so a restored
    backup exports to the same bytes), a new random one otherwise. A bundle naming its picture
    `images/evil.html` cannot have it served as a page.
    """

    def __init__(self, bundle: Bundle | None, *, dry_run: bool):
        self.bundle, self.dry_run = bundle, dry_run
        self.written: list[str] = []

    def store(self, name: str, sha256: str) -> tuple[str, int, int] | None:
        """(storage name, width, height) of the picture, or None when the document names a file
        it does not bring (a plain JSON export) and storage does not hold that very file."""
        if (held := self._held(name, sha256)) is not None:
            return name, *held
        if self.bundle is None:
            return None
        content, extension, width, height = self.bundle.picture(name, sha256)
        if self.dry_run:
            return name, width, height
        if not uploads.is_upload_name(name, extension) or default_storage.exists(name):
            name = uploads.image_upload_to(None, f"picture.{extension}")
        max_length = Image._meta.get_field("file").max_length
        stored = default_storage.save(name, ContentFile(content), max_length=max_length)
        self.written.append(stored)
        return stored, width, height

    def _held(self, name: str, sha256: str) -> tuple[int, int] | None:
        """(width, height) if storage holds this very picture under this name, and
        the name is one an upload of its format has (a file stored under any other name, by
        whatever wrote it, is never linked)."""
        if not uploads.UPLOAD_NAME.fullmatch(name) or not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
        if file_sha256(content) != sha256:
            return None
        extension, width, height = inspect_picture(content, name)
        return (width, height) if uploads.is_upload_name(name, extension) else None

    def discard(self) -> None:
        for name in self.written:
            default_storage.delete(name)
        self.written = []


def import_file(
    path: Path,
    *,
    overwrite: bool = False,
    dry_run: bool = False,
    known_hashes: dict | None = None,
    slug_taken: str = REFUSE,
) -> FileResult:
    """Import one seed file (text, JSON or backup bundle) in one transaction.

    ImportFileError (`file:line: reason`) on bad input or a value the database would refuse;
    nothing of the file is written then. `slug_taken`: what a document (JSON or bundle) does
    when its slug names a blog here that is not the one it was made from (see SLUG_TAKEN).

    A text file is never held whole: it is hashed and read as a stream, its entries spilled
    to a temporary file and written a chunk at a time (still one transaction).
    """
    bundle = None
    data = None  # a text file is read from its path
    if path.suffix == ".zip":
        try:
            bundle = Bundle(path)
            data = bundle.document_data()
        except BundleError as error:
            if bundle is not None:
                bundle.close()
            raise ImportFileError(path, str(error)) from None
    else:
        limit = settings.LIVEBLOG_IMPORT_MAX_BYTES
        size = path.stat().st_size
        if size > limit:
            raise ImportFileError(
                path, f"the file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit"
            )
        if path.suffix != ".txt":
            data = path.read_bytes()
    try:
        return _import(path, data, bundle, overwrite, dry_run, known_hashes, slug_taken)
    finally:
        if bundle is not None:
            bundle.close()


def _import(path, data, bundle, overwrite, dry_run, known_hashes, slug_taken) -> FileResult:
    sidecar, sidecar_raw = read_sidecar(path) if path.suffix == ".txt" else ({}, b"")
    digest = file_hash(path if data is None else data, sidecar_raw)
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
    try:
        return _load(path, documents, bundle, digest, sidecar, overwrite, dry_run, slug_taken)
    finally:
        for document, _ in documents:
            if isinstance(document["entries"], Spill):
                document["entries"].close()


def _load(path, documents, bundle, digest, sidecar, overwrite, dry_run, slug_taken) -> FileResult:
    source_name = path.stem
    files = Files(bundle, dry_run=dry_run)
    for attempt in range(1, ATTEMPTS + 1):
        tally = Tally()
        result = FileResult(path, tally)
        try:
            with transaction.atomic():
                for document, origin in documents:
                    origin.notes = list(origin.notes[: origin.reader_notes])
                    blog = load_document(
                        document,
                        source_name=source_name if path.suffix == ".txt" else "",
                        source_hash=digest if path.suffix == ".txt" else "",
                        sidecar=sidecar,
                        overwrite=overwrite,
                        tally=tally,
                        origin=origin,
                        files=files,
                        slug_taken=slug_taken,
                    )
                    result.blogs.append(blog.slug)
                    result.warnings += origin.note_lines(str(path))
                if dry_run:
                    transaction.set_rollback(True)
            return result
        except (IntegrityError, OperationalError) as error:
            files.discard()
            if attempt < ATTEMPTS and _lost_a_race(error):
                continue  # the other import has committed: this attempt finds what it wrote
            raise ImportFileError(path, _refusal(error)) from None
        except ReaderError as error:
            files.discard()
            raise ImportFileError(path, error.message, error.line) from None
        except ValidationError as error:
            files.discard()
            raise ImportFileError(path, "; ".join(error.messages)) from None
        except (DatabaseError, OverflowError, BundleError) as error:
            # Every value was checked first: this is a last line of defence, not a way out.
            files.discard()
            raise ImportFileError(path, _refusal(error)) from None
        except BaseException:
            files.discard()
            raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lost_a_race(error: DatabaseError) -> bool:
    """Whether a concurrent import (or editor) explains the error, so trying again can work."""
    if isinstance(error, IntegrityError):
        return True  # a slug or picture key taken meanwhile; a real clash repeats and is reported
    text = str(error).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text


def _refusal(error: Exception) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, IntegrityError):
        return f"conflicts with what the database holds ({first_line})"
    return f"the database refused it ({type(error).__name__}: {first_line})"


def _documents(path: Path, data: bytes | None) -> list[tuple[dict, Origin]]:
    label = path.name
    try:
        if path.suffix in (".json", ".zip"):
            try:
                parsed = json.loads(data)
            except UnicodeDecodeError:
                raise ReaderError("not UTF-8 text") from None
            except json.JSONDecodeError as error:
                raise ReaderError(f"not valid JSON: {error.msg}", error.lineno) from None
            except RecursionError:
                raise ReaderError("not a document: the JSON nests too deeply") from None
            except ValueError as error:  # e.g. a number of more than 4,300 digits
                raise ReaderError(f"not valid JSON: {error}") from None
            documents = parsed if isinstance(parsed, list) else [parsed]
            if not documents:
                raise ReaderError("the JSON list holds no blogs", 1)
            found = []
            for index, doc in enumerate(documents):
                where = f"blog[{index}]" if isinstance(parsed, list) else "document"
                found.append((check_document(doc, where), _origin(label, where)))
            return found
        warnings: list[ReaderWarning] = []
        lines = Lines()
        entries = Spill(WRITE_CHUNK)
        try:
            document = read_file(path, warnings=warnings, lines=lines, entries=entries)
        except BaseException:
            entries.close()
            raise
        return [(document, _origin(label, "document", lines=lines, notes=warnings))]
    except ReaderError as error:
        raise ImportFileError(path, error.message, error.line) from None


def _origin(label: str, where: str, *, lines=None, notes=()) -> Origin:
    notes = list(notes)
    return Origin(label=label, where=where, lines=lines, notes=notes, reader_notes=len(notes))


# --- documents -----------------------------------------------------------------------------


def blog_values(document: dict, sidecar: dict) -> dict:
    """Blog field values a document (and its sidecar) sets (InvalidValue if unreadable)."""
    date = sidecar.get("date") or document.get("coverage_date") or document.get("date")
    status = (
        sidecar.get("status")
        or document.get("status")
        or (BlogStatus.CLOSED if document.get("closed_notice") else BlogStatus.LIVE)
    )
    values = {
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
    # Every other editable field under its own name (only where the document gives it, so the
    # values of documents without it, and their hash, stay as they were).
    for blog_field in generic_blog_fields():
        if (name := blog_field.name) in document:
            values[name] = _normalised(from_document(blog_field, document[name]))
    if sidecar.get("language"):
        values["language"] = sidecar["language"]
    return values


def _normalised(value):
    # Times are compared with what the database gives back: in UTC.
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC)
    return value


def _values_hash(values: dict) -> str:
    raw = json.dumps(
        {key: to_document(value) for key, value in values.items()},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _current_values(blog: Blog, keys) -> dict:
    return {key: _normalised(getattr(blog, key)) for key in keys}


def _blog_path(name: str, document: dict) -> str:
    if name == "coverage_date" and "coverage_date" not in document:
        return "date"
    return BLOG_DOCUMENT_KEYS.get(name, name)


def _check_blog(document: dict, sidecar: dict, origin: Origin) -> tuple[dict, dict]:
    """The blog's values and the bookkeeping a backup restores, checked by their fields."""
    try:
        values = blog_values(document, sidecar)
        check_values(Blog, values)
        restored = {}
        if "closed_at" in document:
            closed_at = Blog._meta.get_field("closed_at")
            restored["closed_at"] = _normalised(from_document(closed_at, document["closed_at"]))
        if document.get("source_name"):
            restored["source_name"] = document["source_name"]
        check_values(Blog, restored)
    except InvalidValue as error:
        raise origin.refusal(_blog_path(error.name, document), error.message) from None
    return values, restored


def load_document(
    document: dict,
    *,
    source_name: str = "",
    source_hash: str = "",
    sidecar: dict | None = None,
    overwrite: bool = False,
    tally: Tally | None = None,
    origin: Origin | None = None,
    files: Files | None = None,
    slug_taken: str = REFUSE,
) -> Blog:
    """Upsert one blog document; call inside a transaction.

    The blog is found by its natural keys, never by an id the document carries: the source
    file it was imported from, else (text seeds) its slug. A document whose slug names another
    blog here is refused, or replaces it or takes a new slug (`slug_taken`, SLUG_TAKEN).

    Every value is checked before the first write: the blog's fields, each entry's, each
    picture's, and the users named as authors (one query).
    """
    sidecar = sidecar or {}
    tally = tally if tally is not None else Tally()
    origin = origin if origin is not None else Origin()
    files = files if files is not None else Files(None, dry_run=False)
    values, restored = _check_blog(document, sidecar, origin)
    values_hash = _values_hash(values)
    source_name = source_name or restored.get("source_name", "")
    users = _users(document, origin)
    pictures = PicturePlan.start(document, origin)
    # The entries' plans are spilled to a temporary file, let go when the document is in.
    with _entry_plans(document["entries"], users, origin, pictures) as plans:
        blog, renamed = _find_blog(document, source_name, sidecar, origin, slug_taken, values_hash)
        overwrite = overwrite or slug_taken == REPLACE
        now = timezone.now()
        is_new = blog is None
        applied = is_new
        if is_new:
            slug = (
                renamed
                or sidecar.get("slug")
                or document.get("slug")
                or _unique_slug(document["title"])
            )
            if not sidecar.get("slug") and document.get("slug") and not renamed:
                try:
                    check_values(Blog, {"slug": slug})
                    check_slug(slug)
                except InvalidValue as error:
                    raise origin.refusal("slug", error.message) from None
                except ValidationError as error:
                    raise origin.refusal("slug", " ".join(error.messages)) from None
            blog = Blog(slug=slug, source_name=source_name, **values)
            # A text seed does not say when coverage ended: closed_at stays empty unless a backup
            # gives it.
            blog.closed_at = restored.get("closed_at")
            tally.add("blogs", "created")
        else:
            current = _values_hash(_current_values(blog, values))
            edited = bool(blog.import_hash) and blog.import_hash != current
            if values_hash in (blog.import_hash, current):
                tally.add("blogs", "unchanged")
            elif edited and not overwrite:
                tally.add("blogs", "kept")
                tally.notes.append(
                    f"blog {blog.slug}: kept an editor's changes to the blog's fields"
                )
            else:
                for key, value in values.items():
                    setattr(blog, key, value)
                applied = True
                tally.add("blogs", "updated")
                if edited:
                    tally.notes.append(
                        f"blog {blog.slug}: overwrote an editor's changes to the blog's fields"
                    )
            blog.source_name = (
                source_name if slug_taken == REPLACE else blog.source_name or source_name
            )
        blog.import_hash = values_hash
        blog.source_hash = source_hash
        blog.imported_at = now
        # A backup carries the notes of the import it was made from; this import's own follow them.
        blog.import_notes = "\n".join([*document.get("import_notes", []), *origin.note_lines()])
        blog._change_reason = f"import {source_name or blog.slug}"
        try:
            blog.save()  # read afresh under its lock by _find_blog(); the revision is never written
        except ValidationError as error:
            raise _field_refusal(error, origin, document) from None
        closed_at = restored.get("closed_at", blog.closed_at)
        if applied and not is_new and blog.closed_at != closed_at:
            # save() dates a status change now; a backup knows when the blog really closed.
            Blog.objects.filter(pk=blog.pk).update(closed_at=restored["closed_at"])
            blog.closed_at = restored["closed_at"]

        reason = f"import {source_name or blog.slug}"
        images = _images_by_key(
            pictures, tally, files=files, overwrite=overwrite, origin=origin, reason=reason
        )
        _load_hero(
            blog, document.get("hero_image"), pictures.hero_key, images, tally, is_new=is_new
        )
        _load_entries(blog, plans, images, overwrite=overwrite, tally=tally, is_new=is_new)
        Blog.objects.mark_imported(blog.pk)
        return blog


def _field_refusal(error: ValidationError, origin: Origin, document: dict) -> ReaderError:
    if hasattr(error, "error_dict"):
        name, messages = next(iter(error.message_dict.items()))
        return origin.refusal(_blog_path(name, document), " ".join(messages))
    return ReaderError("; ".join(error.messages))


def _find_blog(
    document: dict,
    source_name: str,
    sidecar: dict,
    origin: Origin,
    slug_taken: str,
    values_hash: str,
) -> tuple[Blog | None, str]:
    """The blog the document updates (None: a new one), and the slug a renamed one takes.

    Found by natural keys: the source file the blog was imported from; or, at the document's
    address, the blog an import of this same document made (its fields' fingerprint, kept as
    `import_hash`): re-running a restore, or two running at once, updates that blog rather than
    refusing it. Any other blog at that address is refused, replaced or left beside."""
    slug = sidecar.get("slug") or document.get("slug")
    # The exclude() repeats the partial index's condition so SQLite can use the index.
    # Locked: a concurrent import, editor or poller-visible change waits until this file is in.
    blogs = Blog.objects.select_for_update()
    by_source = blogs.filter(source_name=source_name).exclude(source_name="")
    if source_name and (blog := by_source.first()):
        return blog, ""
    if not slug:
        return None, ""
    blog = blogs.filter(slug=slug).first()
    if blog is None:
        return None, ""
    if sidecar.get("slug") and blog.source_name in ("", source_name):
        return blog, ""  # a text seed's sidecar gives the address of a blog made here
    if blog.import_hash == values_hash and blog.source_name in ("", source_name):
        return blog, ""  # this document made it
    if slug_taken == REPLACE:
        return blog, ""
    if slug_taken == RENAME:
        return None, _unique_slug(slug)
    owner = f"the blog imported from {blog.source_name}" if blog.source_name else "another blog"
    hint = "" if sidecar.get("slug") else " (import with --replace to overwrite it, or --rename)"
    raise origin.refusal("slug", f"“{slug}” is the address of {owner} here{hint}")


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


# --- people --------------------------------------------------------------------------------


def _users(document: dict, origin: Origin) -> dict[str, int]:
    """Username -> user id for every author a backup names; the missing ones are noted."""
    wanted: dict[str, str] = {}  # username -> where it is first named
    for index, entry in enumerate(document["entries"]):
        for name in entry.get("authors", []):
            wanted.setdefault(name, f"entries[{index}].authors")
        for n, correction in enumerate(entry.get("corrections", [])):
            if correction["author"] is not None:
                wanted.setdefault(correction["author"], f"entries[{index}].corrections[{n}]")
    if not wanted:
        return {}
    model = get_user_model()
    field_name = model.USERNAME_FIELD
    found = dict(
        model._default_manager.filter(**{f"{field_name}__in": list(wanted)}).values_list(
            field_name, "pk"
        )
    )
    for name, path in wanted.items():
        if name not in found:
            origin.warn(path, f"no user “{name}” here (users are not in a backup); left out")
    return found


# --- pictures ------------------------------------------------------------------------------


def _image_key(block: dict) -> str:
    return Image.key_for(
        alt=block["alt"],
        credit=block["credit"],
        file_photo=block["file_photo"],
        caption=block["caption"],
    )


@dataclass
class PicturePlan:
    """Which picture each image block shows, and what each picture is, checked.

    Made as the entries are planned, in the one pass over them (`start`, then `entry` for each,
    then `check`); a picture's error waits for `check`, so that the entries' own errors come
    first, as when the pictures were planned after the entries."""

    origin: Origin
    records: dict[str, tuple[str, dict]]  # key -> (path, the backup's picture record)
    wanted: dict[str, dict] = field(default_factory=dict)  # key -> Image field values
    hero_key: str | None = None
    error: ReaderError | None = None  # the first picture the document gets wrong

    @classmethod
    def start(cls, document: dict, origin: Origin) -> "PicturePlan":
        plan = cls(origin, {})
        try:
            plan.records = _picture_records(document, origin)
            if document.get("hero_image"):
                given = document.get("hero_image_key")
                plan.hero_key = plan.plan(
                    document["hero_image"], "hero_image", given, "hero_image_key"
                )
        except ReaderError as error:
            plan.error = error
        return plan

    def entry(self, index: int, entry: dict) -> list[str]:
        """The key of each image block of the entry at `index`, in order."""
        given = entry.get("image_keys")
        keys = []
        if self.error is not None:
            return keys
        try:
            for position, block in enumerate(entry["blocks"]):
                if block["type"] == "image":
                    n = len(keys)
                    key = given[n] if given else None
                    path = f"entries[{index}].blocks[{position}]"
                    keys.append(self.plan(block, path, key, f"entries[{index}].image_keys[{n}]"))
        except ReaderError as error:
            self.error = error
        return keys

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def plan(self, block: dict, path: str, key: str | None, key_path: str) -> str:
        if key is None:
            key, key_path = _image_key(block), path
        if key in self.wanted:
            return key
        record_path, record = self.records.get(key, (None, None))
        source = record if record is not None else block
        values = {
            "import_key": key,
            "alt_text": source["alt"],
            "credit": source["credit"],
            "is_file_photo": source["file_photo"],
            "source_url": (record or {}).get("source_url") or "",
        }
        try:
            check_values(Image, values, blank_allowed=frozenset({"alt_text"}))
        except InvalidValue as error:
            name = IMAGE_DOCUMENT_KEYS.get(error.name, error.name)
            at = key_path if name == "key" else f"{record_path or path}.{name}"
            raise self.origin.refusal(at, error.message) from None
        self.wanted[key] = values
        return key


def _picture_records(document: dict, origin: Origin) -> dict[str, tuple[str, dict]]:
    """The pictures a backup lists, by key, checked."""
    records: dict[str, tuple[str, dict]] = {}
    for index, record in enumerate(document.get("images", [])):
        path = f"images[{index}]"
        if record["key"] in records:
            raise origin.refusal(f"{path}.key", f"“{record['key']}” is given twice")
        if record["file"] is not None:
            if not is_safe_media_name(record["file"]):
                raise origin.refusal(f"{path}.file", "not a relative file name inside the media")
            if not re.fullmatch(r"[0-9a-f]{64}", record["sha256"] or ""):
                raise origin.refusal(f"{path}.sha256", "a file needs its SHA-256 (64 hex digits)")
        records[record["key"]] = (path, record)
    return records


def _images_by_key(
    plan: PicturePlan,
    tally: Tally,
    *,
    files: Files,
    overwrite: bool,
    origin: Origin,
    reason: str,
) -> dict[str, Image]:
    """Every picture the document uses, found or created (two or three queries, plus a save per
    picture a backup changes)."""
    keys = sorted(plan.wanted)  # one insert order for every import: concurrent ones never deadlock
    # The exclude() repeats the partial index's condition so SQLite can use the index.
    existing = Image.objects.filter(import_key__in=keys).exclude(import_key="")
    found = {img.import_key: img for img in existing.order_by()}
    found.update(_admin_images(plan, [key for key in keys if key not in found]))
    missing = []
    for key in keys:
        values = plan.wanted[key]
        record_path, record = plan.records.get(key, (None, None))
        if key in found:
            image = found[key]
            outcome = _update_image(image, values, record, record_path, files, overwrite, origin)
            tally.add("images", outcome)
            if outcome == "kept":
                tally.notes.append(f"image {key}: kept an editor's changes")
            continue
        image = Image(**values)
        if record is not None and record["file"] is not None:
            _attach(image, record, record_path, files, origin)
        missing.append(image)
    for image in Image.objects.bulk_add(missing, reason=reason):
        found[image.import_key] = image
    tally.add("images", "created", len(missing))
    return found


def _admin_images(plan: PicturePlan, keys: list[str]) -> dict[str, Image]:
    """Pictures a backup names "image-<id>" (made in the admin, without an import key): the
    picture with that id, if it still is that picture."""
    by_id = {}
    for key in keys:
        if (match := ADMIN_IMAGE_KEY_RE.fullmatch(key)) and key in plan.records:
            by_id[int(match[1])] = key
    if not by_id:
        return {}
    found = {}
    for image in Image.objects.filter(pk__in=list(by_id), import_key=""):
        record = plan.records[by_id[image.pk]][1]
        if _same_picture(image, record):
            found[by_id[image.pk]] = image
    return found


def _same_picture(image: Image, record: dict) -> bool:
    if image.file and record["sha256"]:
        try:
            with image.file.open("rb") as handle:
                return file_sha256(handle.read()) == record["sha256"]
        except OSError:
            return False
    return not image.file and not record["file"] and image.alt_text == record["alt"]


def _attach(image: Image, record: dict, path: str, files: Files, origin: Origin) -> bool:
    """Give the picture the file the backup brings; False (and a note) if it brings none."""
    try:
        stored = files.store(record["file"], record["sha256"])
    except BundleError as error:
        raise origin.refusal(f"{path}.file", str(error)) from None
    if stored is None:
        origin.warn(
            f"{path}.file",
            f"“{record['file']}” is not in this file (export to a .zip to bring pictures); "
            "imported without it",
        )
        return False
    image.file.name, image.width, image.height = stored
    # Pictures may be written in bulk, which skips the renditions made after an upload: make
    # them once the import commits (a failure is logged; `make_renditions` repairs it).
    transaction.on_commit(lambda: renditions.make_renditions(image), robust=True)
    return True


def _update_image(image, values, record, path, files, overwrite, origin) -> str:
    """Bring a found picture up to date with a backup's record: the file it lacks is filled in;
    what an editor may have changed (its fields, another file) only with `overwrite`. A text
    seed never changes a picture."""
    if record is None:
        return "unchanged"
    differs = [name for name in IMAGE_FIELDS if getattr(image, name) != values[name]]
    # Stored under another name (storage renames a file whose name is taken): the same file if
    # its content is.
    other_file = (
        record["file"] is not None
        and image.file.name != record["file"]
        and not (image.file and _same_picture(image, record))
    )
    if not differs and not other_file:
        return "unchanged"
    if overwrite:
        for name in differs:
            setattr(image, name, values[name])
        if other_file:
            _attach(image, record, path, files, origin)
    elif not (other_file and not image.file and _attach(image, record, path, files, origin)):
        return "kept"
    image.save()  # touches every entry and hero showing it
    return "updated"


# What a backup's picture record sets of a picture found again (the file aside).
IMAGE_FIELDS = ["alt_text", "credit", "is_file_photo", "source_url"]


def _load_hero(
    blog: Blog, block: dict | None, key: str | None, images: dict, tally: Tally, is_new: bool
) -> None:
    """The blog's hero picture, through the caption's own save (the blog's change, history)."""
    hero = None if is_new else Caption.objects.filter(blog=blog, entry__isnull=True).first()
    if block is None:
        if hero is not None:
            tally.add("captions", "kept")
        return
    image = images[key]
    if hero is None:
        hero = Caption(blog=blog, image=image, text=block["caption"])
        hero._change_reason = f"import {blog.source_name or blog.slug}"
        hero.save()
        tally.add("captions", "created")
    elif hero.image_id == image.pk and hero.text == block["caption"]:
        tally.add("captions", "unchanged")
    else:
        hero.image, hero.text = image, block["caption"]
        hero._change_reason = f"import {blog.source_name or blog.slug}"
        hero.save()
        tally.add("captions", "updated")


# --- entries -------------------------------------------------------------------------------


@dataclass(slots=True)
class EntryPlan:
    """One entry of the document, checked: what the import writes of it."""

    key: str
    doc: dict
    order: int
    text_blocks: list
    placed: list  # (position, image block)
    content: str  # the content hash
    flags: dict  # editorial fields a backup carries
    pinned: bool | None
    authors: list[int] | None  # user ids, when the document names authors
    corrections: list[tuple] | None  # (text, author id, created_at), when it carries them
    changed_at: datetime.datetime | None  # when readers last saw it change, if a backup says
    image_keys: list[str]  # the picture each image block shows, in order


class Plans:
    """The plans of a document's entries, in its order: spilled a chunk at a time, with each
    one's key and order kept at hand to find the entries already here."""

    def __init__(self):
        self.spill = Spill(WRITE_CHUNK)
        self.keys: list[str] = []
        self.orders: list[int] = []
        self.people = False  # whether any names authors or carries corrections

    def append(self, plan: EntryPlan) -> None:
        self.spill.append(plan)
        self.keys.append(plan.key)
        self.orders.append(plan.order)
        self.people = self.people or plan.authors is not None or plan.corrections is not None

    def __len__(self) -> int:
        return len(self.keys)

    def close(self) -> None:
        self.spill.close()

    def __enter__(self) -> "Plans":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class EntryKeys:
    """Stable keys, given entry by entry in the document's order: the export's own key where
    given, else the headline and its occurrence."""

    def __init__(self):
        self.seen: Counter = Counter()

    def of(self, entry: dict) -> str:
        if entry.get("key"):
            return entry["key"]
        digest = hashlib.sha256(entry["headline"].encode()).hexdigest()[:40]
        self.seen[digest] += 1
        return f"h-{digest}-{self.seen[digest]}"


def _entry_plans(entries, users: dict[str, int], origin: Origin, pictures: PicturePlan) -> Plans:
    """Every entry's values, checked by the Entry (and Correction) fields before any write,
    and the picture each of its image blocks shows (`pictures`): one pass over the entries.

    What the document gives is checked; a key made from the headline and an order counted here
    always fit their fields. A text seed's entry is a headline and blocks: the quick path.
    """
    plans = Plans()
    try:
        _plan_entries(entries, users, origin, pictures, plans)
        pictures.check()
    except BaseException:
        plans.close()
        raise
    return plans


def _plan_entries(entries, users, origin, pictures, plans: Plans) -> None:
    count = len(entries)
    first_with_key: dict[str, int] = {}
    keys = EntryKeys()
    for index, doc in enumerate(entries):
        key = keys.of(doc)
        if (other := first_with_key.setdefault(key, index)) != index:
            raise origin.refusal(
                f"entries[{index}].key", f"“{key}” is the key of entries[{other}] too"
            )
        given_order = doc.get("order")
        order = given_order if given_order is not None else count - index
        flags, authors, corrections, changed_at = {}, None, None, None
        values = {"headline": doc["headline"]}
        try:
            if len(doc) > 2:  # more than a headline and blocks: a backup's entry
                flags, authors, corrections = _backup_fields(doc, users)
                if doc.get("changed_at") is not None:
                    changed_at = from_document(
                        Entry._meta.get_field("changed_at"), doc["changed_at"]
                    )
                    values["changed_at"] = changed_at
                values.update(flags)
                if doc.get("key"):
                    values["import_key"] = key
                if given_order is not None:
                    values["order"] = order
            check_values(Entry, values)
        except InvalidValue as error:
            name = ENTRY_DOCUMENT_KEYS.get(error.name, error.name)
            raise origin.refusal(f"entries[{index}].{name}", error.message) from None
        text_blocks, placed = body_markup.split_images(doc["blocks"])
        plans.append(
            EntryPlan(
                image_keys=pictures.entry(index, doc),
                key=key,
                doc=doc,
                order=order,
                text_blocks=text_blocks,
                placed=placed,
                content=entry_content_hash(doc["headline"], doc["blocks"]),
                flags=flags,
                pinned=doc.get("is_pinned"),
                authors=authors,
                corrections=corrections,
                changed_at=changed_at,
            )
        )


def _backup_fields(doc: dict, users: dict[str, int]) -> tuple[dict, list | None, list | None]:
    """The editorial fields, authors and corrections a backup gives of an entry, read and
    checked (InvalidValue naming the field)."""
    flags = {}
    if doc.get("status") is not None:
        flags["status"] = doc["status"]
    if "is_key_event" in doc:
        flags["is_key_event"] = doc["is_key_event"]
    if "language" in doc:
        flags["language"] = doc["language"] or ""
    if doc.get("published_at") is not None:
        flags["published_at"] = from_document(
            Entry._meta.get_field("published_at"), doc["published_at"]
        )
    # Approval and the label as the backup has them (older backups have none of these).
    for name in ("return_note", "verification", "verification_note"):
        if name in doc:
            flags[name] = doc[name] or ""
    for name in ("submitted_at", "verified_at"):
        if name in doc:
            flags[name] = from_document(Entry._meta.get_field(name), doc[name])
    if "verification_history" in doc:
        labels = [item["label"] for item in doc["verification_history"]]
        if unknown := [label for label in labels if label not in Verification.values]:
            raise InvalidValue("verification_log", f"no such label: {unknown[0]!r}")
        flags["verification_log"] = doc["verification_history"]
    authors = None
    if "authors" in doc:
        authors = sorted({users[name] for name in doc["authors"] if name in users})
    corrections = None
    if "corrections" in doc:
        corrections = []
        created_at = Correction._meta.get_field("created_at")
        for n, correction in enumerate(doc["corrections"]):
            try:
                moment = from_document(created_at, correction["created_at"])
                check_values(Correction, {"text": correction["text"], "created_at": moment})
            except InvalidValue as error:
                raise InvalidValue(f"corrections[{n}].{error.name}", error.message) from None
            author = users.get(correction["author"]) if correction["author"] else None
            corrections.append((correction["text"], author, moment))
    return flags, authors, corrections


def _load_entries(blog, plans: Plans, images: dict, *, overwrite: bool, tally: Tally, is_new: bool):
    # The entries here, by key: their ids and orders only; each chunk loads its own.
    existing: dict[str, tuple[int, int]] = {}
    if not is_new:
        imported = blog.entries.exclude(import_key="").values_list("import_key", "pk", "order")
        # iterator(): the rows are not kept a second time in the queryset's cache.
        existing = {key: (pk, order) for key, pk, order in imported.iterator(WRITE_CHUNK)}
    # Exports of entries made in the admin carry "entry-<id>": find those by id.
    by_id = {}
    if any(key.startswith("entry-") for key in plans.keys):
        made_here = blog.entries.filter(import_key="").values_list("pk", "order")
        by_id = {f"entry-{pk}": (pk, order) for pk, order in made_here.iterator(WRITE_CHUNK)}
    matched = [existing.pop(key, None) or by_id.pop(key, None) for key in plans.keys]
    # An entry whose headline was corrected at the source is the one left at the same place.
    leftover_by_order = {order: key for key, (_, order) in existing.items()}
    for index, found in enumerate(matched):
        if found is None and (key := leftover_by_order.pop(plans.orders[index], None)):
            matched[index] = existing.pop(key)
    pins: dict[str, bool] = {}  # import key -> the pin the document gives it
    pinned_one = [False]  # a new blog's one pinned entry is written pinned
    reason = f"import {blog.source_name or blog.slug}"
    # In chunks, oldest first (the document lists the newest first): entries are written as if
    # one by one, so ties in stream order keep their order by id (a restored backup exports
    # them in the same order again), and a long blog's entries, pictures and history rows are
    # never all in memory at once. One transaction all the same: the file is all or nothing.
    for number in reversed(range(plans.spill.chunks)):
        chunk = plans.spill.read_chunk(number)
        found = matched[number * WRITE_CHUNK : number * WRITE_CHUNK + len(chunk)]
        entries = _entries_by_id(blog, [pk for pk, _ in filter(None, found)], plans.people)
        rows = [
            (plan, entries[at[0]] if at else None) for plan, at in zip(chunk, found, strict=True)
        ]
        _load_chunk(
            blog,
            rows,
            images,
            overwrite=overwrite,
            tally=tally,
            is_new=is_new,
            pins=pins,
            pinned_one=pinned_one,
            reason=reason,
        )
    _load_pins(blog, pins)

    # Entries the source no longer has: drop the untouched ones, keep what editors changed.
    gone = [pk for pk, _ in existing.values()]
    for first in range(0, len(gone), WRITE_CHUNK):
        batch = gone[first : first + WRITE_CHUNK]
        entries = _entries_by_id(blog, batch, people=False)
        for pk in batch:
            entry = entries[pk]
            if entry.content_hash() != entry.import_hash and not overwrite:
                tally.add("entries", "kept")
                tally.notes.append(
                    f"entry {entry.pk} “{entry.headline}”: gone from the source, kept (edited)"
                )
            else:
                entry.delete()
                tally.add("entries", "deleted")


def _entries_by_id(blog, ids: list[int], people: bool) -> dict[int, Entry]:
    """The blog's entries with these ids, with their captions (and authors and corrections)."""
    if not ids:
        return {}
    entries = blog.entries.filter(pk__in=ids).prefetch_related("captions__image")
    if people:
        entries = entries.prefetch_related("authors", "corrections")
    return {entry.pk: entry for entry in entries}


def _load_chunk(blog, rows, images, *, overwrite, tally, is_new, pins, pinned_one, reason) -> None:
    """Write one chunk of the document's entries (plan, image keys, the entry found), with
    their pictures' captions, authors and corrections, through the models' bulk paths."""
    creates, updates, new_captions, replaced = [], [], [], []
    for plan, entry in rows:
        if plan.pinned is not None:
            pins[plan.key] = plan.pinned
        placed = [
            (at, block, key) for (at, block), key in zip(plan.placed, plan.image_keys, strict=True)
        ]
        if entry is None:
            entry = Entry(
                blog=blog,
                headline=plan.doc["headline"],
                body=body_markup.serialize(plan.text_blocks),
                order=plan.order,
                import_key=plan.key,
                import_hash=plan.content,
                **{"status": EntryStatus.PUBLISHED, **plan.flags},
            )
            # Imported entries keep the source's time: when the backup says it last changed,
            # else its own time (none for an untimed entry).
            entry.changed_at = plan.changed_at or entry.published_at
            if is_new and plan.pinned and not pinned_one[0]:
                # A new blog has no other pin to displace: the entry is written pinned, as
                # the backup has it (a pin through the verb would date it now).
                entry.is_pinned = pinned_one[0] = True
            creates.append((entry, placed, plan))
            tally.add("entries", "created")
            continue
        flags_changed = any(getattr(entry, name) != value for name, value in plan.flags.items())
        flags_changed = flags_changed or _people_changed(entry, plan)
        in_place = entry.order == plan.order and not flags_changed
        if entry.import_hash == plan.content and in_place:
            tally.add("entries", "unchanged")  # the usual re-import: hashes alone tell
            continue
        current = entry.content_hash()
        if current == plan.content and in_place:
            tally.add("entries", "unchanged")  # the document holds what the entry holds
            continue
        # An editor's change conflicts when the entry differs both from the document and from
        # its last import (an entry made in the admin was never imported: any difference).
        edited = current != plan.content and current != (entry.import_hash or plan.content)
        if edited and not overwrite:
            tally.add("entries", "kept")
            tally.notes.append(f"entry {entry.pk} “{entry.headline}”: kept an editor's changes")
            pins.pop(plan.key, None)
            continue
        if edited:
            tally.notes.append(
                f"entry {entry.pk} “{entry.headline}”: overwrote an editor's changes"
            )
        entry.headline = plan.doc["headline"]
        entry.body = body_markup.serialize(plan.text_blocks)
        entry.order, entry.import_hash = plan.order, plan.content
        entry.import_key = plan.key
        for name, value in plan.flags.items():
            setattr(entry, name, value)
        updates.append((entry, plan))
        replaced.append(entry.pk)
        new_captions += [(entry, placed)]
        tally.add("entries", "updated")

    created = [entry for entry, _, _ in reversed(creates)]
    Entry.objects.bulk_write(
        blog,
        created=created,
        updated=[entry for entry, _ in updates],
        fields=ENTRY_IMPORT_FIELDS,
        reason=reason,
    )
    if replaced:
        tally.add("captions", "deleted", Caption.objects.filter(entry_id__in=replaced).delete()[0])
    placements = [(entry.pk, placed) for entry, placed, _ in creates]
    placements += [(entry.pk, placed) for entry, placed in new_captions]
    captions = [
        Caption(
            blog_id=blog.pk,
            entry_id=entry_id,
            image_id=images[key].pk,
            text=block["caption"],
            position=position,
        )
        for entry_id, placed in placements
        for position, block, key in placed
    ]
    Caption.objects.bulk_add(captions, reason=reason)
    tally.add("captions", "created", len(captions))
    # What the written entries lack follows their pictures: entries created with some, and
    # updated ones whose pictures were replaced (they may have none now). A new entry without
    # pictures lacks none.
    pictured = [entry.pk for entry, placed, _ in creates if placed] + replaced
    if pictured:
        Entry.objects.filter(pk__in=pictured).refresh_attention()
    written = [(entry.pk, plan) for entry, _, plan in creates]
    written += [(entry.pk, plan) for entry, plan in updates]
    _load_people(written, reason)


def _people_changed(entry: Entry, plan: EntryPlan) -> bool:
    """Whether a backup's authors or corrections differ from the entry's (both prefetched)."""
    if plan.authors is not None and sorted(a.pk for a in entry.authors.all()) != plan.authors:
        return True
    if plan.corrections is not None:
        current = [(c.text, c.author_id, c.created_at) for c in entry.corrections.all()]
        return current != plan.corrections
    return False


def _load_people(written: list[tuple[int, EntryPlan]], reason: str) -> None:
    """Authors and corrections a backup gives, for the entries written (a few queries)."""
    authors = {pk: plan.authors for pk, plan in written if plan.authors is not None}
    if authors:
        Entry.objects.bulk_set_authors(authors)
    with_corrections = [(pk, plan) for pk, plan in written if plan.corrections is not None]
    if with_corrections:
        # The entries took their change with this import already: the notes need none.
        Correction.objects.filter(entry_id__in=[pk for pk, _ in with_corrections]).delete()
        Correction.objects.bulk_add(
            [
                Correction(entry_id=pk, text=text, author_id=author, created_at=created_at)
                for pk, plan in with_corrections
                for text, author, created_at in plan.corrections
            ],
            reason=reason,
        )


# How many entries an import writes at a time (their instances, pictures and history rows), and
# spills at a time while reading: 1,000 rather than 2,000 took a 50,000-entry re-import on
# PostgreSQL from 196 to 161 MB peak, no slower (docs/scaling.md).
WRITE_CHUNK = 1_000
# What an import writes of an entry it updates (Entry.objects.bulk_write adds what derives
# from them, and the bookkeeping).
ENTRY_IMPORT_FIELDS = [
    "headline",
    "body",
    "order",
    "import_hash",
    "import_key",
    "status",
    "is_key_event",
    "published_at",
    "language",
    "submitted_at",
    "return_note",
    "verification",
    "verification_note",
    "verified_at",
    "verification_log",
]


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
