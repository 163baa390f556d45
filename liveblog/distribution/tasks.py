"""The queue's tasks (django-tasks): run by `manage.py db_worker` (database backend) or
`manage.py rqworker` (RQ), never in a request.

- `distribute(blog_id)`: queued after every commit that moved a blog's revision. Reads the
  change log through liveblog.stream from where each consumer stopped: queues each webhook
  endpoint's deliveries in order, the pushes of new entries and key events, and a WebSub ping.
  Idempotent: each consumer's position moves under a row lock, so running it twice (or on two
  workers) sends nothing twice.
- `deliver(endpoint_id)`: one endpoint's pending deliveries, oldest first, one at a time;
  a failure waits for its backoff and blocks the ones behind it (order per endpoint).
- `push_chunk(...)`: one notice to up to push.CHUNK followers; a fan-out is many of these, run
  by as many workers as there are.
- `ping_hub(...)`: the WebSub ping, retried with backoff;
- `announce(blog_id)`: planned for a scheduled entry's time, so its blog's audience hears of
  it then even if no reader's request announces it first.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from liveblog import stream
from liveblog.distribution import push, webhooks, websub
from liveblog.distribution.models import (
    Dispatch,
    Endpoint,
    FollowMode,
    PushSubscription,
)
from liveblog.models import Blog, Entry

logger = logging.getLogger(__name__)

# A scheduled wake-up this late is taken as lost (a worker died holding it).
STALE = datetime.timedelta(minutes=5)
HUB_ATTEMPTS = 6


def has_audience(blog_id: int) -> bool:
    """Whether anyone is to hear of the blog's changes: a hub, an active endpoint or a
    follower (two indexed reads cost less than queueing a task nobody needs)."""
    return bool(
        websub.hub()
        or Endpoint.objects.active().for_blog(blog_id).exists()
        or PushSubscription.objects.filter(blog_id=blog_id).exists()
    )


def start_distribution(blog_id: int) -> None:
    """Queue `distribute` for the blog (called once a change committed), if anyone listens."""
    if has_audience(blog_id):
        distribute.enqueue(blog_id)


def plan_announcement(blog_id: int) -> None:
    """Queue `announce` for when the blog's next scheduled entry falls due (called when editors
    schedule or move one). Nothing writes when a scheduled time passes: readers' requests
    announce such entries (liveblog.freshness), and this makes sure the blog's audience hears
    of them on time even when no reader is asking."""
    if not has_audience(blog_id):
        return
    at = (
        Entry.objects.filter(blog_id=blog_id)
        .scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    if at is not None:
        announce.using(run_after=max(at, timezone.now())).enqueue(blog_id)


@task()
def announce(blog_id: int) -> int:
    """Record the blog's scheduled entries that fell due (their change moves the revision, which
    queues their distribution), then plan the next. Idempotent: an entry is announced once."""
    announced = Entry.objects.announce_due(blog_id)
    plan_announcement(blog_id)
    return announced


@task()
def distribute(blog_id: int) -> None:
    blog = Blog.objects.filter(pk=blog_id).first()
    if blog is None:
        return
    revision = blog.revision
    shared: dict = {}
    for endpoint_id in Endpoint.objects.behind(blog_id, revision).values_list("pk", flat=True):
        more = webhooks.queue(endpoint_id, revision, shared)
        wake(endpoint_id)
        if more:
            transaction.on_commit(lambda: distribute.enqueue(blog_id))
    # A blog's first distribution: nobody followed it before (following creates the row), and
    # the hub hears of this change.
    start = {"push_revision": revision, "hub_revision": max(revision - 1, 0)}
    dispatch, _created = Dispatch.objects.get_or_create(blog_id=blog_id, defaults=start)
    if dispatch.push_revision < revision:
        fan_out(blog, revision)
    if dispatch.hub_revision < revision:
        tell_hub(blog, revision)


def fan_out(blog: Blog, revision: int) -> None:
    """Queue the pushes of the changes after the blog's push position, in chunks of followers
    (one task each, so several workers share a large fan-out)."""
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(blog_id=blog.pk)
        if dispatch.push_revision >= revision:
            return
        log = stream.log(blog.pk, dispatch.push_revision, revision, limit=webhooks.LOG_PAGE)
        Dispatch.objects.filter(pk=dispatch.pk).update(push_revision=log.until)
        found = push.notices(log) if push.is_configured() else []
        for notice in found:
            followers = PushSubscription.objects.filter(blog_id=blog.pk, mode__in=notice.modes)
            ids = list(followers.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), push.CHUNK):
                chunk = ids[start : start + push.CHUNK]
                args = (blog.pk, notice.entry_id, list(notice.modes), chunk[0], chunk[-1])
                transaction.on_commit(lambda args=args: push_chunk.enqueue(*args))
        if log.has_more:
            transaction.on_commit(lambda: distribute.enqueue(blog.pk))


def tell_hub(blog: Blog, revision: int) -> None:
    """Queue one WebSub ping for the changes after the blog's hub position (a burst of
    changes is one ping; the key-event feeds only when key events changed)."""
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(blog_id=blog.pk)
        if dispatch.hub_revision >= revision:
            return
        found = stream.changes(blog.pk, dispatch.hub_revision, revision, limit=10_000)
        Dispatch.objects.filter(pk=dispatch.pk).update(hub_revision=revision)
        if websub.hub() and blog.is_public:
            key_events = found.key_events_changed or found.blog_changed
            transaction.on_commit(lambda: ping_hub.enqueue(blog.pk, key_events, 1))


def wake(endpoint_id: int, at: datetime.datetime | None = None) -> None:
    """Make sure a `deliver` task runs for the endpoint by `at` (now): queued only if none is
    due by then already, so retries do not pile up tasks."""
    now = timezone.now()
    at = at or now
    free = Q(wake_at__isnull=True) | Q(wake_at__gt=at) | Q(wake_at__lt=now - STALE)
    if Endpoint.objects.filter(free, pk=endpoint_id).update(wake_at=at):
        deliverer = deliver if at <= now else deliver.using(run_after=at)
        transaction.on_commit(lambda: deliverer.enqueue(endpoint_id))


@task()
def deliver(endpoint_id: int) -> None:
    Endpoint.objects.filter(pk=endpoint_id, wake_at__lte=timezone.now()).update(wake_at=None)
    wait = webhooks.send_due(endpoint_id)
    if wait is not None:
        wake(endpoint_id, timezone.now() + datetime.timedelta(seconds=wait))


@task()
def push_chunk(blog_id: int, entry_id: int, modes: list[str], first_id: int, last_id: int):
    """Push one entry's notice to the blog's followers with ids in [first_id, last_id] who
    follow in one of `modes`. Returns the push services' answers by status."""
    blog = Blog.objects.public().filter(pk=blog_id).first()
    entry = Entry.objects.due().filter(pk=entry_id, blog_id=blog_id).first() if blog else None
    if entry is None:
        return {}  # it left before its notice went out: nothing unpublished goes
    body = push.payload(blog, entry)
    urgent = entry.is_key_event and FollowMode.KEY_EVENTS in modes
    followers = PushSubscription.objects.filter(
        blog_id=blog_id, mode__in=modes, pk__gte=first_id, pk__lte=last_id
    )
    answers: dict[str, int] = {}
    for subscription in followers.iterator():
        if not push.is_push_service(subscription.endpoint):
            continue  # stored before LIVEBLOG_PUSH_HOSTS left its service out
        try:
            status = push.send(subscription, body, blog=blog, urgent=urgent)
        except Exception:  # one broken subscription must not cost the others their notice
            logger.exception("push to subscription %s failed", subscription.pk)
            status = 0
        answers[str(status)] = answers.get(str(status), 0) + 1
    return answers


@task()
def ping_hub(blog_id: int, key_events: bool, attempt: int) -> int:
    """Ping the hub for the blog's feeds; on failure again later (doubling, HUB_ATTEMPTS)."""
    blog = Blog.objects.public().filter(pk=blog_id).first()
    if blog is None or not websub.hub():
        return 0
    try:
        status = websub.ping(websub.feed_urls(blog, key_events=key_events))
    except OSError as error:
        logger.warning("WebSub hub unreachable: %s", error)
        status = 0
    if not 200 <= status < 300 and attempt < HUB_ATTEMPTS:
        later = timezone.now() + datetime.timedelta(seconds=5 * 2**attempt)
        ping_hub.using(run_after=later).enqueue(blog_id, key_events, attempt + 1)
    return status
