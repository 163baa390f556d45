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
    _local.pending = {}


@receiver(request_finished, dispatch_uid="liveblog_distribution_flush")
def flush(**kwargs) -> None:
    pending, _local.pending = getattr(_local, "pending", None), None
    for pk in pending or ():
        queue(pk)


@receiver(blog_changed, dispatch_uid="liveblog_distribution_queue")
def queue_distribution(sender, pk: int, revision: int | None, **kwargs) -> None:
    if revision is None:
        return  # only editors saw it (a draft, a scheduled entry): nothing goes out
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending[pk] = True
    else:
        queue(pk)


def queue(pk: int) -> None:
    from liveblog.distribution.tasks import start_distribution

    try:
        start_distribution(pk)
    except Exception:
        # The change is committed; a queue that cannot take the task must not turn into an
        # error. The next change of the blog catches up (every consumer keeps its position).
        logger.exception("could not queue the distribution of blog %s", pk)
