"""The editors' UI: blogs, entries, images and captions in the Django admin.

Every changelist runs a fixed number of queries: counts are annotated in get_queryset(), related
rows come through list_select_related, and thumbnails use the stored file name only.
"""

import zoneinfo
from collections import Counter
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms import BaseInlineFormSet, BaseModelFormSet, ModelForm, Textarea
from django.http import HttpResponseRedirect, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from liveblog import forms
from liveblog.models import (
    Blog,
    BlogStatus,
    Caption,
    Correction,
    Entry,
    EntryStatus,
    Image,
)

admin.site.site_header = "Liveblog editorial"
admin.site.site_title = "Liveblog admin"
admin.site.index_title = "Curate live blogs"


def badge(key: str, label: str):
    # Colours live in liveblog/admin/site.css: the CSP allows no inline style.
    return format_html('<span class="lb-badge lb-badge--{}">{}</span>', key, label)


def in_zone(moment, zone):
    """A time as readers of the blog see it: in the blog's zone, with the zone's abbreviation.

    Date and time go on two lines, so narrow columns leave room for the ones beside them.
    """
    local = moment.astimezone(zone)
    return format_html(
        '<span class="lb-date">{}</span> <span class="lb-time">{} {}</span>',
        date_format(local, "j M Y"),
        date_format(local, "H:i"),
        local.tzname(),
    )


def admin_url(obj, view: str = "change") -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def entry_changelist_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("admin:liveblog_entry_changelist") + (f"?{query}" if query else "")


def describe_caption(caption: Caption):
    """Where a caption puts its image, as a link to that place in the admin."""
    if caption.entry_id:
        return format_html(
            '<a href="{}">entry “{}”</a> in blog “{}”',
            admin_url(caption.entry),
            caption.entry.headline,
            caption.blog.title,
        )
    return format_html(
        '<a href="{}">hero image of blog “{}”</a>', admin_url(caption.blog), caption.blog
    )


def count_of(queryset, field: str):
    """Count rows of `queryset` pointing at the outer row through `field`, as a subquery.

    Cheaper than a join with GROUP BY, keeps several counts independent, and page counts drop it.
    """
    rows = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")), 0)


class ActionsMixin:
    """Run a domain verb on each selected object, log it in its history and tell the editor."""

    def run_verb(
        self,
        request,
        queryset,
        *,
        verb: Callable,
        applies: Callable[[object], bool],
        message: str,
        done: str,
        skipped: str,
    ) -> None:
        changed = unchanged = 0
        for obj in queryset:
            if not applies(obj):
                unchanged += 1
                continue
            with transaction.atomic():
                verb(obj)
                self.log_change(request, obj, message)
            changed += 1
        if changed:
            self.message_user(request, done.format(items=self.counted(changed)), messages.SUCCESS)
        if unchanged:
            self.message_user(
                request, skipped.format(items=self.counted(unchanged)), messages.WARNING
            )

    def counted(self, count: int) -> str:
        """ "1 entry", "3 entries": the count with the model's name in the right number."""
        return f"{count} {model_ngettext(self.opts, count)}"


# --- Blogs -------------------------------------------------------------------------------------


# Short text boxes in inline rows: the admin's default (48em wide, 10 rows) pushes a row's last
# columns, "position" and "delete", out of the form.
INLINE_TEXT = {models.TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 50})}}


class HeroCaptionInline(admin.TabularInline):
    model = Caption
    fk_name = "blog"
    fields = ["image", "text"]
    formfield_overrides = INLINE_TEXT
    autocomplete_fields = ["image"]
    extra = 1
    max_num = 1
    verbose_name = "hero image"
    verbose_name_plural = "hero image"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(entry__isnull=True).select_related("image")


