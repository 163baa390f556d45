"""Infrastructure: once a change of a blog commits, queue its distribution.

In a request, the blogs it changed are queued once its answer has gone (request_finished runs
when the server closes the response), one task per blog however many changes: the editor's
request does not wait for the queue. Elsewhere (imports, the shell, the worker) at once.
"""

import logging
import threading

from django.core.signals import request_finished, request_started
from django.dispatch import receiver

from liveblog.models import blog_changed

logger = logging.getLogger(__name__)
_local = threading.local()


@receiver(request_started, dispatch_uid="liveblog_distribution_collect")
def collect(**kwargs) -> None:
    # A response this thread never closed (a WSGI caller that did not close it) must not keep
    # its blogs waiting: they go now.
    flush()
    _local.pending = {}


@receiver(request_finished, dispatch_uid="liveblog_distribution_flush")
def flush(**kwargs) -> None:
    pending, _local.pending = getattr(_local, "pending", None), None
    for pk, seen_by_readers in (pending or {}).items():
        queue(pk, seen_by_readers)


@receiver(blog_changed, dispatch_uid="liveblog_distribution_queue")
def queue_distribution(sender, pk: int, revision: int | None, **kwargs) -> None:
    # No revision: only editors saw it (a draft, a scheduled entry): nothing goes out, but a
    # scheduled entry's time is planned.
    seen_by_readers = revision is not None
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending[pk] = pending.get(pk, False) or seen_by_readers
    else:
        queue(pk, seen_by_readers)


def queue(pk: int, seen_by_readers: bool = True) -> None:
    from liveblog.distribution.tasks import plan_announcement, start_distribution

    try:
        if seen_by_readers:
            start_distribution(pk)
        else:
            plan_announcement(pk)
    except Exception:
        # The change is committed; a queue that cannot take the task must not turn into an
        # error. The next change of the blog catches up (every consumer keeps its position).
        logger.exception("could not queue the distribution of blog %s", pk)
