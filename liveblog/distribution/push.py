"""Web Push to readers who follow a blog (RFC 8030 with VAPID, RFC 8292, and aes128gcm
payloads, RFC 8291), through pywebpush.

A notice per new entry to those who follow every update, and per key event to everyone who
follows. Each carries `Topic: blog-<id>` (a burst replaces the notice waiting on an offline
device rather than piling up), `Urgency: high` for key events only, and a short TTL
(LIVEBLOG_PUSH_TTL): news goes stale. Subscriptions the push service says are gone (404, 410)
are removed. Push services are addresses readers' browsers gave us: they go through the same
guard as webhooks (liveblog.distribution.addresses).
"""

import base64
import binascii
import functools
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException

from liveblog import stream
from liveblog.distribution import addresses
from liveblog.distribution.models import FollowMode, PushSubscription
from liveblog.distribution.site import absolute
from liveblog.models import Blog, ChangeKind

# Subscriptions one task sends to; a fan-out to many followers is many such tasks.
CHUNK = 500
# Longest notice text (push services take about 4 KB of encrypted payload).
BODY_CHARACTERS = 180
# VAPID tokens are valid up to 24 h; a new one every 12 h per push service.
TOKEN_SECONDS = 12 * 3600


def is_configured() -> bool:
    return bool(settings.LIVEBLOG_VAPID_PUBLIC_KEY and settings.LIVEBLOG_VAPID_PRIVATE_KEY)


def make_keys() -> tuple[str, str]:
    """A new VAPID pair: (public key as browsers take it, private key), base64url."""
    vapid = Vapid()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        encoding=_serialization().Encoding.X962,
        format=_serialization().PublicFormat.UncompressedPoint,
    )
    return b64url(public), b64url(private)


def _serialization():
    from cryptography.hazmat.primitives import serialization

    return serialization


def is_push_service(endpoint: str) -> bool:
    """Whether the address is at one of LIVEBLOG_PUSH_HOSTS (any host where
    LIVEBLOG_WEBHOOK_ALLOW_PRIVATE is on: development and tests run their own)."""
    if settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE:
        return True
    host = (urlsplit(endpoint).hostname or "").rstrip(".").lower()
    return any(
        host == known or host.endswith("." + known) for known in settings.LIVEBLOG_PUSH_HOSTS
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def valid_key(text: str, length: int, *, first: int | None = None) -> bool:
    """Whether `text` is base64url for `length` bytes (starting with `first`)."""
    if not isinstance(text, str) or len(text) > 200:
        return False
    try:
        raw = b64url_decode(text)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == length and (first is None or raw[0] == first)


@functools.lru_cache(maxsize=1)
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


@functools.lru_cache(maxsize=256)
def _authorization(private_key: str, audience: str, period: int) -> str:
    claims = {
        "aud": audience,
        "sub": settings.LIVEBLOG_VAPID_SUBJECT,
        "exp": (period + 2) * TOKEN_SECONDS,
    }
    return _vapid(private_key).sign(claims)["Authorization"]


def vapid_authorization(endpoint: str) -> str:
    """The VAPID Authorization header for a push service (one token per service and half-day)."""
    parts = urlsplit(endpoint)
    period = int(time.time()) // TOKEN_SECONDS
    return _authorization(
        settings.LIVEBLOG_VAPID_PRIVATE_KEY, f"{parts.scheme}://{parts.netloc}", period
    )


@dataclass(frozen=True)
class Notice:
    """One notice to send: the entry, whether it is a key event, and who gets it."""

    entry_id: int
    is_key_event: bool
    modes: tuple[str, ...]


def notices(log: stream.Log) -> list[Notice]:
    """What followers are told of a run of changes: a new entry (every-update followers; and
    key-event followers when it is one), an entry that became a key event (key-event
    followers). Only entries readers see now."""
    found = []
    for row in log.rows:
        if row.entry_id not in log.entries:
            continue
        if row.kind == ChangeKind.PUBLISHED:
            modes = (
                (FollowMode.ALL, FollowMode.KEY_EVENTS) if row.is_key_event else (FollowMode.ALL,)
            )
            found.append(Notice(row.entry_id, row.is_key_event, modes))
        elif row.kind == ChangeKind.UPDATED and row.is_key_event and not row.was_key_event:
            found.append(Notice(row.entry_id, True, (FollowMode.KEY_EVENTS,)))
    return found


def payload(blog: Blog, entry) -> bytes:
    """The notice: the blog's title, the entry's headline (or the start of its text) and the
    #entry-N link on the blog's page, in the blog's language."""
    with override(blog.language):
        title = blog.title
        if entry.is_key_event:
            title = _("Key event: %(blog)s") % {"blog": blog.title}
        text = entry.headline or " ".join(stream.plain_text(entry.text_blocks()).split())
    if len(text) > BODY_CHARACTERS:
        text = text[: BODY_CHARACTERS - 1].rstrip() + "…"
    document = {
        "title": title[:120],
        "body": text,
        "url": absolute(f"{blog.get_absolute_url()}#entry-{entry.pk}"),
        "tag": topic(blog),
        "lang": blog.language,
        "dir": blog.direction,
        "is_key_event": entry.is_key_event,
    }
    return json.dumps(document, ensure_ascii=False).encode()


def topic(blog: Blog) -> str:
    """The Topic header (at most 32 URL-safe characters): one per blog."""
    return f"blog-{blog.pk}"


class GuardedSession:
    """What pywebpush posts through: the address guard, timeouts and caps of webhooks."""

    def post(self, url: str, *, data: bytes, headers, timeout=None):
        answer = addresses.post(url, data or b"", dict(headers))
        return Answered(answer.status, answer.body.decode("utf-8", "replace"), answer.headers)


@dataclass
class Answered:
    """The parts of a requests.Response that pywebpush reads."""

    status_code: int
    text: str
    headers: dict


def send(subscription: PushSubscription, body: bytes, *, blog: Blog, urgent: bool) -> int:
    """Push one notice; the push service's status (0 when it could not be reached or
    refused). Deletes a subscription the service says is gone."""
    headers = {
        "Authorization": vapid_authorization(subscription.endpoint),
        "Topic": topic(blog),
        "Urgency": "high" if urgent else "normal",
    }
    try:
        pusher = WebPusher(subscription.info(), requests_session=GuardedSession())
        answer = pusher.send(
            body, headers=headers, ttl=settings.LIVEBLOG_PUSH_TTL, content_encoding="aes128gcm"
        )
    except (addresses.Refused, WebPushException, ValueError, binascii.Error):
        return 0
    if answer.status_code in (404, 410):
        PushSubscription.objects.filter(pk=subscription.pk).delete()
    return answer.status_code
