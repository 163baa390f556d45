"""Resized copies of uploaded images, made once with Pillow when the upload commits.

Renditions live in the default storage under renditions/<image id>/, named after the original
file and the width, so a replaced upload gets fresh names (and caches never serve the old
picture). A name is all a page needs: building URLs never asks the storage anything, which on
object storage would be a network round trip per width.

`make_renditions(image)` runs in the background after the commit that saved an image with a
file (`make_renditions_later`, from `make_after_commit`, connected in apps.py) and from
`manage.py make_renditions` for images uploaded before; it writes the largest JPEG last, so that
file's presence means the set is complete.
"""

import enum
import hashlib
import io
import logging
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageOps

logger = logging.getLogger(__name__)

# Steps for srcset; the largest rendition follows the original's width up to MAX_WIDTH, which
# covers a full-width picture on a 2x laptop screen without shipping a 6000-pixel original.
WIDTHS = (320, 640, 960, 1280, 1600)
MAX_WIDTH = 2048
FORMATS = {"jpeg": ("jpg", "JPEG"), "webp": ("webp", "WEBP")}
QUALITY = 80


def widths_for(image) -> list[int]:
    """The rendition widths of this image, narrowest first: none wider than the original."""
    if not image.file or not image.width:
        return []
    largest = min(image.width, MAX_WIDTH)
    return [*(w for w in WIDTHS if w < largest), largest]


def nearest_width(image, wanted: int) -> int | None:
    """The narrowest rendition at least `wanted` pixels wide, or the widest there is."""
    widths = widths_for(image)
    if not widths:
        return None
    return next((w for w in widths if w >= wanted), widths[-1])


def rendition_name(image, width: int, format: str = "jpeg") -> str:
    extension = FORMATS[format][0]
    stem = PurePosixPath(image.file.name).stem
    digest = hashlib.sha256(image.file.name.encode()).hexdigest()[:10]
    return f"renditions/{image.pk}/{stem}-{digest}-{width}w.{extension}"


def rendition_url(image, width: int, format: str = "jpeg") -> str:
    """URL of the rendition nearest `width` (see nearest_width); "" without a file.

    Derived from the name alone: no storage lookups while a page renders.
    """
    if not image.file:
        return ""
    made = nearest_width(image, width)
    if made is None:
        return image.file.url
    return image.file.storage.url(rendition_name(image, made, format))


def srcset(image, format: str = "jpeg") -> str:
    """A srcset attribute value listing the image's renditions ("url 320w, url 640w, ...")."""
    return ", ".join(f"{rendition_url(image, w, format)} {w}w" for w in widths_for(image))


def names_for(image) -> list[str]:
    """Every rendition's name, in the order they are written (the largest JPEG last)."""
    names = []
    for width in widths_for(image):
        names += [rendition_name(image, width, "webp"), rendition_name(image, width, "jpeg")]
    # webp, jpeg per width: the final name is the widest JPEG, the set's completion marker.
    return names


def has_renditions(image) -> bool:
    """Whether the set is complete (one storage lookup: the last file written)."""
    names = names_for(image)
    return bool(names) and image.file.storage.exists(names[-1])


class Outcome(enum.StrEnum):
    MADE = "made"
    COMPLETE = "already complete"
    COPIED = "original copied (Pillow could not resize it)"
    FAILED = "failed"
    NO_FILE = "no file"


def make_renditions(image, *, force: bool = False) -> Outcome:
    """Write the image's renditions to its storage.

    A complete set is kept unless `force`. A picture Pillow cannot resize gets copies of its
    original under the rendition names, so pages still show it; the error is logged. Storage
    errors propagate.
    """
    if not image.file or not image.width:
        return Outcome.NO_FILE
    storage = image.file.storage
    names = names_for(image)
    if not force and storage.exists(names[-1]):
        return Outcome.COMPLETE
    outcome = Outcome.MADE
    try:
        files = list(_render(image))
    except (OSError, ValueError, PILImage.DecompressionBombError) as error:
        logger.error(
            "image %s: could not make renditions (%s); using the original", image.pk, error
        )
        files, outcome = _original_copies(image, names)
    for name, content in files:
        # Storages do not overwrite: a name still taken would get a random suffix instead.
        if storage.exists(name):
            storage.delete(name)
        storage.save(name, ContentFile(content))
    return outcome


def make_after_commit(sender, instance, raw: bool = False, **kwargs) -> None:
    """post_save of Image: make its renditions once the save commits, never while a page renders
    (`make_renditions_later`)."""
    if raw or not instance.file or not instance.width:
        return
    make_renditions_later(instance)


def make_renditions_later(image) -> None:
    """Make the image's renditions in the background, once the save that stored its file
    commits: the one place that decides when and where they are made.

    Today a callback after the commit, in the request that uploaded the picture (which still
    holds the stored, already downscaled file); it becomes a task of the background queue
    (django-tasks) by changing this function alone. `robust`: a failure is logged and the
    upload stands (`manage.py make_renditions` repairs it later).
    """

    def make() -> None:
        make_renditions(image)

    transaction.on_commit(make, robust=True)


def _render(image):
    """(name, bytes) of every rendition, in names_for()'s order."""
    with image.file.open("rb") as source, PILImage.open(source) as original:
        picture = ImageOps.exif_transpose(original)
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        for width in widths_for(image):
            resized = picture
            if picture.width > width:
                height = max(round(picture.height * width / picture.width), 1)
                # reducing_gap: shrink by whole factors first, then resample; much faster on
                # large originals and indistinguishable at these sizes.
                resized = picture.resize(
                    (width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0
                )
            for format in ("webp", "jpeg"):
                buffer = io.BytesIO()
                resized.save(buffer, FORMATS[format][1], quality=QUALITY, optimize=True)
                yield rendition_name(image, width, format), buffer.getvalue()


def _original_copies(image, names: list[str]) -> tuple[list[tuple[str, bytes]], Outcome]:
    try:
        with image.file.open("rb") as source:
            content = source.read()
    except OSError as error:
        # Nothing to show at all; `manage.py make_renditions` will try again.
        logger.error("image %s: could not read the original either (%s)", image.pk, error)
        return [], Outcome.FAILED
    return [(name, content) for name in names], Outcome.COPIED
