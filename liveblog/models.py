"""Live blogs, their entries, and the images placed in them."""

import datetime
import hashlib
import json
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from liveblog import body as body_markup
from liveblog import caching, uploads

# First path segments the site itself uses: a blog with one of these slugs would be unreachable.
RESERVED_SLUGS = frozenset({"admin", "api", "search", "sitemap.xml", "healthz", "static", "media"})


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name such as Europe/London.")


class BlogStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    UPCOMING = "upcoming", "Upcoming"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class BlogQuerySet(models.QuerySet):
    def public(self):
        """Blogs readers may see: everything but drafts."""
        return self.exclude(status=BlogStatus.DRAFT)

    def live(self):
        return self.filter(status=BlogStatus.LIVE)

    def search(self, query: str):
        """Blogs whose title, standfirst or intro match the query, best first (see search.py)."""
        from liveblog import search

        return search.search(
            self, query, vector=search.blog_vector(), fields=["title", "standfirst", "intro"]
        )


class Blog(models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The blog's address on the site."
    )
    standfirst = models.TextField(blank=True, help_text="One sentence under the title.")
    key_points = models.JSONField(
        default=list, blank=True, help_text="“What you need to know”, in the order shown."
    )
    intro = models.TextField(
        blank=True, help_text="Paragraphs before the entries, separated by a blank line."
    )
    status = models.CharField(max_length=10, choices=BlogStatus.choices, default=BlogStatus.DRAFT)
    coverage_date = models.DateField(null=True, blank=True, help_text="The day the blog covers.")
    starts_at = models.DateTimeField(
        null=True, blank=True, help_text="When coverage starts; shown while the blog is upcoming."
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Entry times are shown in this zone, e.g. Europe/Kyiv.",
    )
    closed_notice = models.TextField(
        blank=True, help_text="Shown at the top once the blog is closed."
    )
    attribution = models.CharField(max_length=300, blank=True, help_text="Shown as “Source: …”.")
    source_published = models.CharField(
        max_length=100, blank=True, help_text="Publication date as the source gave it."
    )
    source_updated = models.CharField(
        max_length=100, blank=True, help_text="Last-updated date as the source gave it."
    )
    # Import provenance: which file the blog came from and what that file held last time.
    source_format = models.CharField(max_length=1, blank=True, editable=False)
    source_name = models.CharField(max_length=255, blank=True, editable=False)
    source_url = models.URLField(blank=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Hash of the blog-level fields as last imported: differs once an editor changes them.
    import_hash = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped on every change a reader could see; entries record the revision that last changed them,
    # so pollers and caches can ask for "everything after revision N".
    revision = models.PositiveIntegerField(default=0, editable=False)
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BlogQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_name"], condition=~Q(source_name=""), name="blog_unique_source_name"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BlogStatus.values), name="blog_status_valid"
            ),
        ]
        indexes = [
            # The public index: live blogs first, then the rest, most recently changed first.
            models.Index(fields=["status", "-changed_at"], name="blog_status_changed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("liveblog:blog-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            message = f"“{self.slug}” is used by the site itself; choose another."
            raise ValidationError({"slug": message})

    @property
    def is_public(self) -> bool:
        return self.status != BlogStatus.DRAFT

    @property
    def is_as_imported(self) -> bool:
        """Nothing changed since the last import, so the source's own dates still describe it."""
        if self.imported_at is None:
            return False
        return self.changed_at - self.imported_at < datetime.timedelta(minutes=1)

    @property
    def is_live(self) -> bool:
        return self.status == BlogStatus.LIVE

    @property
    def is_closed(self) -> bool:
        return self.status == BlogStatus.CLOSED

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def intro_paragraphs(self) -> list[str]:
        return body_markup.split_paragraphs(self.intro)

    def bump_revision(self) -> int:
        """Record a reader-visible change; return the new revision (locks the blog row)."""
        caching.forget_recent_states()
        with transaction.atomic():
            Blog.objects.filter(pk=self.pk).update(
                revision=F("revision") + 1, changed_at=timezone.now()
            )
            self.revision, self.changed_at = (
                Blog.objects.filter(pk=self.pk).values_list("revision", "changed_at").get()
            )
        return self.revision

    def go_live(self) -> None:
        self._set_status(BlogStatus.LIVE, closed_at=None)

    def close(self) -> None:
        self._set_status(BlogStatus.CLOSED, closed_at=timezone.now())

    def reopen(self) -> None:
        self.go_live()

    def _set_status(self, status: str, *, closed_at) -> None:
        self.status = status
        self.closed_at = closed_at
        with transaction.atomic():
            self.save(update_fields=["status", "closed_at", "updated_at"])
            self.bump_revision()


class Image(models.Model):
    alt_text = models.TextField(help_text="Describes the picture for readers who cannot see it.")
    credit = models.CharField(max_length=200, blank=True, help_text="Photographer / agency.")
    is_file_photo = models.BooleanField(
        "file photo", default=False, help_text="An archive picture, shown to readers as “File:”."
    )
    file = models.ImageField(
        upload_to=uploads.image_upload_to, blank=True, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    source_url = models.URLField(blank=True, help_text="Where the picture came from, if known.")
    # Imports find the same picture again by this key, so one picture is one Image.
    import_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="image_unique_import_key"
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text[:80] or f"Image {self.pk}"

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    @staticmethod
    def key_for(*, alt: str, credit: str, file_photo: bool) -> str:
        raw = json.dumps([alt, credit, file_photo], ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()


def entry_content_hash(headline: str, blocks: list[dict]) -> str:
    raw = json.dumps([headline, blocks], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


class EntryQuerySet(models.QuerySet):
    def published(self):
        """Entries readers may see: published, due, and in a public blog."""
        return self.filter(
            Q(published_at__isnull=True) | Q(published_at__lte=timezone.now()),
            status=EntryStatus.PUBLISHED,
        ).exclude(blog__status=BlogStatus.DRAFT)

    def for_blog(self, blog):
        return self.filter(blog=blog)

    def key_events(self):
        return self.filter(is_key_event=True)

    def newest_first(self):
        return self.order_by("-is_pinned", "-order", "-id")

    def since(self, revision: int):
        """Entries changed after the given blog revision."""
        return self.filter(revision__gt=revision)

    def due(self):
        """Published and due, whatever the blog's status: what a staff preview of a draft shows."""
        return self.filter(
            Q(published_at__isnull=True) | Q(published_at__lte=timezone.now()),
            status=EntryStatus.PUBLISHED,
        )

    def search(self, query: str):
        """Entries whose headline or body match the query, best first (see search.py)."""
        from liveblog import search

        return search.search(self, query, vector=search.entry_vector(), fields=["headline", "body"])

    def needing_attention(self):
        """Entries with a link stub that lost its address (`[text]()`) or a picture with no file.

        An Exists subquery rather than a join, so counts annotated on captions stay right.
        """
        fileless = Caption.objects.filter(entry=models.OuterRef("pk"), image__file="")
        return self.filter(Q(body__contains="]()") | models.Exists(fileless))


class Entry(models.Model):
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="entries")
    headline = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text=body_markup.HELP_TEXT)
    order = models.IntegerField(
        default=0, help_text="Higher shows first. New entries go on top of the stream."
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Shown as the entry's time. A time in the future schedules the entry.",
    )
    is_key_event = models.BooleanField("key event", default=False)
    is_pinned = models.BooleanField("pinned", default=False, help_text="Shown first. One per blog.")
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="liveblog_entries"
    )
    revision = models.PositiveIntegerField(default=0, editable=False)
    # Optimistic concurrency: every save increments it; a save based on an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Re-import finds the entry by import_key and compares import_hash with the current content to
    # tell whether an editor changed it since.
    import_key = models.CharField(max_length=64, blank=True, editable=False)
    import_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-order", "-id"]
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(
                fields=["blog"], condition=Q(is_pinned=True), name="entry_one_pinned_per_blog"
            ),
            models.UniqueConstraint(
                fields=["blog", "import_key"],
                condition=~Q(import_key=""),
                name="entry_unique_import_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="entry_status_valid"
            ),
        ]
        indexes = [
            # A blog's stream: its published entries, newest first.
            models.Index(fields=["blog", "status", "-order"], name="entry_blog_status_order_idx"),
            # Live updates: what changed in a blog after revision N.
            models.Index(fields=["blog", "revision"], name="entry_blog_revision_idx"),
            # Validators and cache keys: a blog's newest entry already due (one index seek, not a
            # scan of the whole stream, on every page view and live check).
            models.Index(
                fields=["blog", "status", "published_at"], name="entry_blog_status_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs):
        if self._state.adding and not self.order and self.blog_id:
            self.order = Entry.next_order(self.blog_id)
        with transaction.atomic():
            self.revision = self.blog.bump_revision()
            if not self._state.adding:
                self.version = F("version") + 1
            super().save(*args, **kwargs)
            if not self._state.adding:
                self.refresh_from_db(fields=["version"])

    def get_absolute_url(self) -> str:
        return reverse("liveblog:entry-detail", kwargs={"slug": self.blog.slug, "pk": self.pk})

    @staticmethod
    def next_order(blog_id: int) -> int:
        top = Entry.objects.filter(blog_id=blog_id).aggregate(top=models.Max("order"))["top"]
        return (top or 0) + 1

    @property
    def is_visible(self) -> bool:
        """Whether readers may see it now (its blog's status aside)."""
        due = self.published_at is None or self.published_at <= timezone.now()
        return self.status == EntryStatus.PUBLISHED and due

    def text_blocks(self) -> list[dict]:
        return body_markup.parse(self.body)

    def blocks(self, captions=None) -> list[dict]:
        """The document's blocks: body blocks with images at their positions.

        Reads self.captions.all(), so prefetch captions__image when doing this for many entries.
        """
        if captions is None:
            captions = self.captions.all()
        placed = [(c.position, c.as_block()) for c in captions]
        return body_markup.place_images(self.text_blocks(), placed)

    def display_blocks(self) -> list[dict]:
        """Blocks for templates: image blocks carry the Caption itself as "caption_obj"."""
        placed = [(c.position, {"type": "image", "caption_obj": c}) for c in self.captions.all()]
        return body_markup.place_images(self.text_blocks(), placed)

    def content_hash(self, captions=None) -> str:
        """Hash of what an import writes: headline and blocks."""
        return entry_content_hash(self.headline, self.blocks(captions))

    @property
    def is_edited_since_import(self) -> bool:
        return bool(self.import_hash) and self.import_hash != self.content_hash()

    def publish(self) -> None:
        self.status = EntryStatus.PUBLISHED
        self.save()

    def unpublish(self) -> None:
        self.status = EntryStatus.DRAFT
        self.save()

    def pin(self) -> None:
        """Pin this entry, unpinning whichever entry of the blog was pinned before."""
        with transaction.atomic():
            pinned = Entry.objects.filter(blog_id=self.blog_id, is_pinned=True)
            for other in pinned.exclude(pk=self.pk):
                other.is_pinned = False
                other.save()
            self.is_pinned = True
            self.save()

    def unpin(self) -> None:
        self.is_pinned = False
        self.save()

    def mark_key_event(self, value: bool = True) -> None:
        self.is_key_event = value
        self.save()


class EntryRemoval(models.Model):
    """A deleted entry, kept so live pages and API pollers learn to drop it."""

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="removals")
    entry_id = models.BigIntegerField()
    revision = models.PositiveIntegerField()
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["revision"]
        indexes = [
            # Live updates: what was removed from a blog after revision N.
            models.Index(fields=["blog", "revision"], name="removal_blog_revision_idx"),
        ]

    def __str__(self) -> str:
        return f"Entry {self.entry_id} removed at revision {self.revision}"


class Correction(models.Model):
    """A dated note readers see under an entry that was changed after publication."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(help_text="What was corrected, e.g. “corrected the casualty figure”.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            # The entry's revision moves too, so live pages re-render it with the note.
            self.entry.save(update_fields=["revision", "version", "updated_at"])


class Caption(models.Model):
    """An Image placed in an entry (at a position among its blocks) or as a blog's hero."""

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="captions")
    entry = models.ForeignKey(
        Entry,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="captions",
        help_text="Leave empty for the blog's hero image.",
    )
    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="captions")
    text = models.TextField(blank=True)
    position = models.PositiveIntegerField(
        default=0, help_text="How many body blocks come before the image: 0 puts it first."
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["blog"], condition=Q(entry__isnull=True), name="caption_one_hero_per_blog"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80] or str(self.image)

    def save(self, *args, **kwargs):
        if self.entry_id and not self.blog_id:
            self.blog_id = self.entry.blog_id
        with transaction.atomic():
            # A caption moved elsewhere changes the place it left too (readers must lose it there).
            before = None
            if self.pk is not None:
                before = Caption.objects.filter(pk=self.pk).values("entry_id", "blog_id").first()
            super().save(*args, **kwargs)
            touch_owner(self)
            if before and (before["entry_id"], before["blog_id"]) != (self.entry_id, self.blog_id):
                touch_owner(Caption(entry_id=before["entry_id"], blog_id=before["blog_id"]))

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            touch_owner(self)
        return result

    def clean(self) -> None:
        if self.entry_id and self.blog_id and self.entry.blog_id != self.blog_id:
            raise ValidationError({"entry": "The entry belongs to another blog."})

    @property
    def is_hero(self) -> bool:
        return self.entry_id is None

    def as_block(self) -> dict:
        return {
            "type": "image",
            "alt": self.image.alt_text,
            "caption": self.text,
            "credit": self.image.credit,
            "file_photo": self.image.is_file_photo,
        }


def touch_owner(caption: Caption) -> None:
    """A caption change is a change of its entry (or, for a hero, of its blog)."""
    if caption.entry_id:
        entry = Entry.objects.filter(pk=caption.entry_id).first()
        if entry is not None:
            entry.save(update_fields=["revision", "version", "updated_at"])
    elif caption.blog_id:
        Blog(pk=caption.blog_id).bump_revision()
