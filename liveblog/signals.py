"""Infrastructure receivers: deleted entries are announced to pollers, whichever way they go; a
log-out marks its request, so its answer clears what the site kept in the browser."""

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from liveblog.models import Blog, Entry, prepare_removal, record_removal


def deleting_the_blog(origin) -> bool:
    """A whole blog being deleted takes its entries with it: nobody is left to tell."""
    return isinstance(origin, Blog) or getattr(origin, "model", None) is Blog


@receiver(pre_delete, sender=Entry, dispatch_uid="liveblog_entry_deleting")
def lock_blog_before_deleting(sender, instance: Entry, origin=None, **kwargs) -> None:
    if not deleting_the_blog(origin):
        prepare_removal(instance)


@receiver(post_delete, sender=Entry, dispatch_uid="liveblog_entry_removed")
def announce_removal(sender, instance: Entry, origin=None, **kwargs) -> None:
    if not deleting_the_blog(origin):
        record_removal(instance)


@receiver(user_logged_out, dispatch_uid="liveblog_logged_out")
def forget_browser_storage(sender, request, user, **kwargs) -> None:
    # Whichever log-out view ran (the admin's, the browsable API's): see SecurityHeadersMiddleware.
    if request is not None:
        request.clears_site_data = True
