"""What the live desk's composer and in-place editor send, checked before it reaches the models."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liveblog import body as body_markup
from liveblog import uploads
from liveblog.forms import BodyField, EntryAdminForm
from liveblog.models import Entry, Image, validate_showable_time

PUBLISH, DRAFT, SCHEDULE, SUBMIT = "publish", "draft", "schedule", "submit"
# How the desk reads a time typed in the blog's zone (a datetime-local input, or by hand).
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class AuthorChoiceField(forms.ModelMultipleChoiceField):
    """Co-authors listed by full name (their username only when they have none)."""

    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


def author_choices():
    """Who can be named as an author: staff accounts, by name."""
    return get_user_model().objects.filter(is_staff=True).order_by("first_name", "last_name", "id")


class ComposerForm(forms.Form):
    """A new entry, its optional photo, and how it leaves the composer (publish, draft, schedule).

    Times are read in the blog's zone: the view activates it around the form.
    """

    action = forms.ChoiceField(
        choices=[
            (PUBLISH, _("Publish now")),
            (DRAFT, _("Save draft")),
            (SCHEDULE, _("Schedule")),
            (SUBMIT, _("Submit for approval")),
        ],
        initial=PUBLISH,
    )
    headline = forms.CharField(label=_("Headline"), max_length=300)
    body = BodyField(label=_("Body"), required=False, help_text=body_markup.EDITOR_HELP_TEXT)
    is_key_event = forms.BooleanField(label=_("Key event"), required=False)
    is_pinned = forms.BooleanField(label=_("Pin"), required=False)
    co_authors = AuthorChoiceField(
        label=_("Co-authors"),
        queryset=author_choices(),
        required=False,
        help_text=_("You are the author; add colleagues who wrote it with you."),
    )
    publish_at = forms.DateTimeField(
        label=_("Schedule for"),
        required=False,
        input_formats=TIME_FORMATS,
        # The model field's own rule (this form is not a ModelForm): times pages can show.
        validators=[validate_showable_time],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    photo = uploads.PictureField(label=_("Photo"), required=False)
    existing_image = forms.ModelChoiceField(
        label=_("Or a picture already in the library"),
        queryset=Image.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    alt_text = forms.CharField(
        label=_("Alt text"),
        required=False,
        help_text=_("Describe the picture for readers who cannot see it."),
    )
    caption = forms.CharField(label=_("Caption"), required=False)
    credit = forms.CharField(label=_("Credit"), max_length=200, required=False)
    is_file_photo = forms.BooleanField(label=_("File photo"), required=False)
    photo_position = forms.IntegerField(
        label=_("Photo after paragraph"),
        min_value=0,
        max_value=1000,
        required=False,
        help_text=_("How many blocks of the body come before the photo: 1 is after the first."),
    )

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if isinstance(upload, UploadedFile):
            return uploads.validate_image(upload)
        return None

    def clean_publish_at(self):
        moment = self.cleaned_data.get("publish_at")
        if self.data.get("action") == SCHEDULE:
            if moment is None:
                raise forms.ValidationError(
                    _("Give the time to publish at, in the blog's time zone."), code="required"
                )
            if moment <= timezone.now():
                raise forms.ValidationError(
                    _("Choose a time in the future, or use “Publish now”."), code="past"
                )
        return moment

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("photo") and cleaned.get("existing_image"):
            self.add_error("photo", _("Choose a new photo or one from the library, not both."))
        if cleaned.get("photo") and not (cleaned.get("alt_text") or "").strip():
            self.add_error(
                "alt_text",
                forms.ValidationError(
                    _(
                        "Alt text is required with a photo: describe what it shows for readers "
                        "who cannot see it."
                    ),
                    code="required",
                ),
            )
        return cleaned

    @property
    def has_picture(self) -> bool:
        return bool(self.cleaned_data.get("photo") or self.cleaned_data.get("existing_image"))

    def picture_position(self) -> int:
        """Where the picture goes: after the first block unless the editor moved it."""
        position = self.cleaned_data.get("photo_position")
        return 1 if position is None else position

    def schedule_time(self) -> datetime.datetime | None:
        return self.cleaned_data.get("publish_at")


class DeskEditForm(EntryAdminForm):
    """Editing an entry in place: headline and body (and, for editors, the label's note), with
    the admin form's version check (a save based on an older version is refused as a
    conflict)."""

    body = BodyField(label=_("Body"), required=False, help_text=body_markup.EDITOR_HELP_TEXT)

    class Meta:
        model = Entry
        fields = ["headline", "body"]


def desk_edit_form(fields: list[str]) -> type[DeskEditForm]:
    """The in-place editor for these of the entry's fields."""
    return forms.modelform_factory(Entry, form=DeskEditForm, fields=fields)


class ReviewForm(forms.Form):
    """An editor's approval: now, or at a time in the blog's zone (the view activates it)."""

    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        input_formats=TIME_FORMATS,
        validators=[validate_showable_time],
    )

    def clean_publish_at(self):
        moment = self.cleaned_data.get("publish_at")
        if moment is not None and moment <= timezone.now():
            raise forms.ValidationError(
                _("Choose a time in the future, or approve it to publish now."), code="past"
            )
        return moment

    @classmethod
    def schedule_time(cls, data) -> datetime.datetime | None:
        """The time to publish at, None for now (ValidationError naming `publish_at`)."""
        form = cls(data)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return form.cleaned_data["publish_at"]
