"""Uploaded pictures: which files are accepted, how they are stored, and under which names.

The admin form, the live desk and the API all call validate_image(), so they accept exactly the
same files, and store them the same way: downscaled so the long edge is at most
LIVEBLOG_IMAGE_LONG_EDGE (a 40 MB camera original becomes a few MB; renditions are made from it
in the background, liveblog.renditions). A file's format is read from its content, never from
the name or content type the uploader sent: a PNG named "report.pdf" is stored as .png, so no
server ever sends it as a PDF.

A file over LIVEBLOG_MAX_IMAGE_BYTES is not kept while it arrives (SizeLimitUploadHandler): the
form it came with is still read, so the answer names the limit and keeps everything else.
"""

import io
import re
import secrets
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import ImageOps

# Pillow's name for each accepted format -> the extension its files are stored under.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
ACCEPTED = "JPEG, PNG, GIF or WebP"
# Enough randomness that nobody finds a draft's picture by trying names (128 bits).
TOKEN_BYTES = 16
# The names image_upload_to() gives an accepted picture: images/<yyyy>/<mm>/<token>.<extension>.
TOKEN_LENGTH = len(secrets.token_urlsafe(TOKEN_BYTES))
UPLOAD_NAME = re.compile(
    rf"images/\d{{4}}/\d{{2}}/[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}"
    rf"\.(?P<extension>{'|'.join(EXTENSIONS.values())})"
)


# Quality of a downscaled JPEG or WebP: indistinguishable from the original at its new size.
STORED_QUALITY = 90


class RefusedUpload(UploadedFile):
    """A file that arrived over the size limit: its name and size, none of its content."""

    def __init__(self, name: str, content_type: str, size: int, charset=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset)

    def __bool__(self) -> bool:
        return True  # a file was sent, even if nothing of it was kept


class SizeLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: passes each file on to Django's own handlers until it
    grows past LIVEBLOG_MAX_IMAGE_BYTES, then drops the rest as it arrives and hands the form a
    RefusedUpload (its size), which the picture field refuses naming the limit."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.over_limit = False

    def receive_data_chunk(self, raw_data: bytes, start: int):
        if self.over_limit or start + len(raw_data) > settings.LIVEBLOG_MAX_IMAGE_BYTES:
            self.over_limit = True
            return None  # the handlers after this one never see it
        return raw_data

    def file_complete(self, file_size: int):
        if self.over_limit:
            return RefusedUpload(self.file_name, self.content_type, file_size, self.charset)
        return None  # the next handler's file


def check_size(upload: UploadedFile) -> None:
    """Refuse a file over LIVEBLOG_MAX_IMAGE_BYTES, naming its size and the limit."""
    max_bytes = settings.LIVEBLOG_MAX_IMAGE_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("This file is %(size)s; pictures may be at most %(max)s. Export a smaller JPEG."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
        )


class PictureField(forms.ImageField):
    """Django's ImageField without its file-name check: validate_image() judges the content.
    A file over the size limit is refused before anything tries to read it.

    The name check passes "report.pdf" (Pillow writes PDFs) and refuses a picture with no
    extension; neither says anything about what the file is.
    """

    default_validators = []

    def to_python(self, data):
        if isinstance(data, UploadedFile):
            check_size(data)
        return super().to_python(data)


def validate_image(upload: UploadedFile) -> UploadedFile:
    """Refuse anything but a JPEG, PNG, GIF or WebP within the size and pixel limits.

    Returns the upload renamed to its real format's extension, which image_upload_to() keeps,
    downscaled to LIVEBLOG_IMAGE_LONG_EDGE where it is larger. Raises ValidationError with a
    message for editors.
    """
    extension, width, height = inspect_image(upload)
    upload = downscaled(upload, extension, width, height)
    upload.name = f"picture.{extension}"
    return upload


