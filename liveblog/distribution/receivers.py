"""Infrastructure: once a change of a blog commits, queue its distribution."""

import logging

from django.dispatch import receiver

from liveblog.models import blog_changed

logger = logging.getLogger(__name__)


@receiver(blog_changed, dispatch_uid="liveblog_distribution_queue")
def queue_distribution(sender, pk: int, revision: int | None, **kwargs) -> None:
    if revision is None:
        return  # only editors saw it (a draft, a scheduled entry): nothing goes out
    from liveblog.distribution.tasks import start_distribution

    try:
        start_distribution(pk)
    except Exception:
        # The change is committed; a queue that cannot take the task must not turn the
        # editor's save into an error. The next change of the blog catches up (positions).
        logger.exception("could not queue the distribution of blog %s", pk)
