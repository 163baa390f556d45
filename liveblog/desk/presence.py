"""Who has an entry open on the live desk: a soft lock kept in the cache, never in the way.

Each editor with an entry open sends a heartbeat; their note lasts LIVEBLOG_DESK_PRESENCE_SECONDS
after the last one, so a closed tab frees the entry by itself. Nothing here blocks a save: the
version check (liveblog.forms.EntryAdminForm) is what protects an edit. One cache key per blog,
so the desk reads everyone's notes in one round trip; two heartbeats racing may drop a note
until its editor's next heartbeat, which is all a soft lock needs.
"""

import time

from django.conf import settings
from django.core.cache import cache

PREFIX = "lb-desk-presence"


def _key(blog_id: int) -> str:
    return f"{PREFIX}:{blog_id}"


def _read(blog_id: int) -> dict:
    """{entry id: {user id: (name, until)}} without the notes that timed out."""
    now = time.time()
    notes = cache.get(_key(blog_id)) or {}
    live = {}
    for entry_id, holders in notes.items():
        kept = {uid: note for uid, note in holders.items() if note[1] > now}
        if kept:
            live[entry_id] = kept
    return live


def _write(blog_id: int, notes: dict) -> None:
    if notes:
        cache.set(_key(blog_id), notes, settings.LIVEBLOG_DESK_PRESENCE_SECONDS)
    else:
        cache.delete(_key(blog_id))


def hold(blog_id: int, entry_id: int, user) -> None:
    """Record (or renew) that `user` is editing the entry."""
    notes = _read(blog_id)
    until = time.time() + settings.LIVEBLOG_DESK_PRESENCE_SECONDS
    notes.setdefault(entry_id, {})[user.pk] = (user.get_full_name() or user.get_username(), until)
    _write(blog_id, notes)


def release(blog_id: int, entry_id: int, user) -> None:
    """The editor closed the entry (or saved it)."""
    notes = _read(blog_id)
    holders = notes.get(entry_id, {})
    if holders.pop(user.pk, None) is None:
        return
    if not holders:
        notes.pop(entry_id)
    _write(blog_id, notes)


def editors(blog_id: int, *, besides=None) -> dict[int, list[str]]:
    """{entry id: names of the editors who have it open}, leaving out the user `besides`."""
    skip = getattr(besides, "pk", None)
    result = {}
    for entry_id, holders in _read(blog_id).items():
        names = sorted(name for uid, (name, _until) in holders.items() if uid != skip)
        if names:
            result[entry_id] = names
    return result
