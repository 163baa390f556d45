"""Infrastructure receivers: keep live pages, pollers and caches told about deletions."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from liveblog import caching
from liveblog.models import Blog, Entry, EntryRemoval, Image, touch_owner


@receiver(post_save, sender=Blog, dispatch_uid="liveblog_blog_saved")
@receiver(post_delete, sender=Blog, dispatch_uid="liveblog_blog_deleted")
def forget_blog_states(sender, instance: Blog, **kwargs) -> None:
    """A blog renamed, hidden or deleted: the live check must not answer from memory for it."""
    caching.forget_recent_states()


@receiver(post_delete, sender=Entry, dispatch_uid="liveblog_entry_removed")
def record_entry_removal(sender, instance: Entry, origin=None, **kwargs) -> None:
    # When the whole blog is being deleted there is nobody left to tell.
    if isinstance(origin, Blog) or getattr(origin, "model", None) is Blog:
        return
    blog = Blog.objects.filter(pk=instance.blog_id).first()
    if blog is None:
        return
    EntryRemoval.objects.create(blog=blog, entry_id=instance.pk, revision=blog.bump_revision())


@receiver(post_save, sender=Image, dispatch_uid="liveblog_image_changed")
def touch_image_owners(sender, instance: Image, created: bool, raw=False, **kwargs) -> None:
    """An edited picture (alt text, credit, file) changes every entry and hero showing it."""
    if created or raw:
        return
    with transaction.atomic():
        for caption in instance.captions.all():
            touch_owner(caption)
