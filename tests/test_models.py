"""Model invariants: revisions, visibility, pinning, removals, constraints, migrations."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from liveblog.models import BlogStatus, Entry, EntryRemoval, EntryStatus
from tests.factories import make_blog, make_caption, make_entry

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
        lambda: blog.close(),
        lambda: entry.delete(),
    ]
    for step in steps:
        before = blog.revision
        step()
        blog.refresh_from_db()
        assert blog.revision == before + 1


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
    assert Entry.objects.since(left_at).filter(pk=first.pk).exists()
    assert blog.revision == max(first.revision, second.revision)


def test_deleting_an_entry_leaves_a_removal_for_pollers():
    blog = make_blog()
    entry = make_entry(blog)
    entry_id = entry.pk
    entry.delete()
    removal = EntryRemoval.objects.get()
    blog.refresh_from_db()
    assert (removal.entry_id, removal.revision) == (entry_id, blog.revision)


def test_deleting_a_blog_leaves_no_removals():
    blog = make_blog()
    make_entry(blog)
    blog.delete()
    assert not EntryRemoval.objects.exists()


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


def test_new_entries_go_on_top_and_versions_count_saves():
    blog = make_blog()
    first, second = make_entry(blog), make_entry(blog)
    assert second.order > first.order
    assert list(Entry.objects.for_blog(blog).newest_first()) == [second, first]
    assert first.version == 1
    first.headline = "Changed"
    first.save()
    assert first.version == 2


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
