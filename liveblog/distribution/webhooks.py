"""Signed webhooks (the Standard Webhooks specification, standardwebhooks.com).

Each delivery is a POST of JSON: {"type": event, "timestamp", "blog": slug, "revision": the
blog's revision of the change, "data": the entry or blog as the API shows it to everyone}, with
`webhook-id` (the same on every attempt), `webhook-timestamp` (the attempt's) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the endpoint's secret.

`queue()` turns an endpoint's share of the change log (read through liveblog.stream) into
Delivery rows, in order; `send_next()` makes one attempt at the endpoint's oldest pending one.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from functools import cached_property

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from liveblog import stream
from liveblog.distribution import addresses
from liveblog.distribution.models import TEST_EVENT, Delivery, Endpoint
from liveblog.distribution.site import site_request
from liveblog.models import Blog, Caption, ChangeKind

# Changes read from the log per run (an endpoint far behind catches up over several runs).
LOG_PAGE = 200


def events_of(row: stream.LogRow) -> list[str]:
    """The webhook events one change of the log is."""
    if row.kind == ChangeKind.PUBLISHED:
        return ["entry.published", *(["entry.key_event"] if row.is_key_event else [])]
    if row.kind == ChangeKind.UPDATED:
        became = row.is_key_event and not row.was_key_event
        return ["entry.updated", *(["entry.key_event"] if became else [])]
    if row.kind == ChangeKind.REMOVED:
        return ["entry.removed"]
    if row.kind == ChangeKind.STATUS:
        return ["blog.status_changed"]
    return []


class Payloads:
    """The data of each event as the API shows it to everyone, built once per run however
    many endpoints receive it."""

    def __init__(self, blog: Blog, log: stream.Log):
        self.blog, self.log = blog, log
        self.request = site_request()
        self.entries: dict[int, dict] = {}

    @cached_property
    def blog_data(self) -> dict:
        from liveblog.api.base import hero_prefetch, with_state
        from liveblog.api.serializers import BlogSerializer

        if not self.blog.is_public:
            # Taken off the site: that it happened, and nothing of what readers no longer see.
            return {"id": self.blog.pk, "slug": self.blog.slug, "status": self.blog.status}
        translations = Prefetch("translations", queryset=Blog.objects.only("id", "slug"))
        blog = (
            with_state(Blog.objects.filter(pk=self.blog.pk))
            .prefetch_related(hero_prefetch(), translations)
            .get()
        )
        return dict(BlogSerializer(blog, context={"request": self.request}).data)

    def entry_data(self, entry_id: int) -> dict | None:
        """The entry as the API shows it, or None when readers do not see it now (it left
        after this change: a later change says so)."""
        if entry_id not in self.entries:
            from liveblog.api.serializers import EntrySerializer

            entry = self.log.entries.get(entry_id)
            if entry is None:
                return None
            entry.blog = self.blog
            prefetch_related_objects(
                [entry],
                Prefetch("captions", queryset=Caption.objects.select_related("image")),
                "corrections",
                "authors",
            )
            serializer = EntrySerializer(entry, context={"request": self.request})
            self.entries[entry_id] = dict(serializer.data)
        return self.entries[entry_id]

    def data(self, event: str, row: stream.LogRow) -> dict | None:
        if event == "blog.status_changed":
            return self.blog_data
        if event == "entry.removed":
            return {"id": row.entry_id, "blog": self.blog.slug}
        return self.entry_data(row.entry_id)


def message(event: str, blog: Blog, revision: int, data: dict, at=None) -> dict:
    return {
        "type": event,
        "timestamp": (at or timezone.now()).isoformat(),
        "blog": blog.slug,
        "revision": revision,
        "data": data,
    }


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(24)


def queue(endpoint_id: int, upto: int, shared: dict | None = None) -> bool:
    """Queue the endpoint's deliveries for the blog's changes after its revision, up to `upto`
    (at most LOG_PAGE changes; True if more remain). Under the endpoint's row lock, so two
    workers never queue the same change twice, and in the log's order. `shared`: the log read
    and payloads built for other endpoints of the blog in this run, reused by those at the
    same position (a publish to 50 endpoints reads the log and builds its payload once)."""
    shared = {} if shared is None else shared
    with transaction.atomic():
        endpoint = (
            Endpoint.objects.select_for_update().select_related("blog").filter(pk=endpoint_id)
        ).first()
        if endpoint is None or not endpoint.is_active or endpoint.revision >= upto:
            return False
        key = (endpoint.revision, upto)
        if key not in shared:
            log = stream.log(endpoint.blog_id, endpoint.revision, upto, limit=LOG_PAGE)
            shared[key] = (log, Payloads(endpoint.blog, log))
        log, payloads = shared[key]
        deliveries = []
        for row in log.rows:
            for event in events_of(row):
                if not endpoint.wants(event):
                    continue
                data = payloads.data(event, row)
                if data is None:
                    continue
                body = message(event, endpoint.blog, row.revision, data, at=row.at)
                deliveries.append(
                    Delivery(
                        endpoint=endpoint,
                        message_id=new_message_id(),
                        event=event,
                        revision=row.revision,
                        payload=body,
                    )
                )
        Delivery.objects.bulk_create(deliveries)
        Endpoint.objects.filter(pk=endpoint.pk).update(revision=log.until)
    return log.has_more


def queue_test(endpoint: Endpoint) -> Delivery:
    """A `webhook.test` delivery, queued behind the endpoint's others."""
    data = {"message": "This is a test event from Liveblog.", "endpoint": endpoint.pk}
    return Delivery.objects.create(
        endpoint=endpoint,
        message_id=new_message_id(),
        event=TEST_EVENT,
        revision=endpoint.blog.revision,
        payload=message(TEST_EVENT, endpoint.blog, endpoint.blog.revision, data),
    )


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks v1 signature."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers_for(endpoint: Endpoint, delivery: Delivery, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(endpoint.secret, delivery.message_id, timestamp, body),
    }


