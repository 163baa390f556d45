"""Resized copies of uploaded images, made lazily with Pillow the first time a page asks for them.

Renditions live in MEDIA_ROOT under renditions/<image id>/, named after the original file and the
width, so a replaced upload gets fresh names (and caches never serve the old picture).
"""

import hashlib
import io
import logging
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps

logger = logging.getLogger(__name__)

WIDTHS = (320, 640, 960, 1280)
FORMATS = {"jpeg": ("jpg", "JPEG"), "webp": ("webp", "WEBP")}
QUALITY = 80


def widths_for(image) -> list[int]:
    """The rendition widths worth making for this image: none wider than the original."""
    if not image.file or not image.width:
        return []
    widths = [w for w in WIDTHS if w < image.width]
    return [*widths, min(image.width, WIDTHS[-1])]


def rendition_name(image, width: int, format: str = "jpeg") -> str:
    extension = FORMATS[format][0]
    stem = PurePosixPath(image.file.name).stem
    digest = hashlib.sha256(image.file.name.encode()).hexdigest()[:10]
    return f"renditions/{image.pk}/{stem}-{digest}-{width}w.{extension}"


def rendition_url(image, width: int, format: str = "jpeg") -> str:
    """URL of the image resized to `width` pixels wide, creating the file if needed.

    Falls back to the original's URL when the original cannot be read.
    """
    if not image.file:
        return ""
    name = rendition_name(image, width, format)
    if not default_storage.exists(name):
        try:
            _render(image, width, format, name)
        except (OSError, ValueError) as error:
            logger.warning("could not make rendition %s: %s", name, error)
            return image.file.url
    return default_storage.url(name)


def srcset(image, format: str = "jpeg") -> str:
    """A srcset attribute value listing the image's renditions ("url 320w, url 640w, ...")."""
    return ", ".join(f"{rendition_url(image, w, format)} {w}w" for w in widths_for(image))


def _render(image, width: int, format: str, name: str) -> None:
    with image.file.open("rb") as source, PILImage.open(source) as original:
        picture = ImageOps.exif_transpose(original)
        if picture.width > width:
            height = round(picture.height * width / picture.width)
            picture = picture.resize((width, max(height, 1)), PILImage.Resampling.LANCZOS)
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        buffer = io.BytesIO()
        picture.save(buffer, FORMATS[format][1], quality=QUALITY, optimize=True)
    default_storage.save(name, ContentFile(buffer.getvalue()))
