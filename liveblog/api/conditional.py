"""Conditional GET: ETag / Last-Modified on cheap-to-fingerprint resources, 304 when unchanged."""

import hashlib
import json
from datetime import datetime

from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from liveblog.api.errors import PreconditionFailed

# A representation depends on the caller (drafts for editors) and on how it is rendered.
VARY = ("Accept", "Authorization", "Cookie")


def make_etag(request, *parts) -> str:
    """A strong ETag over the given parts, the caller's identity and the renderer."""
    user_id = request.user.pk if request.user.is_authenticated else 0
    scope = [request.accepted_renderer.format, request.version, user_id]
    raw = json.dumps([scope, *parts], default=str, sort_keys=True)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f'"{digest}"'


def respond(request, *, etag: str, last_modified: datetime | None, build):
    """Answer 304 if the caller's copy is current, else build() stamped with the validators."""
    # Never later than now (RFC 9110, 8.8.2.1): a scheduled entry's time is in the future, and
    # a client sending it back in If-Modified-Since would get 304s for every edit until then.
    if last_modified is not None:
        last_modified = min(last_modified, timezone.now())
    timestamp = int(last_modified.timestamp()) if last_modified else None
    early = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if early is not None and early.status_code == 412:
        raise PreconditionFailed()
    response = early if early is not None else build()
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    patch_vary_headers(response, VARY)
    return response


def matches(request, etag: str) -> bool:
    """Whether an If-Match header (if any) names this ETag; no header always matches."""
    header = request.headers.get("If-Match")
    if header is None:
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates
