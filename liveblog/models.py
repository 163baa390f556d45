"""Live blogs, their entries, and the images placed in them: the domain's one core.

Every surface (admin, live desk, API, loader, feeds, views) acts through the verbs and reads
through the QuerySet methods defined here; none of them restates a rule.

The change log: every reader-visible change of a blog (an entry published, edited, corrected,
pinned, unpublished or deleted; the blog's own fields, status or hero) is one `Change` row,
written in the same transaction as the change by the write paths here (`save()`, the verbs and
their bulk twins), carrying the blog's next revision. `Change.objects.take()` hands revisions
out through `Blog.objects.bump()` (an F() increment that locks the blog row until commit, so
revisions become visible in order). liveblog.stream is the log's one reader: "what changed since
revision N" for pollers, feeds and everything that pushes changes out; liveblog.freshness builds
states, ETags and cache keys from the revision. Writers of a blog's entries always lock the blog
row first, so they never deadlock with each other.
"""

import datetime
import functools
import hashlib
import json
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from liveblog import body as body_markup
from liveblog import languages, search, uploads
from liveblog.bulk import BulkHistory, BulkQuerySet, history_of

# First path segments the site itself uses: a blog with one of these slugs would be unreachable.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "search", "sitemap.xml", "healthz", "static", "media", "oembed", "jsi18n"}
)

# Sent on commit after a blog's revision moved (kwargs: pk, revision). Infrastructure only:
# liveblog.freshness forgets what it remembered of the blog's state.
blog_changed = Signal()


