"""Admin forms: what editors type, checked before it reaches the models."""

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from PIL import Image as PillowImage

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
        when = date_format(timezone.localtime(updated_at), "DATETIME_FORMAT")
        raise forms.ValidationError(
            "Someone else changed this entry (at %(when)s) after you opened it, so your changes "
            "were NOT saved. They are still in the form below. Open the entry in a new tab to see "
            "the other version, then either copy your changes over there, or press Save again "
            "here to replace their version with yours.",
            code="conflict",
            params={"when": when},
        )


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "credit", "is_file_photo", "source_url"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # unchanged, cleared or empty
        max_bytes = settings.LIVEBLOG_MAX_IMAGE_BYTES
        if upload.size > max_bytes:
            raise forms.ValidationError(
                "This file is %(size)s; pictures may be at most %(max)s. Export a smaller JPEG.",
                code="too_large",
                params={"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            )
        upload.seek(0)
        try:
            with PillowImage.open(upload) as picture:
                width, height = picture.size
        except Exception:  # Pillow raises many kinds of errors for a bad file.
            raise forms.ValidationError(
                "This file is not a picture Pillow can read. Upload a JPEG, PNG, GIF or WebP.",
                code="invalid_image",
            ) from None
        finally:
            upload.seek(0)
        max_pixels = settings.LIVEBLOG_MAX_IMAGE_PIXELS
        if width * height > max_pixels:
            raise forms.ValidationError(
                "This picture is %(width)s × %(height)s pixels (%(megapixels).1f megapixels); "
                "the limit is %(max).1f megapixels. Scale it down first.",
                code="too_many_pixels",
                params={
                    "width": width,
                    "height": height,
                    "megapixels": width * height / 1e6,
                    "max": max_pixels / 1e6,
                },
            )
        return upload