@admin.register(Blog)
class BlogAdmin(ActionsMixin, admin.ModelAdmin):
    form = forms.BlogAdminForm
    list_display = [
        "title",
        "status_badge",
        "entry_count",
        "key_event_count",
        "last_updated",
        "view_link",
    ]
    list_filter = ["status", ("coverage_date", admin.DateFieldListFilter)]
    search_fields = ["title", "standfirst"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [HeroCaptionInline]
    actions = ["go_live", "close", "reopen"]
    readonly_fields = [
        "entries_summary",
        "needs_attention",
        "closed_at",
        "source_format",
        "source_name",
        "source_hash",
        "imported_at",
        "revision",
        "changed_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "key_points", "intro"]}),
        ("Entries", {"fields": ["entries_summary", "needs_attention"]}),
        (
            "Status and dates",
            {
                "fields": [
                    "status",
                    "coverage_date",
                    "starts_at",
                    "time_zone",
                    "closed_notice",
                    "closed_at",
                ]
            },
        ),
        (
            "Source",
            {"fields": ["attribution", "source_url", "source_published", "source_updated"]},
        ),
        (
            "Import provenance",
            {
                "classes": ["collapse"],
                "description": "Where the blog was imported from. Set by the importer only.",
                "fields": [
                    "source_format",
                    "source_name",
                    "source_hash",
                    "imported_at",
                    "revision",
                    "changed_at",
                ],
            },
        ),
    ]

    class Media:
        css = {"all": ["liveblog/admin/changelist.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                entry_count=count_of(Entry.objects.all(), "blog"),
                key_event_count=count_of(Entry.objects.key_events(), "blog"),
            )
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, blog: Blog):
        return badge(blog.status, blog.get_status_display())

    @admin.display(description="entries", ordering="entry_count")
    def entry_count(self, blog: Blog):
        return format_html(
            '<a href="{}">{}</a>', entry_changelist_url(blog__id__exact=blog.pk), blog.entry_count
        )

    @admin.display(description="key events", ordering="key_event_count")
    def key_event_count(self, blog: Blog):
        return blog.key_event_count

    @admin.display(description="last updated", ordering="changed_at")
    def last_updated(self, blog: Blog):
        return in_zone(blog.changed_at, blog.zone)

    @admin.display(description="on the site")
    def view_link(self, blog: Blog):
        label = "View on site" if blog.is_public else "Preview (draft)"
        return format_html('<a href="{}" target="_blank">{}</a>', blog.get_absolute_url(), label)

    @admin.display(description="entries")
    def entries_summary(self, blog: Blog):
        if not blog.pk:
            return "Save the blog first, then add entries."
        return format_html(
            '<a href="{}">{} entries, {} key events</a> · <a href="{}">add an entry</a>',
            entry_changelist_url(blog__id__exact=blog.pk),
            blog.entry_count,
            blog.key_event_count,
            reverse("admin:liveblog_entry_add") + f"?blog={blog.pk}",
        )

    @admin.display(description="needs attention")
    def needs_attention(self, blog: Blog):
        if not blog.pk:
            return "—"
        count = Entry.objects.for_blog(blog).needing_attention().count()
        if not count:
            return "Nothing: every link has an address and every picture a file."
        return format_html(
            '<a href="{}"><strong>{} {}</strong></a> with a link that has no address or a picture '
            "with no file.",
            entry_changelist_url(blog__id__exact=blog.pk, attention="yes"),
            count,
            "entry" if count == 1 else "entries",
        )

    def save_model(self, request, obj: Blog, form, change: bool) -> None:
        if "status" in form.changed_data:
            obj.closed_at = timezone.now() if obj.status == BlogStatus.CLOSED else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and form.changed_data:
                obj.bump_revision()

    @admin.action(description="Go live", permissions=["change"])
    def go_live(self, request, queryset):
        self.run_verb(
            request,
            queryset,
            verb=Blog.go_live,
            applies=lambda blog: blog.status in (BlogStatus.DRAFT, BlogStatus.UPCOMING),
            message="Went live (action “Go live”).",
            done="{items} now live.",
            skipped="{items} left alone: only draft or upcoming blogs can go live.",
        )

    @admin.action(description="Close (stop live updates)", permissions=["change"])
    def close(self, request, queryset):
        self.run_verb(
            request,
            queryset,
            verb=Blog.close,
            applies=lambda blog: blog.status in (BlogStatus.LIVE, BlogStatus.UPCOMING),
            message="Closed (action “Close”).",
            done="{items} closed.",
            skipped="{items} left alone: only live or upcoming blogs can be closed.",
        )

    @admin.action(description="Reopen", permissions=["change"])
    def reopen(self, request, queryset):
        self.run_verb(
            request,
            queryset,
            verb=Blog.reopen,
            applies=lambda blog: blog.status == BlogStatus.CLOSED,
            message="Reopened (action “Reopen”).",
            done="{items} reopened and live again.",
            skipped="{items} left alone: only closed blogs can be reopened.",
        )


# --- Entries -----------------------------------------------------------------------------------


class CaptionInline(admin.TabularInline):
    model = Caption
    fk_name = "entry"
    fields = ["image", "text", "position"]
    formfield_overrides = INLINE_TEXT
    autocomplete_fields = ["image"]
    extra = 0
    verbose_name = "picture"
    verbose_name_plural = "pictures (captions)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("image")


class CorrectionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        new = [
            form
            for form in self.forms
            if form.has_changed() and not form.instance.pk and not self._should_delete_form(form)
        ]
        if new and self.instance.status != EntryStatus.PUBLISHED:
            raise ValidationError(
                "Corrections are notes readers see under a published entry; "
                "this entry is not published, so just edit it."
            )


class CorrectionInline(admin.TabularInline):
    model = Correction
    formset = CorrectionFormSet
    fields = ["created_at", "text", "author"]
    formfield_overrides = INLINE_TEXT
    readonly_fields = ["author"]
    extra = 0
    verbose_name_plural = "corrections (shown to readers under the entry)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Link without address or picture without file")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.needing_attention()
        return queryset


