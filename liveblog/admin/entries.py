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
from liveblog import forms, history
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
from liveblog.desk.views import FROM_DESK
from liveblog.models import ATTENTION_REASONS, Blog, Caption, Correction, Entry, EntryStatus
from liveblog.teams import rules

# The statuses a contributor chooses from (an editor approves: liveblog.teams.rules).
CONTRIBUTOR_STATUSES = [EntryStatus.DRAFT, EntryStatus.SUBMITTED]


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

    # Public corrections are the blog's editors' to write (liveblog.teams.rules).
    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or rules.works_on_any(request.user)

    def corrects(self, request, obj) -> bool:
        return obj is not None and rules.may(request.user, rules.Action.PUBLISH, obj.blog_id)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) or self.corrects(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) or self.corrects(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) or self.corrects(request, obj)


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


ENTRY_DELETED_AS_NEW = _(
    "Someone deleted this entry after you opened it, so your changes were NOT saved. They are "
    "below as a new entry of the same blog: save it to add them again, or leave it."
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
            "approve",
            Entry.approve,
            description=_("Approve (publish submitted entries)"),
            message="Approved and published (action “Approve”).",
            applies=lambda entry: entry.status == EntryStatus.SUBMITTED,
            done=_("{items} approved and published."),
            skipped=_("{items} left alone: not waiting for approval."),
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
                    "return_note",
                    "published_at",
                    "is_key_event",
                    "is_pinned",
                    "verification",
                    "verification_note",
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
        entries = super().get_queryset(request)
        if not super().has_view_permission(request):
            # A team member: what they may read of their blogs' entries.
            mine = list(rules.roles_of(request.user))
            entries = entries.visible_to(request.user).filter(blog_id__in=mine)
        return entries.annotate(image_count=count_of(Caption.objects.all(), "entry"))

    # Who may do what: newsroom-wide model permissions (super()), or the user's role on the
    # entry's blog and their authorship (liveblog.teams.rules).
    @staticmethod
    def current(entry: Entry) -> Entry:
        """The entry as it is now: a version from the history page is judged by the row."""
        if hasattr(entry, "_history") or not hasattr(entry, "_state") or entry._state.adding:
            return Entry.objects.filter(pk=entry.pk).first() or entry
        return entry

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) or rules.works_on_any(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        if super().has_view_permission(request, obj):
            return True
        if obj is None:
            return rules.works_on_any(request.user)
        entry = self.current(obj)
        return Entry.objects.visible_to(request.user).filter(pk=entry.pk).exists()

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) or rules.works_on_any(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return super().has_change_permission(request) or rules.works_on_any(request.user)
        return rules.may_edit(request.user, self.current(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None:
            return super().has_delete_permission(request) or rules.works_on_any(request.user)
        return rules.may_delete(request.user, self.current(obj))

    def may_run(self, request, entry: Entry) -> bool:
        return rules.may(request.user, rules.Action.PUBLISH, entry.blog_id)

    def publishes(self, request, obj=None) -> bool:
        """Whether the user may publish in the entry's blog (for a new entry: in every blog
        they write for, so the form offers what it may save)."""
        user = request.user
        if obj is not None:
            return rules.may(user, rules.Action.PUBLISH, obj.blog_id)
        if rules.everywhere(user, rules.Action.PUBLISH):
            return True
        writes = rules.blog_ids(user, rules.Action.WRITE)
        return bool(writes) and set(writes) <= set(rules.blog_ids(user, rules.Action.PUBLISH))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        status = form.base_fields.get("status")
        if status is not None and not self.publishes(request, obj):
            status.choices = [c for c in status.choices if c[0] in CONTRIBUTOR_STATUSES]
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.publishes(request, obj):
            return fieldsets
        # A contributor's form: what they write, and the editor's note, shown.
        hidden = set(rules.EDITORIAL_FIELDS) - {"return_note"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "blog" and not rules.everywhere(request.user, rules.Action.WRITE):
            kwargs["queryset"] = Blog.objects.filter(
                pk__in=rules.blog_ids(request.user, rules.Action.WRITE)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not rules.everywhere(request.user, rules.Action.PUBLISH):
            # Ticking "pinned" in the list publishes a decision: newsroom editors only.
            changelist.list_editable = ()
        return changelist

    def get_readonly_fields(self, request, obj=None):
        # An entry stays in its blog: moving it would leave readers of the old one holding it.
        fields = super().get_readonly_fields(request, obj)
        if not self.publishes(request, obj):
            fields = [*fields, "return_note"]
        return [*fields, "blog"] if obj is not None else fields

    def get_list_display(self, request):
        # Filtered to one blog, a column repeating its title only pushes the flags off screen.
        if BlogFilter.is_narrowed(request):
            return [name for name in self.list_display if name != "blog_title"]
        return self.list_display

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Editors read and type entry times in the blog's zone, as readers and the changelist show
        # them. The page is rendered inside too: widgets convert times when they render.
        # (Not an id at all, e.g. /entry/abc/change/: Django's own "doesn't exist" answers.)
        deleted = request.method == "POST" and str(object_id or "").isdigit()
        if deleted and "_saveasnew" not in request.POST:
            if not Entry.objects.filter(pk=object_id).exists():
                return self.unsaved_entry_view(request, object_id, extra_context)
        extra_context = {**(extra_context or {}), **self.changeform_view_context()}
        with timezone.override(self.form_zone(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    # What an editor typed into an entry's form, carried to a new entry's if it was deleted.
    UNSAVED_TEXT = ("headline", "body", "status", "verification", "verification_note", "language")
    UNSAVED_FLAGS = ("is_key_event",)

    def unsaved_entry_view(self, request, object_id, extra_context=None):
        """An entry's form sent after someone deleted the entry: Django would redirect to the
        admin's index and the typed text would be lost. Instead the form comes back as a new
        entry of the same blog (its blog from the entry's history), holding the editor's text,
        unsaved, with the sentence saying so; saving it adds the entry."""
        blog_id = (
            Entry.history.filter(id=object_id)
            .order_by("-history_date")
            .values_list("blog_id", flat=True)
            .first()
        )
        if blog_id is None or not self.has_add_permission(request):
            return super().changeform_view(request, object_id, extra_context=extra_context)
        messages.error(request, ENTRY_DELETED_AS_NEW)
        request.unsaved_entry = request.POST
        # Rendered as the add form opened for that blog (its zone, its blog field).
        request.method = "GET"
        request.GET = QueryDict(mutable=True)
        request.GET["blog"] = str(blog_id)
        add_url = f"{reverse('admin:liveblog_entry_add')}?{request.GET.urlencode()}"
        return self.changeform_view(request, None, add_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """The entry's history, its times in its blog's zone (as everywhere editors read them)."""
        with timezone.override(self.form_zone(request, object_id)):
            response = super().history_view(request, object_id, extra_context)
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
        if request.GET.get(FROM_DESK):
            # Opened from the live desk ("Full form"): Save returns there, to the entry.
            desk = reverse("admin:liveblog_blog_desk", args=[obj.blog_id])
            return HttpResponseRedirect(f"{desk}#desk-entry-{obj.pk}")
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
        if (unsaved := getattr(request, "unsaved_entry", None)) is not None:
            initial |= {name: unsaved[name] for name in self.UNSAVED_TEXT if name in unsaved}
            initial |= {name: name in unsaved for name in self.UNSAVED_FLAGS}
            if authors := unsaved.getlist("authors"):
                initial["authors"] = authors
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
        if entry.status == EntryStatus.DRAFT and entry.return_note:
            return badge("returned", _("Returned"))
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

    def change_reason(self, obj: Entry, form, change: bool) -> str:
        before = None
        if change:
            before = {name: form.initial.get(name) for name in ("status", "verification")}
        where = "entry list" if getattr(form, "saves_changed_fields_only", False) else "entry form"
        return history.entry_reason(obj, before=before, changed=form.changed_data, where=where)

    def save_model(self, request, obj: Entry, form, change: bool) -> None:
        obj._change_reason = self.change_reason(obj, form, change)
        if change and getattr(form, "saves_changed_fields_only", False):
            # Changelist rows: an earlier row's pin may have unpinned this one meanwhile.
            obj.save(update_fields=form.changed_data)
        else:
            obj.save()

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change and not self.publishes(request, form.instance):
            # A contributor's new entry is theirs, whoever else they named.
            form.instance.authors.add(request.user)

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
