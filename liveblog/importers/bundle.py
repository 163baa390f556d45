"""The backup bundle: one zip holding `backup.json` (the exported documents) and the picture files
under `media/`, each named in the JSON with its SHA-256.

Writing is deterministic (fixed member order, times and attributes), so a restored backup exported
again gives the same bytes. Reading trusts nothing: sizes are capped before reading, names are
looked up only as the JSON gives them (never extracted by the archive's own names), and every file
must match its hash and be a picture Pillow reads.
"""

import hashlib
import json
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from liveblog import uploads

BACKUP_NAME = "backup.json"
MEDIA_PREFIX = "media/"
# The oldest time a zip can record: every member gets it, so the bytes never depend on the clock.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class BundleError(ValueError):
    """A bundle that cannot be restored; str() says what is wrong with which member."""


def file_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def document_bytes(document) -> bytes:
    """The JSON export as written to a file or a bundle."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def write_bundle(out, document, files: dict[str, bytes]) -> None:
    """Write the bundle of `document` and the picture files (storage name -> content) to `out`."""
    with zipfile.ZipFile(out, "w") as archive:
        _add(archive, BACKUP_NAME, document_bytes(document), zipfile.ZIP_DEFLATED)
        for name in sorted(files):
            # Pictures are compressed already.
            _add(archive, MEDIA_PREFIX + name, files[name], zipfile.ZIP_STORED)


def _add(archive: zipfile.ZipFile, name: str, content: bytes, compression: int) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = compression
    info.create_system = 3  # Unix, wherever it is written
    info.external_attr = 0o644 << 16
    archive.writestr(info, content)


def safe_media_name(name) -> bool:
    """A storage name a bundle may give: relative, inside MEDIA_ROOT, no odd characters."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and all(part not in ("", ".", "..") for part in path.parts)


class Bundle:
    """An opened bundle: the JSON, and the files read on demand and checked against their hash."""

    def __init__(self, path):
        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise BundleError(f"not a backup bundle: {error}") from None

    def close(self) -> None:
        self.archive.close()

    def document_data(self) -> bytes:
        return self._read(BACKUP_NAME, settings.LIVEBLOG_IMPORT_MAX_BYTES)

    def picture(self, name: str, sha256: str) -> tuple[bytes, int, int]:
        """The picture stored as `name`, checked: (content, width, height)."""
        content = self._read(MEDIA_PREFIX + name, settings.LIVEBLOG_MAX_IMAGE_BYTES)
        if file_sha256(content) != sha256:
            raise BundleError(f"{MEDIA_PREFIX}{name}: its SHA-256 is not the one backup.json gives")
        return content, *picture_size(content, f"{MEDIA_PREFIX}{name}")

    def _read(self, name: str, limit: int) -> bytes:
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise BundleError(f"{name} is missing from the bundle") from None
        if info.file_size > limit:
            raise BundleError(f"{name} is {info.file_size} bytes, over the {limit} bytes limit")
        try:
            with self.archive.open(info) as member:
                # The size in the header may lie: never read past the limit.
                content = member.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
            raise BundleError(f"{name} cannot be read: {error}") from None
        if len(content) > limit:
            raise BundleError(f"{name} is over the {limit} bytes limit")
        return content


def picture_size(content: bytes, name: str) -> tuple[int, int]:
    """(width, height) of a picture the site accepts, else BundleError (the upload rules of
    liveblog.uploads, as for the admin and the API)."""
    try:
        _extension, width, height = uploads.inspect_image(SimpleUploadedFile(name, content))
    except ValidationError as error:
        raise BundleError(f"{name}: {' '.join(error.messages)}") from None
    return width, height
