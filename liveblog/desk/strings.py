"""Every sentence the desk's script (liveblog/static/liveblog/admin/desk.js) shows, translated
on the server: the script holds no English. The desk page hands them to it as JSON."""

from django.utils.translation import gettext as _


def desk_strings() -> dict[str, str]:
    """Every sentence desk.js shows, translated here (the script holds no English)."""
    return {
        "published": _("Published."),
        "saved": _("Saved as a draft."),
        "scheduled": _("Scheduled."),
        "failed": _("Not saved: your text is still here. Check the messages and try again."),
        "offline": _("Not saved: the server could not be reached. Your text is still here."),
        "restored": _("Restored what you were writing before the page was reloaded."),
        "confirmDelete": _("Delete this entry? Readers lose it at once; this cannot be undone."),
        "conflict": _(
            "%(who)s changed this entry after you opened it. Compare the two versions, "
            "then keep theirs, or edit yours (copy from theirs to merge) and save it."
        ),
        "tooLarge": _(
            "This file is %(size)s; pictures may be at most %(max)s. Export a smaller JPEG. "
            "Nothing else you typed was lost."
        ),
        "megabytes": _("%(size)s MB"),
        "submitted": _("Submitted: an editor of this blog will publish it or return it to you."),
        "correction": _("Public correction note (readers see it under the entry)"),
        "labelNote": _("Note with the label (e.g. who confirmed it, or what was wrong)"),
        "fullForm": _("Full form"),
        "saveAndPublish": _("Save and publish"),
        "saveAndSubmit": _("Save and submit for approval"),
        "returnNote": _("What should the author change?"),
        "sendBack": _("Return to the author"),
        "scheduleFor": _("Publish at (the blog's time zone)"),
        "schedule": _("Schedule"),
        "theirs": _("Their version (saved)"),
        "yours": _("Your version (not saved)"),
        "keepTheirs": _("Keep theirs"),
        "saveMine": _("Save mine"),
        "save": _("Save"),
        "cancel": _("Cancel"),
        "headline": _("Headline"),
        "body": _("Body"),
        "edited": _("Saved."),
        "noImages": _("No picture matches."),
        "chosenImage": _("Using the picture: %(alt)s"),
        "remove": _("Remove"),
        "previewEmpty": _("Type a headline or body to see the preview."),
    }
