"""The desk's composer: a new entry written once, as it leaves the composer (published,
scheduled, pinned, submitted or a draft), with its picture, in one transaction; and the
preview of what it would look like, saving nothing."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liveblog import body as body_markup
from liveblog import history
from liveblog.desk.forms import DRAFT, PUBLISH, SCHEDULE, SUBMIT, ComposerForm
from liveblog.desk.verbs import SUBMITTED
from liveblog.models import Blog, Caption, Entry, EntryStatus, Image
from liveblog.teams import rules

# The status each of the composer's buttons writes, and what the editor reads after it.
STATUS = {
    PUBLISH: EntryStatus.PUBLISHED,
    SCHEDULE: EntryStatus.PUBLISHED,
    DRAFT: EntryStatus.DRAFT,
    SUBMIT: EntryStatus.SUBMITTED,
}
MESSAGES = {
    PUBLISH: _("Published."),
    DRAFT: _("Saved as a draft."),
    SCHEDULE: _("Scheduled."),
    SUBMIT: SUBMITTED,
}


class Refused(PermissionDenied):
    """The team rule refuses what the composer asked for; `field` names the control."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def compose(form: ComposerForm, blog: Blog, user) -> Entry:
    """Writes the valid composer `form` as a new entry of `blog` by `user` (and its co-authors),
    with its picture (a new Image and its Caption, or a Caption of a picture from the library):
    all of it or nothing, one row in the entry's history. Refused when the team rule does not
    let `user` publish, schedule or pin here; ValidationError when the model refuses (an
    uploaded file is removed with its rolled-back row)."""
    data = form.cleaned_data
    entry = Entry(
        blog=blog,
        headline=data["headline"],
        body=data["body"],
        is_key_event=data["is_key_event"],
        is_pinned=data["is_pinned"],
        status=STATUS[data["action"]],
    )
    if data["action"] == SCHEDULE:
        entry.published_at = form.schedule_time()
    changes = {"status": entry.status, "is_pinned": entry.is_pinned}
    changes["published_at"] = entry.published_at
    if not_allowed := rules.refused_fields(user, blog, changes):
        field = "is_pinned" if not_allowed == ["is_pinned"] else "action"
        raise Refused(field, rules.refusal(not_allowed))
    image = None
    try:
        with transaction.atomic():
            entry._change_reason = history.entry_reason(
                entry, before=None, changed=(), where="live desk"
            )
            entry.save()
            entry.authors.set([user, *data["co_authors"]])
            if form.has_picture:
                image = data["existing_image"] or new_image(data, user)
                caption = Caption(
                    blog=blog,
                    entry=entry,
                    image=image,
                    text=data["caption"].strip(),
                    position=form.picture_position(),
                )
                caption._change_reason = history.sentence(["placed in the entry"], "live desk")
                caption.save()
    except Exception:
        if image is not None and data.get("photo") and image.file:
            image.file.delete(save=False)  # the row is rolled back; so is its file
        raise
    return entry


def new_image(data: dict, user) -> Image:
    image = Image(
        file=data["photo"],
        alt_text=data["alt_text"].strip(),
        credit=data["credit"].strip(),
        is_file_photo=data["is_file_photo"],
        uploaded_by=user,
    )
    image._change_reason = history.sentence(["uploaded"], "live desk")
    image.save()
    return image


def small_number(value: str | None, default: int = 1) -> int:
    """A whole number a preview may use (ASCII digits, a few of them), else `default`."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else default


def preview_entry(data, blog: Blog, user, images) -> Entry:
    """An unsaved entry of what the composer holds (`data`, its POST), ready for the reader's
    entry template. A chosen picture shows as its alt text and caption (the file is not
    uploaded yet); one from the library must be among `images` (those the user may see)."""
    text = body_markup.normalise(data.get("body", ""))
    entry = Entry(
        pk=0,  # never saved: no entry has id 0, so its related managers find nothing
        blog=blog,
        headline=data.get("headline", "")[:300],
        body=text,
        is_key_event=data.get("is_key_event") in ("on", "true", "1"),
        published_at=timezone.now(),
    )
    entry._prefetched_objects_cache = {"authors": [user], "corrections": []}
    placed = []
    if data.get("has_photo") or data.get("existing_image"):
        picture = Image(
            alt_text=data.get("alt_text", ""),
            credit=data.get("credit", ""),
            is_file_photo=data.get("is_file_photo") in ("on", "true", "1"),
        )
        if existing := small_number(data.get("existing_image"), default=0):
            picture = images.filter(pk=existing).first() or picture
        caption = Caption(image=picture, text=data.get("caption", ""))
        position = small_number(data.get("photo_position"))
        placed = [(position, {"type": "image", "caption_obj": caption})]
    entry.shown_blocks = body_markup.place_images(body_markup.parse(text), placed)
    entry.starts_day = False
    return entry
