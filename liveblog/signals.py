"""Infrastructure receivers: deleted entries are announced to pollers, whichever way they go; a
log-out marks its request, so its answer clears what the site kept in the browser."""

import time

from django.contrib.auth.signals import user_logged_out
from django.core.signals import request_finished
from django.db import connections
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


# SQLite plans with the statistics ANALYZE keeps (sqlite_stat1); without them it picks, say,
# the blog's index over five primary keys and reads a long blog whole. PostgreSQL's autovacuum
# keeps its own. Each process asks SQLite to refresh what has grown, now and then.
SQLITE_OPTIMIZE_SECONDS = 600
_optimized_at: dict[str, float] = {}


@receiver(request_finished, dispatch_uid="liveblog_sqlite_optimize")
def optimize_sqlite(sender=None, *, force: bool = False, **kwargs) -> None:
    """`PRAGMA optimize` on each SQLite connection at most every ten minutes, after a request,
    and after an import (`force`): SQLite analyzes only the tables whose size changed enough.
    On the raw connection: it is no query of the request's."""
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite" or connection.connection is None:
            continue
        if (
            now - _optimized_at.get(connection.alias, -SQLITE_OPTIMIZE_SECONDS)
            < SQLITE_OPTIMIZE_SECONDS
        ):
            continue
        _optimized_at[connection.alias] = now
        if not connection.in_atomic_block:
            connection.connection.execute("PRAGMA optimize")