def downscaled(upload: UploadedFile, extension: str, width: int, height: int) -> UploadedFile:
    """The picture with its long edge brought down to LIVEBLOG_IMAGE_LONG_EDGE, upright (its
    EXIF orientation applied) and without the camera's metadata (a photographer's position);
    the upload itself when it is small enough, or animated (a GIF keeps its frames).

    A JPEG is decoded at a reduced scale first (Pillow's draft mode), so a 24-megapixel file
    takes a fraction of a second and a fraction of the memory.
    """
    edge = settings.LIVEBLOG_IMAGE_LONG_EDGE
    if not edge or max(width, height) <= edge:
        return upload
    upload.seek(0)
    with PILImage.open(upload) as original:
        if getattr(original, "is_animated", False):
            upload.seek(0)
            return upload
        kind = original.format
        original.draft("RGB", (edge, edge))
        picture = ImageOps.exif_transpose(original)
        picture.thumbnail((edge, edge), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
        if kind == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        buffer = io.BytesIO()
        # The colour profile stays (an Adobe RGB photo would otherwise shift its colours).
        options = {"icc_profile": original.info.get("icc_profile")}
        if kind in ("JPEG", "WEBP"):
            options["quality"] = STORED_QUALITY
        picture.save(buffer, kind, optimize=kind == "JPEG", **options)
    upload.seek(0)
    size = buffer.tell()
    buffer.seek(0)
    return InMemoryUploadedFile(
        buffer, "file", f"picture.{extension}", upload.content_type, size, None
    )


def inspect_image(upload: UploadedFile) -> tuple[str, int, int]:
    """The picture's extension, width and height, if the site accepts it (ValidationError
    otherwise): the one set of upload rules, for the admin, the API and restored backups."""
    check_size(upload)
    upload.seek(0)
    try:
        with PILImage.open(upload) as picture:
            kind, (width, height) = picture.format, picture.size
    except PILImage.DecompressionBombError:
        raise ValidationError(
            "This picture has far too many pixels. Scale it down first.", code="too_many_pixels"
        ) from None
    except Exception:  # Pillow raises many kinds of errors for a bad file.
        raise ValidationError(
            "This file is not a picture Pillow can read. Upload a %(accepted)s.",
            code="invalid_image",
            params={"accepted": ACCEPTED},
        ) from None
    finally:
        upload.seek(0)
    if kind not in EXTENSIONS:
        raise ValidationError(
            "This file is a %(kind)s picture; upload a %(accepted)s instead.",
            code="unsupported_format",
            params={"kind": kind, "accepted": ACCEPTED},
        )
    max_pixels = settings.LIVEBLOG_MAX_IMAGE_PIXELS
    if width * height > max_pixels:
        raise ValidationError(
            "This picture is %(width)s × %(height)s pixels (%(megapixels).1f megapixels); "
            "the limit is %(max).1f megapixels. Scale it down first.",
            code="too_many_pixels",
            params={
                "width": width,
                "height": height,
                "megapixels": width * height / 1e6,
                "max": max_pixels / 1e6,
            },
        )
    return EXTENSIONS[kind], width, height


def image_upload_to(image, filename: str) -> str:
    """images/<year>/<month>/<random token>.<extension>: a name nobody can guess.

    Pictures of unpublished entries are files like any other once stored; only an unguessable
    name keeps them from being found before the entry is. The extension is the one
    validate_image() gave the upload; a name without an accepted one is stored as .bin, which no
    server sends as something a browser runs or displays.
    """
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    extension = "jpg" if extension == "jpeg" else extension
    if extension not in EXTENSIONS.values():
        extension = "bin"
    return f"images/{timezone.now():%Y/%m}/{secrets.token_urlsafe(TOKEN_BYTES)}.{extension}"


def is_upload_name(name: str, extension: str) -> bool:
    """Whether `name` is one image_upload_to() gives a picture of this extension: the only kind
    of name a stored picture has (a restored backup keeps a bundle's name only if it is one)."""
    match = UPLOAD_NAME.fullmatch(name)
    return match is not None and match["extension"] == extension
