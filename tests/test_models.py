"""Model invariants: the change log and revisions, visibility, pinning, constraints, migrations."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from liveblog import stream
from liveblog.models import Blog, BlogStatus, Change, ChangeKind, Entry, EntryStatus
from tests.factories import make_blog, make_caption, make_entry, make_image, make_untimed_entry

pytestmark = pytest.mark.django_db


def test_every_reader_visible_change_bumps_the_blog_revision():
    blog = make_blog()
    entry = make_entry(blog)
    blog.refresh_from_db()
    assert entry.revision == blog.revision
    steps = [
        lambda: entry.mark_key_event(),
        lambda: make_caption(entry=entry),
        lambda: entry.unpublish(),
        lambda: blog.set_status(BlogStatus.CLOSED),
        lambda: make_entry(blog).delete(),
    ]
    for step in steps:
        before = blog.revision
        step()
        blog.refresh_from_db()
        assert blog.revision > before


def test_changes_readers_cannot_see_move_no_revision():
    # Draft edits used to move public ETags, and draft ids reached the public `removed` lists.
    blog = make_blog()
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    scheduled = make_entry(blog, published_at=timezone.now() + datetime.timedelta(hours=1))
    blog.refresh_from_db()
    before = blog.revision
    draft.headline = "Still a draft"
    draft.save()
    scheduled.mark_key_event()
    make_caption(entry=draft)
    draft.delete()
    blog.refresh_from_db()
    assert blog.revision == before
    assert not Change.objects.filter(kind=ChangeKind.REMOVED).exists()


def test_every_change_takes_a_revision_of_its_own():
    blog = make_blog()
    first, second = make_entry(blog), make_entry(blog)
    first.pin()
    second.pin()  # displaces `first`: both change, each with its own revision
    revisions = list(Entry.objects.for_blog(blog).values_list("revision", flat=True))
    assert len(set(revisions)) == len(revisions)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=first.pk).update(revision=second.revision)


def test_moving_a_caption_changes_both_entries_for_pollers():
    blog = make_blog()
    first, second = make_entry(blog), make_entry(blog)
    caption = make_caption(entry=first)
    first.refresh_from_db()
    left_at = first.revision
    caption.entry = second
    caption.save()
    first.refresh_from_db()
    second.refresh_from_db()
    blog.refresh_from_db()
    # The entry that lost the picture moved on too, so live pages re-render it without it.
    assert first.revision > left_at
    found = stream.changes(blog.pk, left_at, blog.revision, limit=10)
    assert {entry.pk for entry in found.entries} == {first.pk, second.pk}
    assert blog.revision == max(first.revision, second.revision)


def test_deleting_an_entry_leaves_a_removal_for_pollers():
    blog = make_blog()
    entry = make_entry(blog, is_key_event=True)
    entry_id = entry.pk
    entry.delete()
    removal = Change.objects.filter(kind=ChangeKind.REMOVED).get()
    blog.refresh_from_db()
    assert (removal.entry_id, removal.revision) == (entry_id, blog.revision)
    assert removal.was_key_event and not removal.is_key_event


def test_deleting_a_blog_leaves_no_log():
    blog = make_blog()
    make_entry(blog)
    blog.delete()
    assert not Change.objects.exists()


def test_published_hides_drafts_future_entries_and_draft_blogs():
    live = make_blog()
    visible = make_entry(live)
    make_entry(live, status=EntryStatus.DRAFT)
    make_entry(live, published_at=timezone.now() + datetime.timedelta(hours=1))
    make_entry(make_blog(status=BlogStatus.DRAFT))
    assert list(Entry.objects.published()) == [visible]


def test_one_pinned_entry_per_blog():
    blog = make_blog()
    first, second = make_entry(blog), make_entry(blog)
    first.pin()
    second.pin()
    first.refresh_from_db()
    assert (first.is_pinned, second.is_pinned) == (False, True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=first.pk).update(is_pinned=True)


def test_pinning_a_stale_object_writes_nothing_it_read_earlier():
    # Found under load: pin() full-saved a stale displaced entry, losing a concurrent edit.
    blog = make_blog()
    pinned, other = make_entry(blog), make_entry(blog)
    pinned.pin()
    stale = Entry.objects.get(pk=pinned.pk)
    Entry.objects.filter(pk=pinned.pk).update(headline="Edited meanwhile")
    stale_other = Entry.objects.get(pk=other.pk)
    stale_other.pin()
    stale.mark_key_event()
    pinned.refresh_from_db()
    assert pinned.headline == "Edited meanwhile"
    assert (pinned.is_pinned, pinned.is_key_event) == (False, True)


def test_the_one_pin_constraint_reads_as_a_message():
    from django.core.exceptions import ValidationError

    from liveblog.models import one_pin_per_blog

    blog = make_blog()
    make_entry(blog).pin()
    other = make_entry(blog)
    # A write that goes round the verbs meets the constraint, turned into what to do instead.
    with pytest.raises(ValidationError, match="Another entry of this blog is pinned"):
        with one_pin_per_blog(True):
            Entry.objects.filter(pk=other.pk).update(is_pinned=True)


def test_stream_order_is_pinned_then_time_then_untimed_imports():
    blog = make_blog()
    now = timezone.now()
    untimed_top = make_untimed_entry(blog, order=2)
    untimed_bottom = make_untimed_entry(blog, order=1)
    older = make_entry(blog, published_at=now - datetime.timedelta(hours=2))
    newer = make_entry(blog, published_at=now - datetime.timedelta(hours=1))
    pinned = make_entry(blog, published_at=now - datetime.timedelta(hours=3))
    pinned.pin()
    assert list(Entry.objects.for_blog(blog).newest_first()) == [
        pinned,
        newer,
        older,
        untimed_top,
        untimed_bottom,
    ]


def test_a_scheduled_entry_lands_where_its_time_puts_it():
    blog = make_blog()
    start = timezone.now()
    scheduled = make_entry(blog, published_at=start + datetime.timedelta(minutes=10))
    with time_machine.travel(start + datetime.timedelta(minutes=5)):
        later_created = make_entry(blog)  # published at minute 5, after the scheduling
    with time_machine.travel(start + datetime.timedelta(minutes=11)):
        assert list(Entry.objects.published().newest_first()) == [scheduled, later_created]


def test_publishing_stamps_the_time_once():
    blog = make_blog()
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    assert draft.published_at is None
    draft.publish()
    draft.refresh_from_db()
    first = draft.published_at
    assert first is not None
    draft.unpublish()
    draft.publish()
    draft.refresh_from_db()
    assert draft.published_at == first  # republishing keeps the entry's time


def test_order_stays_in_range():
    from django.core.exceptions import ValidationError

    entry = make_entry(make_blog())
    entry.order = 2**31
    with pytest.raises(ValidationError):
        entry.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(order=2**31)


def test_versions_count_saves():
    blog = make_blog()
    first = make_entry(blog)
    assert first.version == 1
    first.headline = "Changed"
    first.save()
    assert first.version == 2
    first.mark_key_event()
    first.refresh_from_db()
    assert first.version == 3


def test_body_blocks_are_derived_on_save():
    entry = make_entry(make_blog(), body="One.\r\n\r\n- a\r\n- b")
    entry.refresh_from_db()
    assert entry.body == "One.\n\n- a\n- b"
    assert entry.body_blocks == [
        {"type": "paragraph", "text": "One."},
        {"type": "list", "items": ["a", "b"]},
    ]


def test_blog_status_follows_the_allowed_transitions():
    from django.core.exceptions import ValidationError

    blog = make_blog(status=BlogStatus.LIVE)
    blog.set_status(BlogStatus.CLOSED)
    assert blog.closed_at is not None
    with pytest.raises(ValidationError, match="closed blog cannot become upcoming"):
        blog.set_status(BlogStatus.UPCOMING)
    blog.refresh_from_db()
    assert blog.status == BlogStatus.CLOSED
    blog.set_status(BlogStatus.LIVE)  # reopened
    blog.refresh_from_db()
    assert (blog.status, blog.closed_at) == (BlogStatus.LIVE, None)


def test_a_full_save_of_a_stale_blog_never_writes_its_revision_back():
    # Found under load: BlogViewSet.perform_update and the loader undid concurrent increments.
    blog = make_blog()
    stale = Blog.objects.get(pk=blog.pk)
    make_entry(blog)
    make_entry(blog)
    blog.refresh_from_db()
    stale.title = "Renamed"
    stale.save()
    stale.refresh_from_db()
    assert stale.revision == blog.revision + 1


def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


def test_slugs_the_site_uses_are_refused():
    from django.core.exceptions import ValidationError

    blog = make_blog()
    blog.slug = "search"
    with pytest.raises(ValidationError, match="used by the site itself"):
        blog.full_clean()


def test_editing_a_picture_changes_the_entries_showing_it():
    blog = make_blog()
    entry = make_entry(blog)
    caption = make_caption(entry=entry)
    entry.refresh_from_db()
    before = entry.revision
    caption.image.alt_text = "Better description"
    caption.image.save()
    entry.refresh_from_db()
    assert entry.revision > before


def test_saves_and_pins_cost_a_fixed_number_of_queries(django_assert_num_queries):
    blog = make_blog()
    # A visible entry: savepoint, bump (UPDATE ... RETURNING), INSERT, its change row, history,
    # release (6).
    with django_assert_num_queries(6):
        entry = make_entry(blog)
    # An edit: savepoint, lock the blog, read the entry, bump, UPDATE, the change row, history,
    # release (8).
    entry.headline = "Edited"
    with django_assert_num_queries(8):
        entry.save()
    # A draft edit: readers see nothing, so no revision and no change row; the desk's state
    # moves instead: savepoint, lock, read, touch the state, UPDATE, history, release (7).
    draft = make_entry(blog, status=EntryStatus.DRAFT)
    draft.headline = "Edited draft"
    with django_assert_num_queries(7):
        draft.save()
    # Pinning, whatever the blog holds: the edit's 8, plus the displaced rows, their bump, the
    # one UPDATE unpinning them, their change rows, their history, and the pin's savepoint (2)
    # = 15.
    for _ in range(3):
        other = make_entry(blog)
        other.pin()
        with django_assert_num_queries(15):
            entry.pin()


def counted(blog: Blog) -> tuple[int, int]:
    """What readers see of the blog, counted the slow way."""
    seen = Entry.objects.due().for_blog(blog).filter(is_scheduled=False)
    return seen.count(), seen.key_events().count()


def test_the_blogs_counts_follow_every_write():
    # The blog's counts are kept by the change log (no page or API answer counts entries).
    blog = make_blog()
    a = make_entry(blog, is_key_event=True)
    b = make_entry(blog)
    draft = make_entry(blog, status=EntryStatus.DRAFT, is_key_event=True)
    steps = [
        lambda: b.mark_key_event(),
        lambda: a.mark_key_event(False),
        lambda: b.unpublish(),
        lambda: draft.publish(),
        lambda: b.publish(),
        lambda: a.pin(),
        lambda: b.pin(),
        lambda: make_caption(entry=a),
        lambda: draft.delete(),
        lambda: make_entry(blog, status=EntryStatus.DRAFT).delete(),
        lambda: a.delete(),
    ]
    for step in steps:
        step()
        blog.refresh_from_db()
        assert (blog.entry_count, blog.key_event_count) == counted(blog)
    assert (blog.entry_count, blog.key_event_count) == (1, 1)


def test_a_scheduled_entry_is_counted_when_it_falls_due():
    blog = make_blog()
    with time_machine.travel(timezone.now(), tick=False):
        make_entry(blog, published_at=timezone.now() + datetime.timedelta(minutes=5))
        blog.refresh_from_db()
        assert blog.entry_count == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6), tick=False):
        Entry.objects.announce_due(blog.pk)
        blog.refresh_from_db()
        assert (blog.entry_count, blog.key_event_count) == (1, 0) == counted(blog)


def test_a_full_save_of_a_stale_blog_never_writes_back_its_counts():
    blog = make_blog()
    stale = Blog.objects.get(pk=blog.pk)
    make_entry(blog)
    stale.title = "Renamed"
    stale.save()
    blog.refresh_from_db()
    assert blog.entry_count == 1 and blog.title == "Renamed"


def test_what_an_entry_lacks_is_derived_on_save():
    from liveblog.models import ATTENTION_REASONS

    blog = make_blog()
    entry = make_entry(blog, body="[Read more here.]()")
    assert Entry.objects.needing_attention("lacks_link_address").get() == entry
    caption = make_caption(entry=entry, image=make_image(alt_text=""))
    entry.refresh_from_db()
    assert entry.attention_reasons == [
        ATTENTION_REASONS["lacks_link_address"],
        ATTENTION_REASONS["lacks_picture_file"],
        ATTENTION_REASONS["lacks_alt_text"],
    ]
    caption.image.alt_text = "Firefighters at the harbour"
    caption.image.save()
    entry.body = "[Read more here.](https://example.com/)"
    entry.save()
    entry.refresh_from_db()
    assert entry.attention_reasons == [ATTENTION_REASONS["lacks_picture_file"]]
    caption.delete()
    assert not Entry.objects.needing_attention().exists()
