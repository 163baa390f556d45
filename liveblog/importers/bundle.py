"""The backup bundle: one zip holding `backup.json` (the exported documents) and the picture files
under `media/`, each named in the JSON with its SHA-256.

Writing is deterministic (fixed member order, times and attributes), so a restored backup exported
again gives the same bytes. Reading trusts nothing: the whole bundle is measured before anything
is read or written (its members' total size, their number, how far each expands), sizes are
capped again while reading, names are looked up only as the JSON gives them (never extracted by
the archive's own names), and every file must match its hash and be a picture the upload rules
accept; where it is stored is the loader's business, as for an upload (never the bundle's name
unless it is one an upload would have had).
"""

import hashlib
import json
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat

from liveblog import uploads

BACKUP_NAME = "backup.json"
MEDIA_PREFIX = "media/"
# The oldest time a zip can record: every member gets it, so the bytes never depend on the clock.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Members smaller than this are not held to LIVEBLOG_BUNDLE_MAX_RATIO: however far they expand,
# they cannot fill a disk, and a small JSON document may well compress a hundredfold.
RATIO_EXEMPT_BYTES = 1024 * 1024


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
        try:
            check_caps(self.archive.infolist())
        except BundleError:
            self.archive.close()
            raise

    def close(self) -> None:
        self.archive.close()

    def document_data(self) -> bytes:
        return self._read(BACKUP_NAME, settings.LIVEBLOG_IMPORT_MAX_BYTES)

    def picture(self, name: str, sha256: str) -> tuple[bytes, str, int, int]:
        """The picture stored as `name`, checked: (content, its real format's extension, width,
        height)."""
        content = self._read(MEDIA_PREFIX + name, settings.LIVEBLOG_MAX_IMAGE_BYTES)
        if file_sha256(content) != sha256:
            raise BundleError(f"{MEDIA_PREFIX}{name}: its SHA-256 is not the one backup.json gives")
        return content, *inspect_picture(content, f"{MEDIA_PREFIX}{name}")

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


def check_caps(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a bundle that would expand too far, naming the limit, before any of it is read:
    more members than LIVEBLOG_BUNDLE_MAX_MEMBERS, more bytes in all than
    LIVEBLOG_BUNDLE_MAX_BYTES, or a member expanding more than LIVEBLOG_BUNDLE_MAX_RATIO times
    (a zip bomb: megabytes of zeros in a few kilobytes). The sizes are the archive's own
    claims; reading never goes past them (zipfile stops at the declared size)."""
    limit = settings.LIVEBLOG_BUNDLE_MAX_MEMBERS
    if len(members) > limit:
        raise BundleError(
            f"the bundle has {len(members):,} members, over LIVEBLOG_BUNDLE_MAX_MEMBERS ({limit:,})"
        )
    total = sum(member.file_size for member in members)
    limit = settings.LIVEBLOG_BUNDLE_MAX_BYTES
    if total > limit:
        raise BundleError(
            f"the bundle's members would take {filesizeformat(total)}, over "
            f"LIVEBLOG_BUNDLE_MAX_BYTES ({filesizeformat(limit)})"
        )
    limit = settings.LIVEBLOG_BUNDLE_MAX_RATIO
    for member in members:
        if member.file_size < RATIO_EXEMPT_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limit:
            raise BundleError(
                f"{member.filename} expands {ratio:,.0f} times "
                f"({filesizeformat(member.compress_size)} to {filesizeformat(member.file_size)}), "
                f"over LIVEBLOG_BUNDLE_MAX_RATIO ({limit:,})"
            )


def inspect_picture(content: bytes, name: str) -> tuple[str, int, int]:
    """(extension of its real format, width, height) of a picture the site accepts, else
    BundleError (the upload rules of liveblog.uploads, as for the admin and the API)."""
    try:
        return uploads.inspect_image(SimpleUploadedFile(name, content))
    except ValidationError as error:
        raise BundleError(f"{name}: {' '.join(error.messages)}") from None
