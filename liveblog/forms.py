"""Admin forms: what editors type, checked before it reaches the models."""

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liveblog import body as body_markup
from liveblog import freshness, uploads
from liveblog.models import Blog, BlogStatus, Entry, Image


class KeyPointsField(forms.CharField):
    """A JSON list of short texts, edited as a textarea with one point per line."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 80})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [" ".join(line.split()) for line in text.splitlines() if line.strip()]

    def has_changed(self, initial, data) -> bool:
        return (initial or []) != self.to_python(data)


class BlogAdminForm(forms.ModelForm):
    """The blog form: a status the blog cannot move to is refused with the reason."""

    key_points = KeyPointsField(
        required=False,
        help_text=gettext_lazy(
            "One point per line, in the order readers see them. "
            "Delete a line to remove a point; move lines to reorder."
        ),
    )

    class Meta:
        model = Blog
        fields = [
            "title",
            "slug",
            "standfirst",
            "key_points",
            "intro",
            "status",
            "coverage_date",
            "starts_at",
            "time_zone",
            "language",
            "translations",
            "closed_notice",
            "attribution",
            "source_url",
            "source_published",
            "source_updated",
        ]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if self.instance.pk and (refusal := BlogStatus.refusal(self.instance.status, status)):
            raise forms.ValidationError(refusal, code="transition")
        return status


class BodyField(forms.CharField):
    """The entry body as the model stores it: browsers submit CRLF newlines, which are the same
    text (an untouched body is not "changed")."""

    widget = forms.Textarea

    def to_python(self, value) -> str:
        return body_markup.normalise(super().to_python(value) or "")


class SecondsSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date and time boxes, which show and send times to the second: a time left as
    it was is not a change (its fraction of a second stays, see EntryAdminForm)."""

    def has_changed(self, initial, data) -> bool:
        if initial is not None:
            initial = initial.replace(microsecond=0)
        return super().has_changed(initial, data)


class UnlabelledHiddenInput(forms.HiddenInput):
    """A hidden field the admin lays out in a fieldset: its row's label names no control (HTML
    forbids a label `for` a hidden input), so the label has no `for`."""

    def id_for_label(self, id_: str) -> str:
        return ""


