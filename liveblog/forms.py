"""Admin forms: what editors type, checked before it reaches the models."""

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from liveblog import uploads
from liveblog.models import Blog, Entry, Image


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
    key_points = KeyPointsField(
        required=False,
        help_text="One point per line, in the order readers see them. "
        "Delete a line to remove a point; move lines to reorder.",
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
            "closed_notice",
            "attribution",
            "source_url",
            "source_published",
            "source_updated",
        ]


class EntryAdminForm(forms.ModelForm):
    """The entry form, refusing to save over a change made since it was opened."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
            "authors",
            "order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        self.conflict = False
        # The admin activates the blog's zone around this form (EntryAdmin.changeform_view).
        if "published_at" in self.fields:
            self.fields["published_at"].help_text = (
                f"In {timezone.get_current_timezone_name()} time. Shown as the entry's time; "
                "a time in the future schedules the entry."
            )

    def _get_validation_exclusions(self):
        # One pinned entry per blog holds on save: pinning goes through Entry.pin(), which unpins
        # the blog's other entry first. Validating the constraint here would refuse every re-pin.
        exclude = super()._get_validation_exclusions()
        exclude.add("is_pinned")
        return exclude

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.conflict:
            self._check_version(cleaned.get("loaded_version"))
        return cleaned

    def _check_version(self, loaded: int | None) -> None:
        # Lock the row so nobody saves between this check and ours (the admin view is atomic).
        current = (
            Entry.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", "updated_at")
            .first()
        )
        if current is None or loaded is None or loaded == current[0]:
            return
        version, updated_at = current
        self.conflict = True
        # Re-show the editor's text; a second save, made knowingly, goes through.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = str(version)
        local = timezone.localtime(updated_at)
        raise forms.ValidationError(
            "%(who)s changed this entry at %(when)s after you opened it, so your changes were "
            "NOT saved.%(what)s Your changes are still in the form below. Open the entry in a new "
            "tab to see the other version, then either copy your changes over there, or press "
            "Save again here to replace that version with yours.",
            code="conflict",
            params={
                "when": f"{date_format(local, 'j M, H:i')} {local.tzname()}",
                **self._last_change_by(updated_at),
            },
        )

    def _last_change_by(self, updated_at) -> dict:
        """Who made the change that conflicts, and what it was, as the entry's history says.

        The history's newest line counts only if written with or after that change: imports and
        the API change entries without writing history.
        """
        log = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Entry),
                object_id=str(self.instance.pk),
                action_time__gte=updated_at,
            )
            .select_related("user")
            .order_by("-action_time")
            .first()
        )
        if log is None:
            return {"who": "Someone else", "what": ""}
        who = log.user.get_full_name() or log.user.get_username()
        return {"who": who, "what": f" Its history says: “{log.get_change_message()}”"}


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "credit", "is_file_photo", "source_url"]
        field_classes = {"file": uploads.PictureField}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # unchanged, cleared or empty
        return uploads.validate_image(upload)
