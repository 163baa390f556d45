"""Blogs in the admin: the list with counts, the form with the hero, status actions."""

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from liveblog import forms
from liveblog.admin.display import (
    INLINE_TEXT,
    EditorialAdmin,
    ValidWidgetsMixin,
    badge,
    entry_changelist_url,
    in_zone,
    verb_action,
)
from liveblog.desk import views as desk_views
from liveblog.models import ATTENTION_REASONS, Blog, BlogStatus, Caption, Entry


class HeroCaptionInline(ValidWidgetsMixin, admin.TabularInline):
    model = Caption
    fk_name = "blog"
    fields = ["image", "text"]
    formfield_overrides = {Caption._meta.get_field("text").__class__: INLINE_TEXT}
    autocomplete_fields = ["image"]
    extra = 1
    max_num = 1
    verbose_name = _("hero image")
    verbose_name_plural = _("hero image")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(entry__isnull=True).select_related("image")


def status_action(
    name: str, status: str, *, description: str, message: str, done: str, skipped: str, only=None
):
    """An action moving the selected blogs to `status` through Blog.set_status(), for those the
    transition applies to (and, with `only`, that are in that status now)."""
    return verb_action(
        name,
        lambda blog: blog.set_status(status),
        description=description,
        message=message,
        applies=lambda blog: (
            blog.status != status
            and BlogStatus.allows(blog.status, status)
            and (only is None or blog.status == only)
        ),
        done=done,
        skipped=skipped,
    )


