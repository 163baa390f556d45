"""Small factory functions for tests: each makes one saved object with sensible defaults."""

from itertools import count

from liveblog.models import Blog, BlogStatus, Caption, Entry, EntryStatus, Image, sort_key_for

_serial = count(1)


def make_blog(**fields) -> Blog:
    n = next(_serial)
    fields.setdefault("title", f"Live blog {n}")
    fields.setdefault("slug", f"live-blog-{n}")
    fields.setdefault("status", BlogStatus.LIVE)
    return Blog.objects.create(**fields)


def make_entry(blog: Blog, **fields) -> Entry:
    n = next(_serial)
    fields.setdefault("headline", f"Headline {n}")
    fields.setdefault("body", f"Paragraph of entry {n}.")
    fields.setdefault("status", EntryStatus.PUBLISHED)
    return Entry.objects.create(blog=blog, **fields)


def make_untimed_entry(blog: Blog, *, order: int, **fields) -> Entry:
    """A published entry without a time, placed by `order`, as imports of text seeds make them
    (publishing through the verbs always gives an entry its time)."""
    entry = make_entry(blog, order=order, **fields)
    # As an import writes it: no time of its own, none of a change readers saw.
    Entry.objects.filter(pk=entry.pk).update(
        published_at=None, changed_at=None, sort_key=sort_key_for(None, order)
    )
    entry.refresh_from_db()
    return entry


def make_image(**fields) -> Image:
    n = next(_serial)
    fields.setdefault("alt_text", f"Picture {n}")
    fields.setdefault("credit", "Reuters")
    return Image.objects.create(**fields)


def make_caption(*, blog: Blog | None = None, entry: Entry | None = None, **fields) -> Caption:
    fields.setdefault("text", "A caption")
    if "image" not in fields:
        fields["image"] = make_image()
    return Caption.objects.create(blog=blog or entry.blog, entry=entry, **fields)


def image_upload(name: str = "picture.png", width: int = 40, height: int = 30, fmt: str = "PNG"):
    """An in-memory uploaded picture of the given size, for ImageFields and upload endpoints."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def make_member(blog: Blog, username: str, role: str = "contributor", **fields):
    """A user on the blog's team in `role` (contributor, editor or admin), with a full name."""
    from django.contrib.auth import get_user_model

    from liveblog.teams.models import Membership

    fields.setdefault("first_name", username.title())
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username, password="pw", **fields)
    Membership.objects.create(blog=blog, user=user, role=role)
    user.refresh_from_db()
    return user
