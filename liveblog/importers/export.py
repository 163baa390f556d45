"""Blog -> the document of SEED_FORMAT.md, plus everything an editor can see or set: the backup.

The document's own keys come first and equal what an import of the seed gives; the backup's keys
follow: the blog's status and dates, every other editable field by its name (generically, so a
field added to Blog later travels without a change here), the import notes, and per entry its
key, flags, time, authors (by username) and corrections. Pictures are a table of their own,
`images`, each with its key, fields, file name and the file's SHA-256; image blocks and the hero
name theirs in `image_keys` / `hero_image_key`. `export_bundle()` puts the files beside it.

Nothing depends on database ids, the clock or the order rows happen to come back in, so a
restored backup exports to the same bytes.
"""

import io

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from liveblog.importers.bundle import file_sha256, write_bundle
from liveblog.importers.fields import generic_blog_fields, to_document
from liveblog.models import Blog, Caption, Correction, Entry, Image


def blogs_for_export(queryset: QuerySet | None = None) -> QuerySet:
    """Blogs with everything export reads, in a fixed number of queries."""
    queryset = Blog.objects.all() if queryset is None else queryset
    return queryset.order_by("slug").prefetch_related(
        Prefetch(
            "captions",
            queryset=Caption.objects.filter(entry__isnull=True).select_related("image"),
            to_attr="hero_captions",
        ),
        Prefetch(
            "entries",
            queryset=Entry.objects.order_by("-sort_key", "-id").prefetch_related(
                "captions__image",
                Prefetch("authors", queryset=get_user_model().objects.order_by("pk")),
                Prefetch("corrections", queryset=Correction.objects.select_related("author")),
            ),
        ),
    )


def image_key(image: Image) -> str:
    """How a backup names a picture: its import key, or its id for one made in the admin."""
    return image.import_key or f"image-{image.pk}"


class Export:
    """Exports blogs, collecting the pictures they show so that a bundle can carry the files."""

    def __init__(self):
        self.files: dict[str, bytes] = {}  # storage name -> content
        self.missing: list[str] = []  # files the database names but storage does not hold

    def blog(self, blog: Blog) -> dict:
        hero = blog.hero_captions[0] if getattr(blog, "hero_captions", None) else _hero(blog)
        entries = list(blog.entries.all())
        document = {
            "format": blog.source_format or None,
            "title": blog.title,
            "standfirst": blog.standfirst or None,
            # Format A gives a day and month but no year, so its own date is always null; the
            # coverage date an editor or sidecar supplied travels as coverage_date.
            "date": None
            if blog.source_format == "A" or not blog.coverage_date
            else blog.coverage_date.isoformat(),
            "published": blog.source_published or None,
            "updated": blog.source_updated or None,
            "key_points": list(blog.key_points),
            "hero_image": hero.as_block() if hero else None,
            "intro": blog.intro_paragraphs(),
            "closed_notice": blog.closed_notice or None,
            "source": blog.attribution or None,
            "entries": [self.entry(entry) for entry in entries],
            "slug": blog.slug,
            "status": blog.status,
            "coverage_date": blog.coverage_date.isoformat() if blog.coverage_date else None,
            "time_zone": blog.time_zone,
            "source_name": blog.source_name or None,
            "source_url": blog.source_url or None,
        }
        for field in generic_blog_fields():
            document[field.name] = to_document(getattr(blog, field.name))
        document["closed_at"] = to_document(blog.closed_at)
        document["import_notes"] = blog.import_notes.splitlines()
        document["hero_image_key"] = image_key(hero.image) if hero else None
        pictures = {hero.image.pk: hero.image} if hero else {}
        for entry in entries:
            pictures.update((caption.image.pk, caption.image) for caption in entry.captions.all())
        records = [self.picture(image) for image in pictures.values()]
        document["images"] = sorted(records, key=lambda record: record["key"])
        return document

    def entry(self, entry: Entry) -> dict:
        captions = list(entry.captions.all())
        return {
            "headline": entry.headline,
            "blocks": [_canonical(block) for block in entry.blocks(captions)],
            "key": entry.import_key or f"entry-{entry.pk}",
            "order": entry.order,
            "status": entry.status,
            "is_key_event": entry.is_key_event,
            "is_pinned": entry.is_pinned,
            "published_at": to_document(entry.published_at),
            "changed_at": to_document(entry.changed_at),
            "language": entry.language or None,
            # Approval and the verification label, with the label's history readers see.
            "submitted_at": to_document(entry.submitted_at),
            "return_note": entry.return_note,
            "verification": entry.verification,
            "verification_note": entry.verification_note,
            "verified_at": to_document(entry.verified_at),
            "verification_history": entry.verification_log,
            "authors": sorted(author.get_username() for author in entry.authors.all()),
            "corrections": [
                {
                    "text": correction.text,
                    "author": correction.author.get_username() if correction.author else None,
                    "created_at": to_document(correction.created_at),
                }
                for correction in entry.corrections.all()
            ],
            # The picture of each image block, in the order of the blocks (captions' order).
            "image_keys": [image_key(caption.image) for caption in _placed_order(captions)],
        }

    def picture(self, image: Image) -> dict:
        record = {
            "key": image_key(image),
            "alt": image.alt_text,
            "credit": image.credit,
            "file_photo": image.is_file_photo,
            "source_url": image.source_url or None,
            "file": image.file.name or None,
            "sha256": None,
        }
        if image.file:
            try:
                with image.file.open("rb") as handle:
                    content = handle.read()
            except OSError:
                # Named but gone from storage: the backup says so rather than naming a file it
                # cannot bring (the command warns).
                self.missing.append(image.file.name)
                record["file"] = None
            else:
                record["sha256"] = file_sha256(content)
                self.files[image.file.name] = content
        return record


def _canonical(block: dict) -> dict:
    """The block with its keys in one order, "type" first: PostgreSQL's jsonb gives stored
    blocks back with their keys sorted, SQLite as written, and a backup must not depend on it."""
    return {"type": block["type"], **{key: block[key] for key in sorted(block) if key != "type"}}


def _placed_order(captions: list[Caption]) -> list[Caption]:
    """Captions in the order `Entry.blocks()` places them (by position, stable)."""
    return sorted(captions, key=lambda caption: caption.position)


def export_blog(blog: Blog) -> dict:
    return Export().blog(blog)


def export_bundle(document, export: Export) -> bytes:
    """The backup bundle (a zip) of an exported document and the files its pictures show."""
    out = io.BytesIO()
    write_bundle(out, document, export.files)
    return out.getvalue()


def _hero(blog: Blog) -> Caption | None:
    return blog.captions.filter(entry__isnull=True).select_related("image").first()