def attempt(endpoint: Endpoint, delivery: Delivery) -> bool:
    """One attempt at a delivery: a 2xx answer delivers it; anything else is a failure with
    its reason, and the next try is scheduled. Returns whether it was delivered."""
    body = body_of(delivery)
    try:
        answer = addresses.post(endpoint.url, body, headers_for(endpoint, delivery, body))
    except addresses.Refused as refused:
        delivery.fail(status_code=None, latency_ms=None, error=str(refused))
        return False
    if 200 <= answer.status < 300:
        delivery.succeed(status_code=answer.status, latency_ms=answer.latency_ms)
        return True
    reason = _("The receiver answered %(status)s.") % {"status": answer.status}
    if 300 <= answer.status < 400:
        reason += " " + _("Redirects are not followed: give the final address.")
    delivery.fail(status_code=answer.status, latency_ms=answer.latency_ms, error=reason)
    return False


def send_due(endpoint_id: int, *, budget_seconds: float = 20) -> "float | None":
    """Send the endpoint's pending deliveries in order while they succeed and within the
    budget, holding its lease so no other worker sends for it meanwhile. Returns None when
    nothing is left to do now, else the seconds until the next try (a failure's backoff, the
    lease of another worker, or 0 to go on after the budget)."""
    lease_seconds = int(budget_seconds) + 30
    leased_until = Endpoint.objects.lease(endpoint_id, lease_seconds)
    if leased_until is None:
        endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=True).first()
        if endpoint is None or endpoint.leased_until is None:
            return None
        return max(0.0, (endpoint.leased_until - timezone.now()).total_seconds())
    started = time.monotonic()
    try:
        while True:
            endpoint = Endpoint.objects.get(pk=endpoint_id)
            if not endpoint.is_active:
                return None
            delivery = Delivery.objects.head(endpoint_id)
            if delivery is None:
                return None
            wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
            if wait > 0:
                return wait
            if time.monotonic() - started > budget_seconds:
                return 0.0
            if not attempt(endpoint, delivery):
                delivery.refresh_from_db(fields=["next_attempt_at"])
                return max(0.0, (delivery.next_attempt_at - timezone.now()).total_seconds())
    finally:
        Endpoint.objects.release(endpoint_id, leased_until)
