"""What the desk's buttons do to an entry: the one-click verbs (pin, publish, approve, return,
label, submit, delete) and saving an entry edited in place. Each goes through its model verb
in one transaction, with the history's reason; who may use which is the team rule's
(liveblog.teams.rules). The views (liveblog.desk.views) read the request and answer."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liveblog import history
from liveblog.desk.forms import ReviewForm
from liveblog.models import Correction, Entry, EntryStatus
from liveblog.teams import rules

SUBMITTED = gettext_lazy("Submitted: an editor of this blog will publish it or return it to you.")


def approve(entry: Entry, data) -> None:
    entry.approve(ReviewForm.schedule_time(data))


# One click each (a note or a time where the verb needs one): what the verb does with the
# POSTed data, what the entry's history says, what the editor reads. Editors' verbs.
VERBS = {
    "publish": (lambda e, data: e.publish(), "Published (live desk).", gettext_lazy("Published.")),
    "unpublish": (
        lambda e, data: e.unpublish(),
        "Unpublished (live desk).",
        gettext_lazy("Back to draft: readers no longer see it."),
    ),
    "pin": (
        lambda e, data: e.pin(),
        "Pinned (live desk).",
        gettext_lazy("Pinned; the entry pinned before is unpinned."),
    ),
    "unpin": (lambda e, data: e.unpin(), "Unpinned (live desk).", gettext_lazy("Unpinned.")),
    "key-event": (
        lambda e, data: e.mark_key_event(),
        "Marked as key event (live desk).",
        gettext_lazy("Marked as a key event."),
    ),
    "not-key-event": (
        lambda e, data: e.mark_key_event(False),
        "Unmarked as key event (live desk).",
        gettext_lazy("No longer a key event."),
    ),
    "approve": (approve, "Approved (live desk).", gettext_lazy("Approved.")),
    "return": (
        lambda e, data: e.return_to_author(data.get("note", "")),
        "Returned to the author (live desk).",
        gettext_lazy("Returned to the author with your note."),
    ),
    "verify": (
        lambda e, data: e.set_verification(data.get("verification", "")),
        "Label changed (live desk).",
        gettext_lazy("Label changed: readers see it now."),
    ),
}
# Verbs on one's own entry (what `rules.may_edit` allows), and deleting.
OWN_VERBS = {
    "submit": (
        lambda e, data: e.submit(),
        "Submitted for approval (live desk).",
        SUBMITTED,
    ),
}


def exists(verb: str) -> bool:
    return verb == "delete" or verb in VERBS or verb in OWN_VERBS


def allowed(user, entry: Entry, verb: str) -> bool:
    """Whether the team rule lets `user` use `verb` on `entry`."""
    if verb == "delete":
        return rules.may_delete(user, entry)
    if verb in OWN_VERBS:
        return rules.may_edit(user, entry)
    return rules.may(user, rules.Action.PUBLISH, entry.blog)


def run(verb: str, entry: Entry, data) -> str:
    """Does `verb` to `entry` (an existing verb the user is allowed) in one transaction, in
    the blog's zone; returns what the editor reads. ValidationError if the model refuses."""
    with transaction.atomic(), timezone.override(entry.blog.zone):
        if verb == "delete":
            entry.delete()
            return _("Deleted.")
        action, note, message = VERBS.get(verb) or OWN_VERBS[verb]
        entry._change_reason = verb_note(verb, note, data)
        action(entry, data)
        return str(message)


def verb_note(verb: str, note: str, data) -> str:
    """The history's reason for a verb, with what it was given (a note, a label)."""
    if verb == "return":
        return history.sentence(
            [f"returned to the author: {data.get('note', '').strip()}"], "live desk"
        )
    if verb == "verify":
        label = data.get("verification", "")
        return history.sentence([f"labelled {label}" if label else "label removed"], "live desk")
    if verb == "approve" and data.get("publish_at"):
        return "Approved and scheduled (live desk)."
    return note


def save_edit(form, fields: list[str], *, correction: str, approve: bool, submit: bool, user):
    """Saves an entry edited in place (a valid `form`, inside the caller's transaction):
    approved and published with it (`approve`), back to the queue (`submit`, a contributor's
    fix), or saved; with a public `correction` for a published entry. Returns what the
    editor reads; ValidationError if the model refuses."""
    entry = form.instance
    if correction and entry.status != EntryStatus.PUBLISHED:
        raise ValidationError(
            {"correction": [_("Corrections are for published entries: just edit it.")]}
        )
    entry = form.save(commit=False)
    edits = history.changed_part(Entry, [f for f in fields if f in form.changed_data])
    if approve:
        entry._change_reason = history.sentence(["approved and published", edits], "live desk")
        entry.approve(also=tuple(fields))
        message = _("Approved and published.")
    elif submit:
        entry._change_reason = history.sentence([edits, "submitted for approval"], "live desk")
        entry.status = EntryStatus.SUBMITTED
        entry.save(update_fields=[*fields, "status"])
        message = str(SUBMITTED)
    else:
        entry._change_reason = history.sentence([edits or "saved unchanged"], "live desk")
        entry.save(update_fields=fields)
        message = _("Saved.")
    if correction:
        note = Correction(entry=entry, text=correction, author=user)
        note._change_reason = history.sentence(["correction added"], "live desk")
        note.save()
    return message