class BlogFilter(admin.RelatedFieldListFilter):
    """Pick a blog by typing part of its title: a newsroom runs too many blogs to list them all."""

    template = "admin/liveblog/entry/blog_filter.html"

    @staticmethod
    def is_narrowed(request) -> bool:
        """Whether the changelist shows one blog's entries only."""
        return bool(request.GET.get("blog__id__exact"))

    def has_output(self) -> bool:
        return True

    def field_choices(self, field, request, model_admin):
        # Only the chosen blog is listed (one query, none when no blog is chosen).
        chosen = [value for value in self.lookup_val or [] if str(value).isdigit()]
        if not chosen:
            return []
        return [(blog.pk, str(blog)) for blog in Blog.objects.filter(pk__in=chosen)]


class EntryListForm(ModelForm):
    """A row of the entry changelist: saves only the fields the editor changed."""

    saves_changed_fields_only = True


class EntryListFormSet(BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        newly_pinned = Counter(
            form.instance.blog_id
            for form in self.forms
            if form.cleaned_data.get("is_pinned") and "is_pinned" in form.changed_data
        )
        if any(count > 1 for count in newly_pinned.values()):
            raise ValidationError(
                "Only one entry per blog can be pinned: tick “pinned” on one entry of each blog."
            )


@admin.register(Entry)
class EntryAdmin(ActionsMixin, admin.ModelAdmin):
    form = forms.EntryAdminForm
    list_display = [
        "headline",
        "blog_title",
        "time",
        "status_badge",
        "is_key_event",
        "is_pinned",
        "image_count",
    ]
    list_display_links = ["headline"]
    list_editable = ["is_key_event", "is_pinned"]
    # Each row is a small form; 50 keeps the page quick to render during breaking news.
    list_per_page = 50
    list_filter = [
        ("blog", BlogFilter),
        "status",
        "is_key_event",
        "is_pinned",
        NeedsAttentionFilter,
    ]
    list_select_related = ["blog"]
    search_fields = ["headline", "body"]
    ordering = ["-order", "-id"]
    autocomplete_fields = ["blog"]
    filter_horizontal = ["authors"]
    inlines = [CaptionInline, CorrectionInline]
    actions = ["publish", "unpublish", "pin", "unpin", "mark_key_event", "unmark_key_event"]
    readonly_fields = ["preview", "revision", "created_at", "updated_at", "import_key"]
    fieldsets = [
        (None, {"fields": ["blog", "headline", "body", "preview"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "published_at",
                    "is_key_event",
                    "is_pinned",
                    "authors",
                    "order",
                    "loaded_version",
                ]
            },
        ),
        (
            "Bookkeeping",
            {
                "classes": ["collapse"],
                "fields": ["revision", "created_at", "updated_at", "import_key"],
            },
        ),
    ]

    class Media:
        # The blog filter's autocomplete, as the admin's autocomplete widgets load it.
        css = {
            "all": [
                "admin/css/vendor/select2/select2.css",
                "admin/css/autocomplete.css",
                "liveblog/admin/changelist.css",
                "liveblog/admin/entry.css",
            ]
        }
        js = [
            "admin/js/vendor/jquery/jquery.js",
            "admin/js/vendor/select2/select2.full.js",
            "admin/js/jquery.init.js",
            "admin/js/autocomplete.js",
            "liveblog/admin/blog_filter.js",
        ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(image_count=count_of(Caption.objects.all(), "entry"))
        )

    def get_list_display(self, request):
        # Filtered to one blog, a column repeating its title only pushes the flags off screen.
        if BlogFilter.is_narrowed(request):
            return [name for name in self.list_display if name != "blog_title"]
        return self.list_display

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Editors read and type entry times in the blog's zone, as readers and the changelist show
        # them. The page is rendered inside too: widgets convert times when they render.
        with timezone.override(self.form_zone(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    @staticmethod
    def form_zone(request, object_id) -> zoneinfo.ZoneInfo | None:
        """The entry's blog's zone; for a new entry, that of the blog the form was opened for.

        Not the blog picked in the form: the times on the page were shown in the zone it opened
        in, and a POST must read them back in that same zone.
        """
        key = object_id or EntryAdmin.blog_opened_for(request)
        if not str(key).isdigit():
            return None
        blogs = Blog.objects.filter(entries__pk=key) if object_id else Blog.objects.filter(pk=key)
        name = blogs.values_list("time_zone", flat=True).first()
        return zoneinfo.ZoneInfo(name) if name else None

    @staticmethod
    def blog_opened_for(request) -> str:
        """The blog a new entry is for: ?blog=, or the blog the changelist it came from showed."""
        blog = request.GET.get("blog") or QueryDict(request.GET.get("_changelist_filters", "")).get(
            "blog__id__exact", ""
        )
        return blog if blog.isdigit() else ""

    def response_change(self, request, obj: Entry):
        response = super().response_change(request, obj)
        # "Save and add another" opens a new entry in the same blog (after an add, Django itself
        # keeps the ?blog= the add form was opened with).
        if "_addanother" in request.POST and isinstance(response, HttpResponseRedirect):
            location = response["Location"]
            response["Location"] = f"{location}{'&' if '?' in location else '?'}blog={obj.blog_id}"
        return response

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if blog := self.blog_opened_for(request):
            initial.setdefault("blog", blog)
        initial.setdefault("authors", [request.user.pk])
        initial.setdefault("published_at", timezone.now())
        return initial

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "authors":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=EntryListForm, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        return super().get_changelist_formset(request, formset=EntryListFormSet, **kwargs)

    @admin.display(description="blog", ordering="blog__title")
    def blog_title(self, entry: Entry):
        title = entry.blog.title
        return format_html('<span title="{}">{}</span>', title, Truncator(title).chars(28))

    @admin.display(description="time", ordering="published_at")
    def time(self, entry: Entry):
        if entry.published_at is None:
            return "—"
        return in_zone(entry.published_at, entry.blog.zone)

    @admin.display(description="status", ordering="status")
    def status_badge(self, entry: Entry):
        if entry.status == EntryStatus.PUBLISHED and not entry.is_visible:
            return badge("scheduled", "Scheduled")
        return badge(entry.status, entry.get_status_display())

    @admin.display(description="pictures", ordering="image_count")
    def image_count(self, entry: Entry):
        return entry.image_count

    @admin.display(description="preview")
    def preview(self, entry: Entry):
        if not entry.pk:
            return "The preview appears once the entry is saved."
        return render_to_string(
            "admin/liveblog/entry/_preview.html", {"blocks": entry.display_blocks()}
        )

    def save_model(self, request, obj: Entry, form, change: bool) -> None:
        if obj.is_pinned and "is_pinned" in form.changed_data:
            self.pin_entry(request, obj)  # unpins the blog's pinned entry, then saves this one
        elif change and getattr(form, "saves_changed_fields_only", False):
            # Changelist rows: an earlier row's pin may have unpinned this one meanwhile.
            obj.save(update_fields=[*form.changed_data, "revision", "version", "updated_at"])
        else:
            obj.save()

    def pin_entry(self, request, entry: Entry) -> None:
        """Pin the entry; the entry it displaces records that in its own history."""
        displaced = list(
            Entry.objects.filter(blog_id=entry.blog_id, is_pinned=True).exclude(pk=entry.pk)
        )
        entry.pin()
        for other in displaced:
            self.log_change(request, other, f"Unpinned: “{entry.headline}” was pinned instead.")

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is Correction:
            for correction_form in formset.forms:
                correction = correction_form.instance
                if correction_form.has_changed() and correction.author_id is None:
                    correction.author = request.user
        super().save_formset(request, form, formset, change)

    @admin.action(description="Publish", permissions=["change"])
    def publish(self, request, queryset):
        self.run_verb(
            request,
            queryset.select_related("blog"),
            verb=Entry.publish,
            applies=lambda entry: entry.status != EntryStatus.PUBLISHED,
            message="Published (action “Publish”).",
            done="{items} published.",
            skipped="{items} left alone: already published.",
        )

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        self.run_verb(
            request,
            queryset.select_related("blog"),
            verb=Entry.unpublish,
            applies=lambda entry: entry.status == EntryStatus.PUBLISHED,
            message="Unpublished (action “Unpublish”).",
            done="{items} back to draft.",
            skipped="{items} left alone: not published.",
        )

    @admin.action(description="Pin (unpins the blog's pinned entry)", permissions=["change"])
    def pin(self, request, queryset):
        entries = list(queryset.select_related("blog"))
        per_blog = Counter(entry.blog_id for entry in entries)
        crowded = sorted({entry.blog.title for entry in entries if per_blog[entry.blog_id] > 1})
        if crowded:
            self.message_user(
                request,
                "Nothing pinned: pick one entry per blog (several selected in "
                + ", ".join(f"“{title}”" for title in crowded)
                + ").",
                messages.ERROR,
            )
            return
        self.run_verb(
            request,
            entries,
            verb=lambda entry: self.pin_entry(request, entry),
            applies=lambda entry: not entry.is_pinned,
            message="Pinned (action “Pin”).",
            done="{items} pinned; any entry pinned before in the same blog is unpinned.",
            skipped="{items} left alone: already pinned.",
        )

    @admin.action(description="Unpin", permissions=["change"])
    def unpin(self, request, queryset):
        self.run_verb(
            request,
            queryset.select_related("blog"),
            verb=Entry.unpin,
            applies=lambda entry: entry.is_pinned,
            message="Unpinned (action “Unpin”).",
            done="{items} unpinned.",
            skipped="{items} left alone: not pinned.",
        )

    @admin.action(description="Mark as key event", permissions=["change"])
    def mark_key_event(self, request, queryset):
        self.run_verb(
            request,
            queryset.select_related("blog"),
            verb=Entry.mark_key_event,
            applies=lambda entry: not entry.is_key_event,
            message="Marked as key event (action).",
            done="{items} marked as key events.",
            skipped="{items} left alone: already key events.",
        )

    @admin.action(description="Unmark key event", permissions=["change"])
    def unmark_key_event(self, request, queryset):
        self.run_verb(
            request,
            queryset.select_related("blog"),
            verb=lambda entry: entry.mark_key_event(False),
            applies=lambda entry: entry.is_key_event,
            message="Unmarked as key event (action).",
            done="{items} no longer key events.",
            skipped="{items} left alone: not key events.",
        )


# --- Images and captions -----------------------------------------------------------------------


class HasFileFilter(admin.SimpleListFilter):
    title = "has file"
    parameter_name = "has_file"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No (alt text only)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(file="")
        if self.value() == "no":
            return queryset.filter(file="")
        return queryset


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = forms.ImageAdminForm
    list_display = ["thumbnail", "alt_text_short", "credit", "file_photo", "usage"]
    list_display_links = ["thumbnail", "alt_text_short"]
    list_filter = ["credit", HasFileFilter, "is_file_photo"]
    search_fields = ["alt_text", "captions__text", "credit"]
    readonly_fields = ["thumbnail", "width", "height", "used_in", "created_at"]
    fields = [
        "file",
        "thumbnail",
        "alt_text",
        "credit",
        "is_file_photo",
        "source_url",
        "width",
        "height",
        "used_in",
        "created_at",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(usage_count=count_of(Caption.objects.all(), "image"))
        )

    def get_search_results(self, request, queryset, search_term):
        # Caption text is searched in a subquery, so an image matching twice is listed once.
        for word in search_term.split():
            in_captions = Caption.objects.filter(image=OuterRef("pk"), text__icontains=word)
            queryset = queryset.filter(
                Q(alt_text__icontains=word) | Q(credit__icontains=word) | Exists(in_captions)
            )
        return queryset, False

    @admin.display(description="picture")
    def thumbnail(self, image: Image):
        if image.file:
            return format_html(
                '<img src="{}" alt="{}" class="lb-thumbnail">',
                image.file.url,
                image.alt_text,
            )
        return format_html(
            '<span class="lb-nofile" title="No file yet">No file: {}</span>',
            Truncator(image.alt_text).chars(60),
        )

    @admin.display(description="alt text", ordering="alt_text")
    def alt_text_short(self, image: Image):
        return Truncator(image.alt_text).chars(100)

    @admin.display(description="file photo", boolean=True, ordering="is_file_photo")
    def file_photo(self, image: Image) -> bool:
        return image.is_file_photo

    @admin.display(description="used", ordering="usage_count")
    def usage(self, image: Image):
        if not image.usage_count:
            return "unused"
        url = reverse("admin:liveblog_caption_changelist") + f"?image__id__exact={image.pk}"
        return format_html('<a href="{}">{} caption(s)</a>', url, image.usage_count)

    @admin.display(description="used in")
    def used_in(self, image: Image):
        if not image.pk:
            return "—"
        captions = image.captions.select_related("entry", "blog")
        if not captions:
            return "Not used yet."
        # The admin indents lists in forms past the labels; this one sits in the field's column.
        return format_html(
            '<ul class="lb-used-in">{}</ul>',
            format_html_join("", "<li>{}</li>", ((describe_caption(c),) for c in captions)),
        )

    def get_deleted_objects(self, objs, request):
        # Caption.image is PROTECT: name the entries and blogs that still show the picture.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            captions = Caption.objects.filter(image__in=objs).select_related(
                "image", "entry", "blog"
            )
            protected = [
                format_html(
                    "“{}” is used as {}; remove it there first", c.image, describe_caption(c)
                )
                for c in captions
            ]
        return to_delete, model_count, perms_needed, protected


@admin.register(Caption)
class CaptionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "image", "placed_in", "position"]
    list_select_related = ["image", "entry", "blog"]
    search_fields = ["text", "image__alt_text", "entry__headline", "blog__title"]
    autocomplete_fields = ["blog", "entry", "image"]
    fields = ["blog", "entry", "image", "text", "position"]

    @admin.display(description="placed in")
    def placed_in(self, caption: Caption):
        return describe_caption(caption)