@functools.cache
def time_zone_names() -> frozenset[str]:
    """The IANA names this system knows. Found by walking the zone files (about 20 ms), so once
    per process: every blog save and every imported file validates its zone."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(f"{value!r} is not an IANA time zone name such as Europe/London.")


# Times every page can show in every zone: Python's datetime ends at the years 1 and 9999, so a
# time near either end overflows when a page converts it to a blog's zone (UTC-12 to UTC+14).
EARLIEST_TIME = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST_TIME = datetime.datetime(9001, 1, 1, tzinfo=datetime.UTC)


def validate_showable_time(value: datetime.datetime | datetime.date) -> None:
    """Refuse times and dates outside the years 1900 to 9000 (on every write path: forms and
    serializers pick field validators up, and so does import validation)."""
    if isinstance(value, datetime.datetime):
        # Aware comparisons never overflow, unlike converting the value to UTC first.
        moment = value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
        inside = EARLIEST_TIME <= moment < LATEST_TIME
    else:
        inside = EARLIEST_TIME.date() <= value < LATEST_TIME.date()
    if not inside:
        raise ValidationError("Give a date between the years 1900 and 9000.", code="out_of_range")


# A blog's fields the change log keeps (never written by Blog.save: a full save of a blog read
# earlier would put back old values).
BOOKKEEPING = frozenset(
    {"revision", "changed_at", "state_version", "entry_count", "key_event_count"}
)


class BlogStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    UPCOMING = "upcoming", _("Upcoming")
    LIVE = "live", _("Live")
    CLOSED = "closed", _("Closed")

    @classmethod
    def allows(cls, old: str, new: str) -> bool:
        """Whether a blog may go from status `old` to `new` (staying put is always allowed)."""
        return old == new or new in BLOG_TRANSITIONS.get(old, ())

    @classmethod
    def refusal(cls, old: str, new: str) -> str | None:
        """Why a blog may not go from `old` to `new`, for editors; None when it may."""
        if cls.allows(old, new):
            return None
        return _("A %(old)s blog cannot become %(new)s.") % {
            "old": str(cls(old).label).lower(),
            "new": str(cls(new).label).lower(),
        }


# Where each status may go. A live or closed blog never becomes "upcoming" again: its coverage
# has started. Any public blog can be taken off the site (back to draft).
BLOG_TRANSITIONS = {
    BlogStatus.DRAFT: {BlogStatus.UPCOMING, BlogStatus.LIVE, BlogStatus.CLOSED},
    BlogStatus.UPCOMING: {BlogStatus.DRAFT, BlogStatus.LIVE, BlogStatus.CLOSED},
    BlogStatus.LIVE: {BlogStatus.DRAFT, BlogStatus.CLOSED},
    BlogStatus.CLOSED: {BlogStatus.DRAFT, BlogStatus.LIVE},
}


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


def can_preview(user, model) -> bool:
    """Whether the user may see unpublished objects of this model (Editors and superusers).

    Staff status alone is not enough: a staff account without permissions sees what readers see.
    The first call per request loads the user's permissions (one or two queries).
    """
    if user is None or not user.is_authenticated:
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )


class BlogQuerySet(models.QuerySet):
    def public(self):
        """Blogs readers may see: everything but drafts."""
        return self.exclude(status=BlogStatus.DRAFT)

    def visible_to(self, user):
        """What this user may read: every blog for editors, public blogs for everyone else."""
        return self.all() if can_preview(user, Blog) else self.public()

    def search(self, query: str, *, language: str | None = None):
        """Blogs whose title, standfirst or intro match the query, best first (see search.py)."""
        return search.search(
            self,
            query,
            vector=search.blog_vector(),
            fields=["title", "standfirst", "intro"],
            language=language,
        )

    def lock(self, pk: int) -> str | None:
        """Lock the blog row until the transaction ends: taken before writing any of its entries,
        so writers of one blog queue up in one order (no deadlocks, no interleaved revisions).
        Returns the blog's text search configuration, which its entries follow."""
        found = list(self.select_for_update().filter(pk=pk).values_list("search_config", flat=True))
        return found[0] if found else None

    def bump(
        self,
        pk: int,
        count: int = 1,
        at: datetime.datetime | None = None,
        *,
        entries: int = 0,
        key_events: int = 0,
    ) -> int:
        """Move the blog's revision past `count` reader-visible changes made `at` (now), and
        its counts of entries and key events readers see by `entries` and `key_events`; return
        its new revision. Only `Change.objects.take()` calls this: every revision has its row.

        Call inside a transaction: the UPDATE keeps the blog row locked until commit, so the
        revisions handed out become visible in order. Changes that share a transaction take the
        revisions new - count + 1 ... new, one each. One query (UPDATE ... RETURNING).
        """
        connection = connections[router.db_for_write(Blog)]
        table = connection.ops.quote_name(Blog._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(at or timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET revision = revision + %s, changed_at = %s, "
                "state_version = state_version + 1, entry_count = entry_count + %s, "
                "key_event_count = key_event_count + %s WHERE id = %s RETURNING revision",
                [count, now, entries, key_events, pk],
            )
            row = cursor.fetchone()
        if row is None:
            raise Blog.DoesNotExist(f"blog {pk} is gone")
        revision = row[0]
        transaction.on_commit(
            lambda: blog_changed.send(Blog, pk=pk, revision=revision), using=connection.alias
        )
        return revision

    def mark_imported(self, pk: int) -> None:
        """Date the blog's import at its last change, which the import just made: until another
        change, the source's own dates describe it (`Blog.is_as_imported`). One query."""
        self.filter(pk=pk).update(imported_at=models.F("changed_at"))

    def touch_state(self, pk: int) -> None:
        """Record a change only editors see (a draft written or deleted, a scheduled entry
        added, moved or dropped): the desk's stream and editors' lists move on, and caches of
        the state learn when a scheduled entry falls due. No revision. One query."""
        self.filter(pk=pk).update(state_version=models.F("state_version") + 1)
        transaction.on_commit(lambda: blog_changed.send(Blog, pk=pk, revision=None))


class Blog(models.Model):
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("slug"), max_length=200, unique=True, help_text=_("The blog's address on the site.")
    )
    standfirst = models.TextField(
        _("standfirst"), blank=True, help_text=_("One sentence under the title.")
    )
    key_points = models.JSONField(
        _("key points"),
        default=list,
        blank=True,
        help_text=_("“What you need to know”, in the order shown."),
    )
    intro = models.TextField(
        _("intro"),
        blank=True,
        help_text=_("Paragraphs before the entries, separated by a blank line."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BlogStatus.choices, default=BlogStatus.DRAFT
    )
    coverage_date = models.DateField(
        _("coverage date"),
        null=True,
        blank=True,
        validators=[validate_showable_time],
        help_text=_("The day the blog covers."),
    )
    starts_at = models.DateTimeField(
        _("starts at"),
        null=True,
        blank=True,
        validators=[validate_showable_time],
        help_text=_("When coverage starts; shown while the blog is upcoming."),
    )
    closed_at = models.DateTimeField(
        _("closed at"), null=True, blank=True, editable=False, validators=[validate_showable_time]
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Entry times are shown in this zone, e.g. Europe/Kyiv."),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=languages.choices,
        default=languages.default,
        help_text=_(
            "The language the blog is written in: its page, dates and reader interface use it."
        ),
    )
    # Derived from the language on save: how search stems the blog's text (and its entries').
    search_config = search.SearchConfigField()
    translations = models.ManyToManyField(
        "self",
        blank=True,
        verbose_name=_("translations"),
        help_text=_("The same story's blogs in other languages (search engines are told of them)."),
    )
    closed_notice = models.TextField(
        _("closed notice"), blank=True, help_text=_("Shown at the top once the blog is closed.")
    )
    attribution = models.CharField(
        _("attribution"), max_length=300, blank=True, help_text=_("Shown as “Source: …”.")
    )
    source_published = models.CharField(
        _("source published"),
        max_length=100,
        blank=True,
        help_text=_("Publication date as the source gave it."),
    )
    source_updated = models.CharField(
        _("source updated"),
        max_length=100,
        blank=True,
        help_text=_("Last-updated date as the source gave it."),
    )
    # Import provenance: which file the blog came from and what that file held last time.
    source_format = models.CharField(_("source format"), max_length=1, blank=True, editable=False)
    source_name = models.CharField(_("source name"), max_length=255, blank=True, editable=False)
    source_url = models.URLField(_("source URL"), blank=True)
    source_hash = models.CharField(_("source hash"), max_length=64, blank=True, editable=False)
    # Hash of the blog-level fields as last imported: differs once an editor changes them.
    import_hash = models.CharField(_("import hash"), max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True, editable=False)
    # What the last import had to assume about its file (the reader's warnings, and authors it
    # could not find), one "file:line: what" per line: shown to editors beside "needs attention".
    import_notes = models.TextField(_("import notes"), blank=True, editable=False)
    # Moved through the change log only (never by save()): see the module docstring.
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    # Moves with the revision and with every change only editors see (drafts, scheduled
    # entries): the desk's and editors' validators, and the order of copies of the state
    # kept outside the database (liveblog.freshness).
    state_version = models.PositiveBigIntegerField(_("state version"), default=0, editable=False)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)
    # How many entries (and key events) readers see: kept by the change log in the same UPDATE
    # that hands out revisions (Change.objects.take), so no page, list or API answer counts the
    # blog's entries.
    entry_count = models.IntegerField(_("published entries"), default=0, editable=False)
    key_event_count = models.IntegerField(_("key events"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BlogQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=[*BOOKKEEPING, "updated_at", "search_config"],
        bases=[BulkHistory],
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("blog")
        verbose_name_plural = _("blogs")
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

    def save(self, *args, update_fields=None, **kwargs):
        """Save the blog's fields (never its revision, which only the change log moves) and
        record the change for readers. A changed status goes through the allowed transitions
        and sets or clears `closed_at`. Queries on update: lock and read the status, update,
        bump, the change's row (4)."""
        self.search_config = languages.search_config(self.language)
        with transaction.atomic(using=kwargs.get("using")):
            if self._state.adding:
                super().save(*args, update_fields=update_fields, **kwargs)
                return
            written = set(update_fields) if update_fields is not None else self._writable()
            written -= BOOKKEEPING
            if "language" in written:
                written.add("search_config")
            status_changed = False
            if written & {"status", "language"}:
                current = Blog.objects.select_for_update().filter(pk=self.pk)
                old, old_config = current.values_list("status", "search_config").get()
                if "status" in written and old != self.status:
                    self._change_status(old)
                    written.add("closed_at")
                    status_changed = True
                if "language" in written and old_config != self.search_config:
                    # Entries without a language of their own are in the blog's.
                    Entry.objects.filter(blog_id=self.pk, language="").update(
                        search_config=self.search_config
                    )
            super().save(*args, update_fields=written | {"updated_at"}, **kwargs)
            kind = ChangeKind.STATUS if status_changed else ChangeKind.BLOG
            (change,) = Change.objects.record(self.pk, [Change(kind=kind)])
            self.revision, self.changed_at = change.revision, change.at

    def get_absolute_url(self) -> str:
        return reverse("liveblog:blog-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            message = f"“{self.slug}” is used by the site itself; choose another."
            raise ValidationError({"slug": message})

    def _writable(self) -> set[str]:
        return {f.name for f in self._meta.concrete_fields if not f.primary_key}

    def _change_status(self, old: str) -> None:
        if refusal := BlogStatus.refusal(old, self.status):
            raise ValidationError({"status": refusal})
        if self.status == BlogStatus.CLOSED:
            self.closed_at = timezone.now()
        elif self.status == BlogStatus.LIVE or self.status == BlogStatus.DRAFT:
            # Reopened (or taken off the site): its coverage has no end any more.
            self.closed_at = None

    def set_status(self, status: str) -> None:
        """The one status transition: go live, close, reopen, take off the site (ValidationError
        if the transition is not allowed). Writes only the status and its dates."""
        self.status = status
        self.save(update_fields=["status"])

    @property
    def is_public(self) -> bool:
        return self.status != BlogStatus.DRAFT

    def is_visible_to(self, user) -> bool:
        """`BlogQuerySet.visible_to()` for this blog."""
        return self.is_public or can_preview(user, Blog)

    @property
    def is_as_imported(self) -> bool:
        """Nothing changed since the last import, so the source's own dates still describe it
        (an import ends by dating itself at the blog's last change)."""
        return self.imported_at is not None and self.changed_at <= self.imported_at

    @property
    def is_live(self) -> bool:
        return self.status == BlogStatus.LIVE

    @property
    def is_closed(self) -> bool:
        return self.status == BlogStatus.CLOSED

    @property
    def direction(self) -> str:
        return languages.direction(self.language)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def intro_paragraphs(self) -> list[str]:
        return body_markup.split_paragraphs(self.intro)


class Image(models.Model):
    alt_text = models.TextField(
        _("alt text"), help_text=_("Describes the picture for readers who cannot see it.")
    )
    credit = models.CharField(
        _("credit"), max_length=200, blank=True, help_text=_("Photographer / agency.")
    )
    is_file_photo = models.BooleanField(
        _("file photo"),
        default=False,
        help_text=_("An archive picture, shown to readers as “File:”."),
    )
    file = models.ImageField(
        _("file"),
        upload_to=uploads.image_upload_to,
        blank=True,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True, editable=False)
    source_url = models.URLField(
        _("source URL"), blank=True, help_text=_("Where the picture came from, if known.")
    )
    # Imports find the same picture again by this key, so one picture is one Image.
    import_key = models.CharField(_("import key"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BulkQuerySet.as_manager()  # imports write pictures in bulk
    history = HistoricalRecords(excluded_fields=["updated_at"], bases=[BulkHistory])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = [
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="image_unique_import_key"
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text[:80] or f"Image {self.pk}"

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            adding = self._state.adding
            super().save(*args, **kwargs)
            if not adding:
                # An edited picture (alt text, credit, file) changes every entry and hero
                # showing it.
                for caption in self.captions.all():
                    caption.touch_owner()

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    def attention_reasons(self) -> list[str]:
        """What editors must still supply for this picture (ATTENTION_REASONS' labels)."""
        lacks = {"lacks_picture_file": not self.file, "lacks_alt_text": not self.alt_text}
        return [ATTENTION_REASONS[name] for name, lacking in lacks.items() if lacking]

    @staticmethod
    def key_for(*, alt: str, credit: str, file_photo: bool, caption: str = "") -> str:
        """The import key of a picture. Alt text tells pictures apart; a picture without it (a
        caption whose alt line was lost) is told apart by its caption instead."""
        parts = [alt, credit, file_photo] if alt else [alt, credit, file_photo, caption]
        raw = json.dumps(parts, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()


def entry_content_hash(headline: str, blocks: list[dict]) -> str:
    raw = json.dumps([headline, blocks], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


# Stream order. Entries with a time sort by it; untimed ones (imported without a time) sort by
# their `order` below every timed entry. Both fit one indexed integer: `order` stays under
# ORDER_LIMIT, a time becomes ORDER_LIMIT + microseconds since the year 1.
ORDER_LIMIT = 2**31
EPOCH_ONE = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


def sort_key_for(published_at: datetime.datetime | None, order: int) -> int:
    if published_at is None:
        return order
    return ORDER_LIMIT + (published_at - EPOCH_ONE) // datetime.timedelta(microseconds=1)


def is_visible(status: str, published_at: datetime.datetime | None, now) -> bool:
    """`visible_q()` for one entry's values."""
    return status == EntryStatus.PUBLISHED and (published_at is None or published_at <= now)


def visible_q(now: datetime.datetime) -> Q:
    """Published, and due by `now`: the rule `Entry.is_visible_at()` applies to one entry."""
    return Q(status=EntryStatus.PUBLISHED) & (
        Q(published_at__isnull=True) | Q(published_at__lte=now)
    )


# What an entry or picture can lack that editors must supply (a missing alt text is an
# accessibility defect), keyed by the entry's flag (derived on save).
ATTENTION_REASONS = {
    "lacks_link_address": _("a link without its address"),
    "lacks_picture_file": _("a picture without a file"),
    "lacks_alt_text": _("a picture without alt text"),
}


class EntryQuerySet(BulkQuerySet):
    def due(self, now: datetime.datetime | None = None):
        """Published and due, whatever the blog's status: what an editor's preview shows."""
        return self.filter(visible_q(now or timezone.now()))

    def published(self):
        """Entries readers may see: published, due, and in a public blog."""
        return self.due().exclude(blog__status=BlogStatus.DRAFT)

    def visible_to(self, user):
        """What this user may read: every entry for editors, published ones for everyone else."""
        return self.all() if can_preview(user, Entry) else self.published()

    def for_blog(self, blog):
        return self.filter(blog=blog)

    def key_events(self):
        return self.filter(is_key_event=True)

    def pinned(self):
        return self.filter(is_pinned=True)

    def unpinned(self):
        # An equality, so the stream's later pages seek entry_stream_idx past the pin.
        return self.filter(is_pinned=False)

    def newest_first(self):
        """Stream order: the pinned entry, then by time (untimed imports below), newest first."""
        return self.order_by("-is_pinned", "-sort_key", "-id")

    def waiting(self):
        """What editors have not sent to readers yet: drafts and scheduled entries, newest
        first (the desk shows them above the stream)."""
        not_due = Q(status=EntryStatus.DRAFT) | Q(is_scheduled=True)
        return self.filter(not_due).order_by("-created_at", "-id")

    def scheduled(self):
        """Entries waiting for their time (readers were not told about them yet)."""
        return self.filter(is_scheduled=True)

    def overdue(self, now: datetime.datetime | None = None):
        """Scheduled entries whose time has come but that readers were not told about yet.

        A scheduled entry is published with a time (save() derives `is_scheduled` so), so its
        time alone says it is due: the query names nothing but what entry_scheduled_idx holds,
        and SQLite as well as PostgreSQL seeks that tiny partial index (with the status in the
        query SQLite chose the blog's stream index and scanned the blog)."""
        return self.scheduled().filter(published_at__lte=now or timezone.now())

    def announce_due(self, blog_id: int) -> int:
        """Record each scheduled entry of the blog that fell due as published, at its time.

        Nothing writes when a scheduled time passes, so the blog's state (liveblog.freshness)
        calls this when it sees one; concurrent callers queue on the blog lock and the later
        ones find nothing left. Returns how many entries it announced.
        """
        with transaction.atomic():
            Blog.objects.lock(blog_id)
            due = list(
                self.filter(blog_id=blog_id)
                .overdue()
                .order_by("published_at", "id")
                .values_list("pk", "published_at", "is_key_event")
            )
            if not due:
                return 0
            changes = [
                Change(kind=ChangeKind.PUBLISHED, entry_id=pk, is_key_event=key_event)
                for pk, _, key_event in due
            ]
            Change.objects.take(blog_id, changes)
            rows = [
                # Readers saw it from its time on: that is when it last changed for them.
                Entry(pk=pk, revision=change.revision, changed_at=at, is_scheduled=False)
                for (pk, at, _), change in zip(due, changes, strict=True)
            ]
            Entry.objects.bulk_update(rows, ["revision", "changed_at", "is_scheduled"])
            Change.objects.bulk_create(changes)
            return len(due)

    def announce_overdue(self) -> None:
        """`announce_due()` for every blog with an overdue entry (one query on a tiny index when
        there is none)."""
        for blog_id in set(self.overdue().values_list("blog_id", flat=True)):
            self.announce_due(blog_id)

    def bulk_write(
        self,
        blog: "Blog",
        *,
        created: list["Entry"],
        updated: list["Entry"],
        fields: list[str],
        reason: str,
    ) -> None:
        """Write many entries of one blog as save() writes one, in a fixed number of queries:
        the same derivation (`Entry._derive`), one change in the log for each entry readers see
        or saw (created ones first, in the order given, as if written one by one), editors'
        state moved for the rest, and a history line each (django-simple-history's bulk API).

        Created entries keep the `changed_at` they carry (an import's source time, or none);
        updated ones, which readers see change now, are dated now. `updated` entries write
        `fields` (their derived fields follow). Call inside a transaction holding the blog's
        lock. Queries: the updated entries' rows as they are, bump, the INSERTs, the UPDATEs,
        the change rows, history (a batch each).
        """
        if not created and not updated:
            return
        now = timezone.now()
        before = {}
        if updated:
            rows = self.filter(pk__in=[entry.pk for entry in updated]).values(
                "pk", "status", "published_at", "is_key_event", "is_scheduled"
            )
            before = {row["pk"]: row for row in rows}
        writes = set(fields)
        for entry in created:
            entry._derive(None, now, blog.search_config)
        for entry in updated:
            entry._derive(writes, now, blog.search_config)
            entry.version += 1
        changes = []
        for entry in [*created, *updated]:
            row = before.get(entry.pk) if not entry._state.adding else None
            was_visible = row is not None and entry.was_announced(now, row)
            kind = ChangeKind.of(was_visible, entry.is_visible_at(now))
            if kind is not None:
                was_key_event = bool(row and row["is_key_event"])
                change = Change(
                    kind=kind, is_key_event=entry.is_key_event, was_key_event=was_key_event
                )
                changes.append((entry, change))
        if changes:
            Change.objects.take(blog.pk, [change for _, change in changes], at=now)
            for entry, change in changes:
                entry.revision = change.revision
                if not entry._state.adding:
                    entry.changed_at = now
        if len(changes) < len(created) + len(updated):
            Blog.objects.touch_state(blog.pk)  # drafts and scheduled entries: the desk's
        self.bulk_create(created)
        if updated:
            derived = {"body_blocks", "sort_key", "is_scheduled", "search_config"}
            written = sorted(writes | derived | {"version", "revision", "changed_at", "updated_at"})
            for entry in updated:
                entry.updated_at = now
            self.bulk_update(updated, written)
        for entry, change in changes:
            change.entry_id = entry.pk
        Change.objects.bulk_create([change for _, change in changes])
        # Their history: created rows as added, the others as changed (one date for all).
        history = history_of(Entry)
        history.bulk_history_create(created, default_change_reason=reason, default_date=now)
        history.bulk_history_create(
            updated, update=True, default_change_reason=reason, default_date=now
        )

    def bulk_set_authors(self, authors: dict[int, list[int]]) -> None:
        """Make each entry's authors the users given (entry id -> user ids). Two queries."""
        through = Entry.authors.through
        through.objects.filter(entry_id__in=list(authors)).delete()
        through.objects.bulk_create(
            through(entry_id=entry_id, user_id=user_id)
            for entry_id, users in authors.items()
            for user_id in users
        )

    def search(self, query: str, *, language: str | None = None):
        """Entries whose headline or body match the query, best first (see search.py); with
        `language`, all of them are in it (one blog's entries)."""
        return search.search(
            self,
            query,
            vector=search.entry_vector(),
            fields=["headline", "body"],
            language=language,
        )

    def refresh_attention(self) -> int:
        """Derive the picture flags of these entries (a picture without a file, without alt
        text) from their captions, in one UPDATE: what save() runs when an entry's pictures may
        have changed, and the bulk paths for the entries they wrote. The link flag derives from
        the body, in `Entry._derive`."""
        captions = Caption.objects.filter(entry=models.OuterRef("pk"))
        return self.update(
            lacks_picture_file=models.Exists(captions.filter(image__file="")),
            lacks_alt_text=models.Exists(captions.filter(image__alt_text="")),
        )

    def needing_attention(self, reason: str | None = None):
        """Entries lacking something editors must supply: a link stub's address (`[text]()`), a
        picture's file, a picture's alt text. `reason` (an ATTENTION_REASONS key) narrows to one.
        The flags are stored (derived on save), so this reads entry_attention_idx, never the
        blog's bodies."""
        if reason is not None:
            return self.filter(**{reason: True})
        return self.filter(ATTENTION_Q)


# The flags derived from an entry's pictures (the link flag derives from its body).
PICTURE_FLAGS = frozenset({"lacks_picture_file", "lacks_alt_text"})
# Any flag of ATTENTION_REASONS set: the condition of entry_attention_idx.
ATTENTION_Q = Q(lacks_link_address=True) | Q(lacks_picture_file=True) | Q(lacks_alt_text=True)


class Entry(models.Model):
    blog = models.ForeignKey(
        Blog, on_delete=models.CASCADE, related_name="entries", verbose_name=_("blog")
    )
    headline = models.CharField(_("headline"), max_length=300)
    body = models.TextField(_("body"), blank=True, help_text=body_markup.HELP_TEXT)
    # The body parsed into blocks, derived on save: pages, feeds, the API and search read this.
    body_blocks = models.JSONField(_("body blocks"), default=list, editable=False)
    order = models.IntegerField(
        _("order"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(ORDER_LIMIT - 1)],
        help_text=_(
            "Places an entry without a time among the other untimed ones: higher shows "
            "first. Entries with a time are placed by their time."
        ),
    )
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        validators=[validate_showable_time],
        help_text=_(
            "The entry's time. Empty: the moment it is published. "
            "A time in the future schedules the entry."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        default="",
        choices=languages.choices,
        help_text=_("Only for an entry in another language than its blog's."),
    )
    # Derived on save from the entry's language, or its blog's (Blog.save keeps them in step).
    search_config = search.SearchConfigField()
    is_key_event = models.BooleanField(_("key event"), default=False)
    is_pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Shown first. One per blog.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="liveblog_entries",
        verbose_name=_("authors"),
    )
    # Derived on save: the stream position (see sort_key_for) and whether it waits for its time.
    sort_key = models.BigIntegerField(_("sort key"), default=0, editable=False)
    is_scheduled = models.BooleanField(_("is scheduled"), default=False, editable=False)
    # The blog revision of its last reader-visible change (0: readers never saw it), and when
    # that change was: readers' "updated" (feeds, structured data, sitemaps). An import keeps
    # the source's time where it gives one (empty for an untimed entry).
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    changed_at = models.DateTimeField(
        _("changed at"),
        null=True,
        blank=True,
        editable=False,
        validators=[validate_showable_time],
    )
    # Optimistic concurrency: every save increments it; a save based on an older one is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Re-import finds the entry by import_key and compares import_hash with the current content to
    # tell whether an editor changed it since.
    import_key = models.CharField(_("import key"), max_length=64, blank=True, editable=False)
    import_hash = models.CharField(_("import hash"), max_length=64, blank=True, editable=False)
    # What editors must still supply (ATTENTION_REASONS), derived on save: the link flag from
    # the body, the picture flags from the captions (`EntryQuerySet.refresh_attention`).
    lacks_link_address = models.BooleanField(
        _("a link without its address"), default=False, editable=False
    )
    lacks_picture_file = models.BooleanField(
        _("a picture without a file"), default=False, editable=False
    )
    lacks_alt_text = models.BooleanField(
        _("a picture without alt text"), default=False, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EntryQuerySet.as_manager()
    # Derived and bookkeeping fields stay out of the history. Authors too: recording the m2m
    # costs two queries on every save (the admin's own log still names author changes).
    history = HistoricalRecords(
        excluded_fields=[
            "body_blocks",
            "sort_key",
            "is_scheduled",
            "revision",
            "changed_at",
            "updated_at",
            "search_config",
            *ATTENTION_REASONS,
        ],
        bases=[BulkHistory],
    )

    class Meta:
        ordering = ["-is_pinned", "-sort_key", "-id"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.UniqueConstraint(
                fields=["blog"], condition=Q(is_pinned=True), name="entry_one_pinned_per_blog"
            ),
            models.UniqueConstraint(
                fields=["blog", "import_key"],
                condition=~Q(import_key=""),
                name="entry_unique_import_key",
            ),
            # Every reader-visible change takes a revision of its own: pollers' exact cursor.
            models.UniqueConstraint(
                fields=["blog", "revision"],
                condition=Q(revision__gt=0),
                name="entry_unique_revision",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="entry_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(order__gte=0, order__lt=ORDER_LIMIT), name="entry_order_in_range"
            ),
        ]
        indexes = [
            # A blog's stream as readers page through it (stream.Listing, the desk): published
            # entries, the pinned one first, then newest first. The first page is its first 21
            # rows, a later page a seek past the cursor.
            models.Index(
                fields=["blog", "status", "-is_pinned", "-sort_key", "-id"], name="entry_stream_idx"
            ),
            # Entries by time without the pinned slot: the Atom and JSON feeds, the API's lists
            # (for everyone, published only: a blog's entries are nearly all published, so the
            # status is a filter on the way rather than an index column), the admin's list.
            models.Index(fields=["blog", "-sort_key", "-id"], name="entry_blog_sort_idx"),
            # The navigation's latest key events (stream.key_event_links), and the key-events
            # listing and feed: a blog's few key events, newest first.
            models.Index(
                fields=["blog", "-sort_key", "-id"],
                condition=Q(is_key_event=True, status=EntryStatus.PUBLISHED),
                name="entry_key_events_idx",
            ),
            # "Needs attention" (the admin's filter and the blog page's counts): the few
            # entries lacking something, never a scan of the blog's bodies.
            models.Index(fields=["blog"], condition=ATTENTION_Q, name="entry_attention_idx"),
            # The change feeds' range on revision is served by entry_unique_revision's index.
            # The blog state's "did a scheduled entry fall due?": a seek in a tiny partial index.
            models.Index(
                fields=["blog", "published_at"],
                condition=Q(is_scheduled=True),
                name="entry_scheduled_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, update_fields=None, **kwargs):
        """Save, derive the stored fields, and record the change: if readers could see the entry
        before or after it, one row in the change log (published, updated or removed) with the
        blog's next revision, and the entry's `changed_at` moves to now; otherwise (a draft, a
        scheduled entry) only editors' state moves (`Blog.objects.touch_state`).

        With update_fields, the other fields are first read afresh under the blog lock, so a
        verb on a stale object never writes back what it read earlier. Queries on update: lock
        the blog, read the entry, bump (if readers see it), update, the change's row, history
        (6); for a draft, the state's touch instead of bump and row (5).
        """
        now = timezone.now()
        fields = None if update_fields is None else set(update_fields)
        if fields is None and not self._state.adding:
            # A full save writes what its caller holds, but never the picture flags, which only
            # refresh_attention() derives: an object read earlier would put back stale ones.
            fields = set(self._attnames()) - PICTURE_FLAGS
        with transaction.atomic(using=kwargs.get("using")):
            was_visible = was_published = was_pinned = was_key_event = False
            blog_config = None
            if not self._state.adding or self.is_pinned:
                blog_config = Blog.objects.lock(self.blog_id)
            if not self._state.adding:
                current = Entry.objects.filter(pk=self.pk).values(*self._attnames()).get()
                was_visible = self.was_announced(now, current)
                was_published = current["status"] == EntryStatus.PUBLISHED
                was_pinned = current["is_pinned"]
                was_key_event = current["is_key_event"]
                for name, value in current.items():
                    if fields is not None and name not in fields:
                        setattr(self, name, value)
                self.version = current["version"] + 1
            if self.is_pinned and not was_pinned:
                self._displace_pins(now)
            if self.status == EntryStatus.PUBLISHED and not was_published and not self.published_at:
                # Publishing without a time: the entry's time is the moment it is published.
                self.published_at = now
                if fields is not None:
                    fields.add("published_at")
            self._derive(fields, now, blog_config)
            kind = ChangeKind.of(was_visible, self.is_visible_at(now))
            change = None
            if kind is not None:
                change = Change(
                    kind=kind, is_key_event=self.is_key_event, was_key_event=was_key_event
                )
                Change.objects.take(self.blog_id, [change], at=now)
                self.revision, self.changed_at = change.revision, now
            else:
                Blog.objects.touch_state(self.blog_id)
            if fields is not None:
                fields |= {"revision", "changed_at", "version", "is_scheduled", "updated_at"}
            with one_pin_per_blog(self.is_pinned and (fields is None or "is_pinned" in fields)):
                super().save(*args, update_fields=fields, **kwargs)
            if change is not None:
                change.entry_id = self.pk
                Change.objects.bulk_create([change])

    def get_absolute_url(self) -> str:
        return reverse("liveblog:entry-detail", kwargs={"slug": self.blog.slug, "pk": self.pk})

    @property
    def own_language(self) -> str:
        """The entry's language where it differs from its blog's (for its own lang), else ""."""
        if self.language and self.language != self.blog.language:
            return self.language
        return ""

    @property
    def own_direction(self) -> str:
        """The entry's text direction where it differs from its blog's, else ""."""
        own = self.own_language and languages.direction(self.own_language)
        return own if own and own != self.blog.direction else ""

    def _attnames(self) -> list[str]:
        return [f.attname for f in self._meta.concrete_fields if not f.primary_key]

    def _derive(self, fields: set | None, now: datetime.datetime, blog_config=None) -> None:
        """Compute the stored derived fields from the fields being written (all when None).
        `blog_config`: the blog's search configuration when the blog lock read it."""
        if self._state.adding or fields is None or "language" in fields:
            if self.language:
                self.search_config = languages.search_config(self.language)
            else:
                self.search_config = blog_config or self.blog.search_config
            if fields is not None:
                fields.add("search_config")
        if fields is None or "body" in fields:
            self.body = body_markup.normalise(self.body)
            self.body_blocks = body_markup.parse(self.body)
            self.lacks_link_address = "]()" in self.body
            if fields is not None:
                fields |= {"body_blocks", "lacks_link_address"}
        if fields is None or fields & {"published_at", "order"}:
            self.sort_key = sort_key_for(self.published_at, self.order)
            if fields is not None:
                fields.add("sort_key")
        self.is_scheduled = (
            self.status == EntryStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at > now
        )

    def is_visible_at(self, now: datetime.datetime, values: dict | None = None) -> bool:
        """`visible_q()` for this entry (or for the row `values`)."""
        if values is not None:
            return is_visible(values["status"], values["published_at"], now)
        return is_visible(self.status, self.published_at, now)

    @staticmethod
    def was_announced(now: datetime.datetime, row: dict) -> bool:
        """Whether readers were told of the entry `row` (a dict of its stored fields): it is
        visible, and no longer waits for its announcement as a scheduled entry that fell due
        (`announce_due()` logs that one as published)."""
        return is_visible(row["status"], row["published_at"], now) and not row["is_scheduled"]

    @property
    def is_visible(self) -> bool:
        """Whether readers may see it now (its blog's status aside)."""
        return self.is_visible_at(timezone.now())

    @property
    def is_scheduled_now(self) -> bool:
        """Published with a time still to come: readers will see it then."""
        return self.status == EntryStatus.PUBLISHED and not self.is_visible

    @property
    def attention_reasons(self) -> list[str]:
        """What editors must still supply, read from the entry's flags."""
        return [label for name, label in ATTENTION_REASONS.items() if getattr(self, name, False)]

    def text_blocks(self) -> list[dict]:
        return self.body_blocks

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

    # --- verbs: every surface calls these -------------------------------------------------

    def publish(self, at: datetime.datetime | None = None) -> None:
        """Publish now, or at `at` (a future time schedules it). Without `at`, an entry without
        a time gets the moment it is published (see save()); one that has a time keeps it."""
        self.status = EntryStatus.PUBLISHED
        if at is not None:
            self.published_at = at
        self.save(update_fields=["status", "published_at"] if at else ["status"])

    def schedule(self, at: datetime.datetime) -> None:
        self.publish(at)

    def unpublish(self) -> None:
        """Back to draft: readers lose it (pollers get its id in `removed`)."""
        self.status = EntryStatus.DRAFT
        self.save(update_fields=["status"])

    def pin(self) -> None:
        """Pin this entry; the blog's pinned entry, if another, is unpinned (see save())."""
        self.is_pinned = True
        self.save(update_fields=["is_pinned"])

    def _displace_pins(self, now: datetime.datetime) -> None:
        """Unpin the blog's other pinned entry in one statement, before this one takes the pin.

        Called by save() with the blog locked, so two editors pinning at once queue up instead
        of tripping the one-pin constraint. The displaced entry takes a change (readers see it
        move) and a history line. Queries: the displaced rows, bump, the UPDATE, the change
        rows, history (5).
        """
        others = Entry.objects.filter(blog_id=self.blog_id).pinned()
        displaced = list(others.exclude(pk=self.pk) if self.pk else others)
        if not displaced:
            return
        seen = [entry for entry in displaced if entry.is_visible_at(now)]
        changes = [
            Change(
                kind=ChangeKind.UPDATED,
                entry_id=entry.pk,
                is_key_event=entry.is_key_event,
                was_key_event=entry.is_key_event,
            )
            for entry in seen
        ]
        if changes:
            Change.objects.take(self.blog_id, changes, at=now)
        for entry, change in zip(seen, changes, strict=True):
            entry.revision, entry.changed_at = change.revision, now
        for entry in displaced:
            entry.is_pinned, entry.version = False, entry.version + 1
        Entry.objects.bulk_update(displaced, ["is_pinned", "version", "revision", "changed_at"])
        if changes:
            Change.objects.bulk_create(changes)
        Entry.history.bulk_history_create(
            displaced,
            update=True,
            default_change_reason=f"Unpinned: “{self.headline}” was pinned instead.",
        )

    def unpin(self) -> None:
        self.is_pinned = False
        self.save(update_fields=["is_pinned"])

    def mark_key_event(self, value: bool = True) -> None:
        self.is_key_event = value
        self.save(update_fields=["is_key_event"])

    def touch(self) -> None:
        """Record a change of something the entry shows (a caption, a correction, a picture):
        readers re-render it, and what it lacks is derived again from its pictures. Not a change
        of the entry itself, so no history line."""
        self.skip_history_when_saving = True
        try:
            with transaction.atomic():
                self.save(update_fields=[])
                Entry.objects.filter(pk=self.pk).refresh_attention()
        finally:
            del self.skip_history_when_saving


class one_pin_per_blog:
    """Turn a violation of entry_one_pinned_per_blog into a ValidationError saying what to do.

    Only pays for its savepoint when the write sets a pin (`pinning`); `Entry.pin()` unpins the
    other entry first and never trips it.
    """

    def __init__(self, pinning: bool):
        self.pinning = pinning
        self.savepoint = transaction.atomic() if pinning else None

    def __enter__(self):
        if self.savepoint is not None:
            self.savepoint.__enter__()

    def __exit__(self, kind, error, traceback):
        if self.savepoint is None:
            return False
        self.savepoint.__exit__(kind, error, traceback)
        # PostgreSQL names the constraint; SQLite names its one column (no other unique index
        # of entries is on the blog alone).
        text = str(error)
        if isinstance(error, IntegrityError) and (
            "entry_one_pinned_per_blog" in text or text.endswith("liveblog_entry.blog_id")
        ):
            raise ValidationError(
                {"is_pinned": "Another entry of this blog is pinned: use Pin, which unpins it."}
            ) from error
        return False


def prepare_removal(entry: Entry) -> None:
    """Before an entry is deleted: lock its blog (writers of a blog's entries take the lock
    first) and note whether readers see it now, as the row says (the instance may have been
    loaded earlier). `record_removal()` uses the note once the row is gone."""
    Blog.objects.lock(entry.blog_id)
    current = (
        Entry.objects.filter(pk=entry.pk)
        .values("status", "published_at", "is_key_event", "is_scheduled")
        .first()
    )
    entry._was_visible = current is not None and entry.was_announced(timezone.now(), current)
    entry._was_key_event = bool(current and current["is_key_event"])


def record_removal(entry: Entry) -> None:
    """Tell pollers a deleted entry left the stream, if readers saw it: a `removed` change.
    A deleted draft only moves editors' state. Deleting runs this from a post_delete receiver
    (liveblog/signals.py), so queryset and admin bulk deletes are covered too."""
    if getattr(entry, "_was_visible", False):
        removal = Change(
            kind=ChangeKind.REMOVED, entry_id=entry.pk, was_key_event=entry._was_key_event
        )
        Change.objects.record(entry.blog_id, [removal])
    else:
        Blog.objects.touch_state(entry.blog_id)


class ChangeKind(models.TextChoices):
    PUBLISHED = "published", _("entry published")
    UPDATED = "updated", _("entry updated")
    REMOVED = "removed", _("entry removed")
    BLOG = "blog", _("blog updated")
    STATUS = "status", _("blog status changed")

    @classmethod
    def of(cls, was_visible: bool, is_visible: bool) -> "ChangeKind | None":
        """What an entry's write is to readers, from whether they saw it before and after."""
        if is_visible:
            return cls.UPDATED if was_visible else cls.PUBLISHED
        return cls.REMOVED if was_visible else None


class ChangeQuerySet(BulkQuerySet):
    def between(self, blog_id: int, since: int, upto: int):
        """The blog's changes with a revision in (since, upto], in order (change_unique_revision's
        index). liveblog.stream reads the log through this."""
        return self.filter(blog_id=blog_id, revision__gt=since, revision__lte=upto).order_by(
            "revision"
        )

    def take(
        self, blog_id: int, changes: list["Change"], at: datetime.datetime | None = None
    ) -> list["Change"]:
        """Give each change the blog's next revision, in order, and its time: the one place
        revisions come from (`Blog.objects.bump`). The caller writes the rows (`bulk_create`)
        once what they name exists, in the same transaction. One query."""
        at = at or timezone.now()
        entries = sum(change.entries_delta for change in changes)
        key_events = sum(change.key_events_delta for change in changes)
        top = Blog.objects.bump(
            blog_id, len(changes), at=at, entries=entries, key_events=key_events
        )
        for revision, change in enumerate(changes, start=top - len(changes) + 1):
            change.blog_id, change.revision, change.at = blog_id, revision, at
        return changes

    def record(
        self, blog_id: int, changes: list["Change"], at: datetime.datetime | None = None
    ) -> list["Change"]:
        """take() and write the rows at once (what they name exists already). Two queries."""
        return self.bulk_create(self.take(blog_id, changes, at))


class Change(models.Model):
    """One reader-visible change of a blog, in the order readers learn of it: the change log.

    Written only by the models' write paths, in the transaction of the change; read only
    through liveblog.stream. Rows are never updated: a later change of the same entry is a row
    of its own (readers of the log take each entry's last).
    """

    blog = models.ForeignKey(
        Blog, on_delete=models.CASCADE, related_name="changes", verbose_name=_("blog")
    )
    revision = models.PositiveIntegerField(_("revision"))
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    # Not a foreign key: the removal of an entry outlives the entry. Empty for the blog's own.
    entry_id = models.BigIntegerField(_("entry id"), null=True, blank=True)
    # Whether the entry is a key event after the change, and was one before it: the key events'
    # navigation and feed follow these.
    is_key_event = models.BooleanField(_("key event"), default=False)
    was_key_event = models.BooleanField(_("was a key event"), default=False)
    at = models.DateTimeField(_("at"))

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["blog", "revision"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        constraints = [
            # One change per revision: pollers' exact cursor. Its index serves between().
            models.UniqueConstraint(fields=["blog", "revision"], name="change_unique_revision"),
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="change_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        subject = f"entry {self.entry_id}" if self.entry_id else "the blog"
        return f"{self.get_kind_display()}: {subject} (revision {self.revision})"

    @property
    def touches_key_events(self) -> bool:
        return self.is_key_event or self.was_key_event

    @property
    def entries_delta(self) -> int:
        """What the change does to the count of entries readers see."""
        return {ChangeKind.PUBLISHED: 1, ChangeKind.REMOVED: -1}.get(self.kind, 0)

    @property
    def key_events_delta(self) -> int:
        """What the change does to the count of key events readers see."""
        if self.kind == ChangeKind.PUBLISHED:
            return int(self.is_key_event)
        if self.kind == ChangeKind.REMOVED:
            return -int(self.was_key_event)
        if self.kind == ChangeKind.UPDATED:
            return int(self.is_key_event) - int(self.was_key_event)
        return 0


class Correction(models.Model):
    """A dated note readers see under an entry that was changed after publication."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("entry")
    )
    text = models.TextField(
        _("text"), help_text=_("What was corrected, e.g. “corrected the casualty figure”.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, validators=[validate_showable_time]
    )

    objects = BulkQuerySet.as_manager()
    history = HistoricalRecords(bases=[BulkHistory])

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            # Live pages re-render the entry with the note.
            self.entry.touch()

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            result = super().delete(*args, **kwargs)
            self.entry.touch()
        return result


class Caption(models.Model):
    """An Image placed in an entry (at a position among its blocks) or as a blog's hero."""

    blog = models.ForeignKey(
        Blog, on_delete=models.CASCADE, related_name="captions", verbose_name=_("blog")
    )
    entry = models.ForeignKey(
        Entry,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="captions",
        help_text=_("Leave empty for the blog's hero image."),
        verbose_name=_("entry"),
    )
    image = models.ForeignKey(
        Image, on_delete=models.PROTECT, related_name="captions", verbose_name=_("image")
    )
    text = models.TextField(_("text"), blank=True)
    position = models.PositiveIntegerField(
        _("position"),
        default=0,
        help_text=_("How many body blocks come before the image: 0 puts it first."),
    )

    objects = BulkQuerySet.as_manager()
    history = HistoricalRecords(bases=[BulkHistory])

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("caption")
        verbose_name_plural = _("captions")
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
        with transaction.atomic(using=kwargs.get("using")):
            # A caption moved elsewhere changes the place it left too (readers must lose it there).
            before = None
            if self.pk is not None:
                before = Caption.objects.filter(pk=self.pk).values("entry_id", "blog_id").first()
            super().save(*args, **kwargs)
            self.touch_owner()
            if before and (before["entry_id"], before["blog_id"]) != (self.entry_id, self.blog_id):
                Caption(entry_id=before["entry_id"], blog_id=before["blog_id"]).touch_owner()

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            result = super().delete(*args, **kwargs)
            self.touch_owner()
        return result

    def clean(self) -> None:
        if self.entry_id and self.blog_id and self.entry.blog_id != self.blog_id:
            raise ValidationError({"entry": "The entry belongs to another blog."})

    @property
    def is_hero(self) -> bool:
        return self.entry_id is None

    def touch_owner(self) -> None:
        """A caption change is a change of its entry (or, for a hero, of its blog)."""
        if self.entry_id:
            entry = Entry.objects.filter(pk=self.entry_id).first()
            if entry is not None:
                entry.touch()
        elif self.blog_id:
            try:
                Change.objects.record(self.blog_id, [Change(kind=ChangeKind.BLOG)])
            except Blog.DoesNotExist:
                pass  # the blog itself is being deleted

    def as_block(self) -> dict:
        return {
            "type": "image",
            "alt": self.image.alt_text,
            "caption": self.text,
            "credit": self.image.credit,
            "file_photo": self.image.is_file_photo,
        }