class HiddenInitialInput(forms.HiddenInput):
    """The hidden copy of a field's initial value (`show_hidden_initial`, fields with a
    callable default) without the aria-describedby that Django gives it from the field's help
    text: HTML allows no aria-* attribute on a hidden input."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        return {name: value for name, value in attrs.items() if not name.startswith("aria-")}


# Saving an entry someone deleted after the editor opened it (the admin's form, the desk).
ENTRY_DELETED = gettext_lazy(
    "Someone deleted this entry after you opened it, so your changes were NOT saved. Your text "
    "is still in the form below: copy what you need into a new entry."
)


class EntryAdminForm(forms.ModelForm):
    """The entry form, refusing to save over a change made since it was opened."""

    body = BodyField(required=False, help_text=body_markup.EDITOR_HELP_TEXT)
    loaded_version = forms.IntegerField(widget=UnlabelledHiddenInput, required=False)

    class Meta:
        model = Entry
        fields = [
            "blog",
            "headline",
            "body",
            "status",
            "published_at",
            "is_key_event",
            "is_pinned",
            "verification",
            "verification_note",
            "return_note",
            "authors",
            "order",
            "language",
        ]

    # The editor using the form (set by the admin, EntryAdmin.get_form): what they may write
    # is the team rule's (liveblog.teams.rules).
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "headline" in self.fields:
            # A browser cuts pasted text at maxlength without a word; without it, a headline
            # over the limit is refused saying how long it is.
            self.fields["headline"].widget.attrs.pop("maxlength", None)
        if self.instance.pk:
            version = self.instance.version
            if hasattr(self.instance, "_history"):
                # Restoring an earlier version (history page): it replaces the current one.
                version = Entry.objects.filter(pk=self.instance.pk).values_list("version").get()[0]
            self.fields["loaded_version"].initial = version
        self.conflict = False
        self.conflict_by = ""
        # The admin activates the blog's zone around this form (EntryAdmin.changeform_view).
        if "published_at" in self.fields:
            self.fields["published_at"].help_text = _(
                "In %(zone)s time. Leave empty to use the moment it is published; a time in the "
                "future schedules the entry."
            ) % {"zone": timezone.get_current_timezone_name()}

    def clean_published_at(self):
        # The form shows and sends times to the second: an untouched time keeps its fraction
        # (otherwise every save would "change" it, and move the entry among same-second ones).
        moment = self.cleaned_data.get("published_at")
        known = self.instance.published_at
        if moment and known and moment.replace(microsecond=0) == known.replace(microsecond=0):
            return known
        return moment

    def _get_validation_exclusions(self):
        # Saving a pinned entry unpins the blog's other one (Entry.save()): validating the
        # one-pin constraint here would refuse every re-pin.
        exclude = super()._get_validation_exclusions()
        exclude.add("is_pinned")
        return exclude

    def clean(self):
        cleaned = super().clean()
        self._check_role(cleaned)
        if self.instance.pk and not self.conflict:
            self._check_version(cleaned.get("loaded_version"))
        return cleaned

    def _check_role(self, cleaned: dict) -> None:
        """Refuse, at the field, what the user's role does not let them write (a contributor
        publishing, pinning, labelling): the form stays filled in."""
        from liveblog.teams import rules  # the rule reads the models this module imports

        blog = cleaned.get("blog") or (self.instance.blog if self.instance.blog_id else None)
        if self.user is None or blog is None:
            return
        if not self.instance.pk and not rules.may(self.user, rules.Action.WRITE, blog):
            self.add_error("blog", _("You do not write for this blog."))
            return
        changes = {name: cleaned[name] for name in self.changed_data if name in cleaned}
        existing = self.instance if self.instance.pk else None
        for name in rules.refused_fields(self.user, blog, changes, existing):
            self.add_error(name if name in self.fields else None, rules.refusal([name]))

    def _check_version(self, loaded: int | None) -> None:
        # Lock the blog (as every writer of its entries does) so nobody saves between this
        # check and ours: the admin view is atomic.
        Blog.objects.lock(self.instance.blog_id)
        current = Entry.objects.filter(pk=self.instance.pk).values_list("version").first()
        if current is None:
            # Deleted after the admin found it for this request: nothing left to save over.
            raise forms.ValidationError(ENTRY_DELETED, code="deleted")
        refusal = freshness.version_precondition(loaded, current[0])
        if refusal is None:
            return
        if refusal == "missing":
            # Without the version it was opened on, the form cannot tell a newer one apart.
            raise forms.ValidationError(
                _(
                    "This form does not say which version of the entry it was opened on: reload "
                    "the entry and make your change again."
                ),
                code="missing_version",
            )
        self.conflict = True
        # Re-show the editor's text; a second save, made knowingly, goes through.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = str(current[0])
        last = self.instance.history.order_by("-history_date", "-history_id").first()
        who, what, when = _("Someone else"), "", None
        if last is not None:
            when = timezone.localtime(last.history_date)
            if last.history_user is not None:
                who = last.history_user.get_full_name() or last.history_user.get_username()
            if last.prev_record is not None:
                changed = last.diff_against(last.prev_record).changed_fields
                if changed:
                    names = [str(Entry._meta.get_field(name).verbose_name) for name in changed]
                    what = " " + _("They changed: %(fields)s.") % {"fields": ", ".join(names)}
        self.conflict_by = who
        raise forms.ValidationError(
            _(
                "%(who)s changed this entry%(when)s after you opened it, so your changes were "
                "NOT saved.%(what)s Your changes are still in the form below. Open the entry in a "
                "new tab to see the other version (or its History), then either copy your changes "
                "over there, or press Save again here to replace that version with yours."
            ),
            code="conflict",
            params={
                "who": who,
                "what": what,
                "when": " "
                + _("at %(time)s %(zone)s")
                % {"time": date_format(when, "j M, H:i"), "zone": when.tzname()}
                if when
                else "",
            },
        )


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "credit", "is_file_photo", "source_url"]
        field_classes = {"file": uploads.PictureField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What liveblog/admin/upload_limit.js needs to refuse a picture over the limit at once.
        limit = settings.LIVEBLOG_MAX_IMAGE_BYTES
        self.fields["file"].widget.attrs.update(
            {
                "data-max-bytes": str(limit),
                "data-too-large": _(
                    "This file is %(size)s; pictures may be at most %(max)s. Export a smaller "
                    "JPEG. Nothing else you typed was lost."
                ).replace("%(max)s", filesizeformat(limit)),
                "data-megabytes": _("%(size)s MB"),
            }
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # unchanged, cleared or empty
        return uploads.validate_image(upload)
