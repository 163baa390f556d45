"""Uploaded pictures: which files are accepted, and the names they are stored under.

The admin form and the API both call validate_image(), so they accept exactly the same files.
A file's format is read from its content, never from the name or content type the uploader sent:
a PNG named "report.pdf" is stored as .png, so no server ever sends it as a PDF.
"""

import re
import secrets
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image as PILImage

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


class PictureField(forms.ImageField):
    """Django's ImageField without its file-name check: validate_image() judges the content.

    The name check passes "report.pdf" (Pillow writes PDFs) and refuses a picture with no
    extension; neither says anything about what the file is.
    """

    default_validators = []


def validate_image(upload: UploadedFile) -> UploadedFile:
    """Refuse anything but a JPEG, PNG, GIF or WebP within the size and pixel limits.

    Returns the upload renamed to its real format's extension, which image_upload_to() keeps.
    Raises ValidationError with a message for editors.
    """
    extension, _width, _height = inspect_image(upload)
    upload.name = f"picture.{extension}"
    return upload


def inspect_image(upload: UploadedFile) -> tuple[str, int, int]:
    """The picture's extension, width and height, if the site accepts it (ValidationError
    otherwise): the one set of upload rules, for the admin, the API and restored backups."""
    max_bytes = settings.LIVEBLOG_MAX_IMAGE_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            "This file is %(size)s; pictures may be at most %(max)s. Export a smaller JPEG.",
            code="too_large",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
        )
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
