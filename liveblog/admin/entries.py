"""Entries in the admin: the stream as a list with flags, the entry form, verb actions."""

import zoneinfo
from collections import Counter

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms import BaseInlineFormSet, BaseModelFormSet, ModelForm, SelectMultiple
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from liveblog import body as body_markup
from liveblog import forms
from liveblog.admin.display import (
    INLINE_TEXT,
    EditorialAdmin,
    ValidWidgetsMixin,
    badge,
    count_of,
    in_zone,
    verb_action,
)
from liveblog.desk import forms as desk_forms
from liveblog.models import ATTENTION_REASONS, Blog, Caption, Correction, Entry, EntryStatus


class CaptionInline(ValidWidgetsMixin, admin.TabularInline):
    model = Caption
    fk_name = "entry"
    fields = ["image", "text", "position"]
    formfield_overrides = {Caption._meta.get_field("text").__class__: INLINE_TEXT}
    autocomplete_fields = ["image"]
    extra = 0
    verbose_name = _("picture")
    verbose_name_plural = _("pictures (captions)")

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


class CorrectionInline(ValidWidgetsMixin, admin.TabularInline):
    model = Correction
    formset = CorrectionFormSet
    fields = ["created_at", "text", "author"]
    formfield_overrides = {Correction._meta.get_field("text").__class__: INLINE_TEXT}
    readonly_fields = ["author"]
    extra = 0
    verbose_name_plural = _("corrections (shown to readers under the entry)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        reasons = [
            (name, label[0].upper() + label[1:]) for name, label in ATTENTION_REASONS.items()
        ]
        return [("yes", _("Any reason")), *reasons]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.needing_attention()
        if self.value() in ATTENTION_REASONS:
            return queryset.needing_attention(self.value())
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
                _("Only one entry per blog can be pinned: tick “pinned” on one entry of each blog.")
            )