@admin.register(Blog)
class BlogAdmin(EditorialAdmin):
    form = forms.BlogAdminForm
    list_display = [
        "title",
        "status_badge",
        "entry_count",
        "key_event_count",
        "last_updated",
        "desk_link",
        "view_link",
    ]
    list_filter = ["status", "language", ("coverage_date", admin.DateFieldListFilter)]
    search_fields = ["title", "standfirst"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["translations"]
    inlines = [HeroCaptionInline]
    actions = [
        status_action(
            "go_live",
            BlogStatus.LIVE,
            description=_("Go live"),
            message="Went live (action “Go live”).",
            done=_("{items} now live."),
            skipped=_("{items} left alone: they cannot go live."),
        ),
        status_action(
            "close",
            BlogStatus.CLOSED,
            description=_("Close (stop live updates)"),
            message="Closed (action “Close”).",
            done=_("{items} closed."),
            skipped=_("{items} left alone: they cannot be closed."),
        ),
        status_action(
            "reopen",
            BlogStatus.LIVE,
            description=_("Reopen"),
            message="Reopened (action “Reopen”).",
            done=_("{items} reopened and live again."),
            skipped=_("{items} left alone: only closed blogs can be reopened."),
            only=BlogStatus.CLOSED,
        ),
    ]
    readonly_fields = [
        "entries_summary",
        "needs_attention",
        "import_notes_list",
        "closed_at",
        "source_format",
        "source_name",
        "source_hash",
        "imported_at",
        "revision",
        "changed_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "standfirst", "key_points", "intro"]}),
        (_("Entries"), {"fields": ["entries_summary", "needs_attention", "import_notes_list"]}),
        (
            _("Status and dates"),
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
        (_("Translations"), {"fields": ["translations"]}),
        (
            _("Source"),
            {"fields": ["attribution", "source_url", "source_published", "source_updated"]},
        ),
        (
            _("Import provenance"),
            {
                "classes": ["collapse"],
                "description": _("Where the blog was imported from. Set by the importer only."),
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

    def get_urls(self):
        # The live desk of each blog: admin/liveblog/blog/<id>/desk/ (liveblog/desk/views.py).
        return desk_views.urls() + super().get_urls()

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, blog: Blog):
        return badge(blog.status, blog.get_status_display())

    @admin.display(description=_("published entries"), ordering="entry_count")
    def entry_count(self, blog: Blog):
        return format_html(
            '<a href="{}">{}</a>', entry_changelist_url(blog__id__exact=blog.pk), blog.entry_count
        )

    @admin.display(description=_("key events"), ordering="key_event_count")
    def key_event_count(self, blog: Blog):
        return blog.key_event_count

    @admin.display(description=_("last updated"), ordering="changed_at")
    def last_updated(self, blog: Blog):
        return in_zone(blog.changed_at, blog.zone)

    @admin.display(description=_("live desk"))
    def desk_link(self, blog: Blog):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:liveblog_blog_desk", args=[blog.pk]), _("Desk")
        )

    @admin.display(description=_("on the site"))
    def view_link(self, blog: Blog):
        label = _("View on site") if blog.is_public else _("Preview (draft)")
        return format_html('<a href="{}" target="_blank">{}</a>', blog.get_absolute_url(), label)

    @admin.display(description=_("entries"))
    def entries_summary(self, blog: Blog):
        if not blog.pk:
            return _("Save the blog first, then add entries.")
        counts = ", ".join(
            [
                ngettext(
                    "%(count)s published entry", "%(count)s published entries", blog.entry_count
                )
                % {"count": blog.entry_count},
                ngettext("%(count)s key event", "%(count)s key events", blog.key_event_count)
                % {"count": blog.key_event_count},
            ]
        )
        return format_html(
            '<a href="{}"><strong>{}</strong></a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:liveblog_blog_desk", args=[blog.pk]),
            _("Open the live desk"),
            entry_changelist_url(blog__id__exact=blog.pk),
            counts,
            reverse("admin:liveblog_entry_add") + f"?blog={blog.pk}",
            _("add an entry"),
        )

    @admin.display(description=_("needs attention"))
    def needs_attention(self, blog: Blog):
        """Entries lacking something, counted per reason (one query), and the hero's lacks."""
        if not blog.pk:
            return "—"
        counts = (
            Entry.objects.for_blog(blog)
            .needing_attention()
            .aggregate(
                total=Count("pk"),
                # Named apart from the flags: an aggregate named as a flag would shadow it.
                **{
                    f"with_{name}": Count("pk", filter=Q(**{name: True}))
                    for name in ATTENTION_REASONS
                },
            )
        )
        hero = Caption.objects.filter(blog=blog, entry__isnull=True).select_related("image").first()
        hero_lacks = hero.image.attention_reasons() if hero else []
        parts = []
        if counts["total"]:
            reasons = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (
                        entry_changelist_url(blog__id__exact=blog.pk, attention=name),
                        _("%(count)s with %(reason)s") % {"count": count, "reason": label},
                    )
                    for name, label in ATTENTION_REASONS.items()
                    if (count := counts[f"with_{name}"])
                ),
            )
            total = counts["total"]
            parts.append(
                format_html(
                    '<a href="{}"><strong>{}</strong></a> {}',
                    entry_changelist_url(blog__id__exact=blog.pk, attention="yes"),
                    ngettext("%(count)s entry", "%(count)s entries", total) % {"count": total},
                    format_html(
                        ngettext("needs attention: {}.", "need attention: {}.", total),
                        reasons,
                    ),
                )
            )
        if hero_lacks:
            parts.append(
                format_html(
                    _('The <a href="#captions-group">hero image</a> needs attention: {}.'),
                    ", ".join(str(reason) for reason in hero_lacks),
                )
            )
        if not parts:
            return _("Nothing: every link has an address and every picture a file and alt text.")
        return format_html_join(" ", "{}", ((part,) for part in parts))

    @admin.display(description=_("import notes"))
    def import_notes_list(self, blog: Blog):
        """What the last import of the blog's file had to assume, at the file's lines."""
        notes = blog.import_notes.splitlines()
        if not notes:
            return _("None: the last import assumed nothing.") if blog.imported_at else "—"
        return format_html(
            "<p>{}</p><ul>{}</ul>",
            _("The last import had to assume this; check each place:"),
            format_html_join("", "<li>{}</li>", ((note,) for note in notes)),
        )
