"""Change reasons: each recorded write says in one sentence what happened and where (admin,
desk, API, import), so the History page reads as a log rather than a column of "None".

Stored with the history row (django-simple-history's `history_change_reason`), in English like
every other stored note of the project.
"""

from collections.abc import Iterable

from liveblog.models import Entry, EntryStatus

# Fields a reason names by what happened rather than as "changed".
TOLD_APART = {"status", "verification", "verification_note", "return_note", "published_at"}


def field_names(model, names: Iterable[str]) -> list[str]:
    """The fields' names as editors read them (the model's verbose names)."""
    found = []
    for name in names:
        try:
            found.append(str(model._meta.get_field(name).verbose_name))
        except Exception:  # a form-only field (loaded_version) or an inline
            continue
    return found


def changed_part(model, names: Iterable[str]) -> str:
    """ "changed headline, body" ("" when nothing was)."""
    names = field_names(model, names)
    return "changed " + ", ".join(names) if names else ""


def sentence(parts: list[str], where: str) -> str:
    text = "; ".join(part for part in parts if part) or "Saved"
    return f"{text[0].upper()}{text[1:]} ({where})."


def entry_reason(entry: Entry, *, before: dict | None, changed: Iterable[str], where: str) -> str:
    """What a write of the entry did, from its status and label `before` it (None: created)
    and the fields it `changed`: "Submitted for approval (API).", "Approved and published;
    changed headline (entry form).", "Labelled confirmed (live desk)."."""
    changed = set(changed)
    parts = []
    scheduled = entry.status == EntryStatus.PUBLISHED and entry.is_scheduled_now
    if before is None:
        parts.append(
            {
                EntryStatus.DRAFT: "created as a draft",
                EntryStatus.SUBMITTED: "created and submitted for approval",
                EntryStatus.PUBLISHED: "created and scheduled"
                if scheduled
                else "created and published",
            }[entry.status]
        )
    else:
        old = before.get("status")
        if old != entry.status:
            parts.append(status_move(old, entry, scheduled))
        elif "published_at" in changed:
            parts.append("time changed")
    old_label = (before or {}).get("verification", "")
    if entry.verification != old_label:
        parts.append(f"labelled {entry.verification}" if entry.verification else "label removed")
    elif before is not None and "verification_note" in changed:
        parts.append("label note changed")
    if before is not None:
        parts.append(changed_part(Entry, sorted(changed - TOLD_APART)))
    return sentence(parts, where)


def status_move(old: str | None, entry: Entry, scheduled: bool) -> str:
    new = entry.status
    if new == EntryStatus.SUBMITTED:
        return "submitted for approval"
    if new == EntryStatus.PUBLISHED:
        done = "scheduled" if scheduled else "published"
        return f"approved and {done}" if old == EntryStatus.SUBMITTED else done
    if old == EntryStatus.SUBMITTED and entry.return_note:
        return f"returned to the author: {entry.return_note}"
    if old == EntryStatus.SUBMITTED:
        return "taken back to draft"
    return "unpublished"


def object_reason(model, *, created: bool, changed: Iterable[str], where: str) -> str:
    """A write of anything else: "Added (admin)." or "Changed alt text, credit (API)."."""
    if created:
        return sentence(["added"], where)
    return sentence([changed_part(model, changed) or "saved unchanged"], where)