@admin.register(Entry)
class EntryAdmin(EditorialAdmin):
    form = forms.EntryAdminForm
    list_display = [
        "headline",
        "blog_title",
        "time",
        "status_badge",
        "is_key_event",
        "is_pinned",
        "image_count",
        "attention",
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
    # By time, newest first: a blog's list reads entry_blog_sort_idx in order (the pinned
    # entry is marked in its column rather than sorted first, which no index serves).
    ordering = ["-sort_key", "-id"]
    # No count of every entry of every blog under a filtered list's count.
    show_full_result_count = False
    autocomplete_fields = ["blog"]
    formfield_overrides = {
        models.DateTimeField: {
            "form_class": forms.SecondsSplitDateTimeField,
            "widget": widgets.AdminSplitDateTime,
        }
    }
    inlines = [CaptionInline, CorrectionInline]
    actions = [
        verb_action(
            "publish",
            Entry.publish,
            description=_("Publish"),
            message="Published (action “Publish”).",
            applies=lambda entry: entry.status != EntryStatus.PUBLISHED,
            done=_("{items} published."),
            skipped=_("{items} left alone: already published."),
        ),
        verb_action(
            "unpublish",
            Entry.unpublish,
            description=_("Unpublish (back to draft)"),
            message="Unpublished (action “Unpublish”).",
            applies=lambda entry: entry.status == EntryStatus.PUBLISHED,
            done=_("{items} back to draft."),
            skipped=_("{items} left alone: not published."),
        ),
        "pin",
        verb_action(
            "unpin",
            Entry.unpin,
            description=_("Unpin"),
            message="Unpinned (action “Unpin”).",
            applies=lambda entry: entry.is_pinned,
            done=_("{items} unpinned."),
            skipped=_("{items} left alone: not pinned."),
        ),
        verb_action(
            "mark_key_event",
            Entry.mark_key_event,
            description=_("Mark as key event"),
            message="Marked as key event (action).",
            applies=lambda entry: not entry.is_key_event,
            done=_("{items} marked as key events."),
            skipped=_("{items} left alone: already key events."),
        ),
        verb_action(
            "unmark_key_event",
            lambda entry: entry.mark_key_event(False),
            description=_("Unmark key event"),
            message="Unmarked as key event (action).",
            applies=lambda entry: entry.is_key_event,
            done=_("{items} no longer key events."),
            skipped=_("{items} left alone: not key events."),
        ),
    ]
    readonly_fields = ["preview", "revision", "created_at", "updated_at", "import_key"]
    fieldsets = [
        (None, {"fields": ["blog", "headline", "body", "preview"]}),
        (
            _("Publishing"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "is_key_event",
                    "is_pinned",
                    "authors",
                    "order",
                    "language",
                    "loaded_version",
                ]
            },
        ),
        (
            _("Bookkeeping"),
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

    def get_urls(self):
        preview = self.admin_site.admin_view(self.body_preview_view)
        return [path("preview/", preview, name="liveblog_entry_preview"), *super().get_urls()]

    def body_preview_view(self, request):
        """The body being typed, rendered by the server's one grammar (liveblog/body.py) for
        the form's live preview (entry_preview.js): links, emphasis, quotes, embeds."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        blocks = body_markup.parse(request.POST.get("body", ""))
        return render(request, "admin/liveblog/entry/_preview_blocks.html", {"blocks": blocks})

    def changeform_view_context(self) -> dict:
        return {"body_preview_url": reverse("admin:liveblog_entry_preview")}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(image_count=count_of(Caption.objects.all(), "entry"))
        )

    def get_readonly_fields(self, request, obj=None):
        # An entry stays in its blog: moving it would leave readers of the old one holding it.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "blog"] if obj is not None else fields

    def get_list_display(self, request):
        # Filtered to one blog, a column repeating its title only pushes the flags off screen.
        if BlogFilter.is_narrowed(request):
            return [name for name in self.list_display if name != "blog_title"]
        return self.list_display

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Editors read and type entry times in the blog's zone, as readers and the changelist show
        # them. The page is rendered inside too: widgets convert times when they render.
        extra_context = {**(extra_context or {}), **self.changeform_view_context()}
        with timezone.override(self.form_zone(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Restoring an earlier version: the same zone and the same version check as editing,
        inside one transaction (the check locks the blog)."""
        with transaction.atomic(), timezone.override(self.form_zone(request, object_id)):
            response = super().history_form_view(request, object_id, version_id, extra_context)
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

    def response_post_save_add(self, request, obj: Entry):
        return self.to_blog_list(request, obj, super().response_post_save_add(request, obj))

    def response_post_save_change(self, request, obj: Entry):
        return self.to_blog_list(request, obj, super().response_post_save_change(request, obj))

    def to_blog_list(self, request, obj: Entry, response):
        """After Save, the list of the entry's own blog (where its place in the stream shows),
        not every blog's entries, unless the list it came from already chose a blog."""
        changelist = reverse("admin:liveblog_entry_changelist")
        if not isinstance(response, HttpResponseRedirect) or not response["Location"].startswith(
            changelist
        ):
            return response
        filters = QueryDict(request.GET.get("_changelist_filters", ""), mutable=True)
        if not filters.get("blog__id__exact"):
            filters["blog__id__exact"] = str(obj.blog_id)
            response["Location"] = f"{changelist}?{filters.urlencode()}"
        return response

    def view_on_site(self, obj: Entry) -> str | None:
        """Readers' pages show published entries only: a draft or a scheduled entry gets no
        "View on site" link to a 404 (the live desk previews it as readers will see it)."""
        return obj.get_absolute_url() if obj.is_visible else None

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if blog := self.blog_opened_for(request):
            initial.setdefault("blog", blog)
        initial.setdefault("authors", [request.user.pk])
        return initial

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "authors":
            # A compact list by full name, as on the live desk (not two boxes of usernames).
            kwargs["queryset"] = desk_forms.author_choices()
            kwargs["form_class"] = desk_forms.AuthorChoiceField
            kwargs["widget"] = SelectMultiple(attrs={"size": 4, "class": "lb-authors"})
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=EntryListForm, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        return super().get_changelist_formset(request, formset=EntryListFormSet, **kwargs)

    @admin.display(description=_("blog"), ordering="blog__title")
    def blog_title(self, entry: Entry):
        title = entry.blog.title
        return format_html('<span title="{}">{}</span>', title, Truncator(title).chars(28))

    @admin.display(description=_("time"), ordering="published_at")
    def time(self, entry: Entry):
        if entry.published_at is None:
            return "—"
        return in_zone(entry.published_at, entry.blog.zone)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, entry: Entry):
        if entry.is_scheduled_now:
            return badge("scheduled", _("Scheduled"))
        return badge(entry.status, entry.get_status_display())

    @admin.display(description=_("pictures"), ordering="image_count")
    def image_count(self, entry: Entry):
        return entry.image_count

    @admin.display(description=_("needs attention"))
    def attention(self, entry: Entry):
        return "; ".join(map(str, entry.attention_reasons)) or "—"

    @admin.display(description=_("preview"))
    def preview(self, entry: Entry):
        if not entry.pk:
            return _("The preview appears once the entry is saved.")
        return render_to_string(
            "admin/liveblog/entry/_preview.html", {"blocks": entry.display_blocks()}
        )

    def save_model(self, request, obj: Entry, form, change: bool) -> None:
        if change and getattr(form, "saves_changed_fields_only", False):
            # Changelist rows: an earlier row's pin may have unpinned this one meanwhile.
            obj.save(update_fields=form.changed_data)
        else:
            obj.save()

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is Correction:
            for correction_form in formset.forms:
                correction = correction_form.instance
                if correction_form.has_changed() and correction.author_id is None:
                    correction.author = request.user
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("Pin (unpins the blog's pinned entry)"), permissions=["change"])
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
            verb=Entry.pin,
            applies=lambda entry: not entry.is_pinned,
            message="Pinned (action “Pin”).",
            done=_("{items} pinned; any entry pinned before in the same blog is unpinned."),
            skipped=_("{items} left alone: already pinned."),
        )
