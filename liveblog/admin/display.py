"""What every editors' page shares: badges, times in a blog's zone, links, counts, verbs."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.utils import model_ngettext
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms import Textarea
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from liveblog.forms import HiddenInitialInput
from liveblog.models import Caption

# Short text boxes in inline rows: the admin's default (48em wide, 10 rows) pushes a row's last
# columns, "position" and "delete", out of the form.
INLINE_TEXT = {"widget": Textarea(attrs={"rows": 3, "cols": 50})}


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


def verb_action(
    name: str, verb: Callable, *, description: str, message: str, applies, done, skipped
):
    """An admin action running a model verb on each selected object it applies to, recording
    `message` in the object's history and telling the editor what was done and left alone."""

    @admin.action(description=description, permissions=["change"])
    def action(model_admin, request, queryset):
        model_admin.run_verb(
            request,
            queryset,
            verb=verb,
            applies=applies,
            message=message,
            done=done,
            skipped=skipped,
        )

    action.__name__ = name
    return action


class AutocompleteSelect(widgets.AutocompleteSelect):
    """The admin's autocomplete with a valid first option: HTML wants a required single select
    to start with an empty-valued option, and an option to have text. Select2 takes the empty
    option as its placeholder, so editors see no difference."""

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        options = groups[0][1]
        if options and options[0]["value"] == "":
            options[0]["label"] = EMPTY_CHOICE
        elif not self.allow_multiple_selected:
            options.insert(0, self.create_option(name, "", EMPTY_CHOICE, False, 0))
        return groups


EMPTY_CHOICE = "---------"  # what Django's plain selects show for "none chosen"


class ValidWidgetsMixin:
    """Form widgets that pass the HTML checker, for every admin and inline of the project."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and field.show_hidden_initial:
            field.hidden_widget = HiddenInitialInput
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            using = kwargs.get("using")
            kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=using)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EditorialAdmin(ValidWidgetsMixin, SimpleHistoryAdmin):
    """History (who changed what, old and new values, restore) plus actions running verbs."""

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
        """Run a domain verb on each selected object it applies to and tell the editor."""
        changed = unchanged = 0
        for obj in queryset:
            if not applies(obj):
                unchanged += 1
                continue
            with transaction.atomic():
                obj._change_reason = message
                obj._history_user = request.user
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
