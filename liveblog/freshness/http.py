"""HTTP validators: ETags, Last-Modified, Cache-Control, and the one path that answers 304/412.

Every conditional response of the project (pages, the live check, the change feeds, feeds, the
API, the desk) goes through `respond()`: a 304 (or 412) when the caller's copy is current, else
the kept copy (liveblog.freshness.cache) or a fresh build, stamped with the same validators
either way.
"""

import datetime
import functools
import hashlib
import json
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from liveblog.models import Entry

# Reader pages may be a little stale; pollers see changes within a poll interval anyway.
PAGE_MAX_AGE = 10
PAGE_STALE_WHILE_REVALIDATE = 60
# API answers for everyone: kept briefly, then revalidated with the ETag.
API_MAX_AGE = 5


@dataclass(frozen=True)
class Policy:
    """Who may keep a response and for how long (its Cache-Control)."""

    public: bool
    max_age: int = 0
    stale_while_revalidate: int = 0
    must_revalidate: bool = False

    def apply(self, response: HttpResponse) -> None:
        if not self.public:
            patch_cache_control(response, private=True, no_store=True)
            return
        options = {"public": True, "max_age": self.max_age}
        if self.stale_while_revalidate:
            options["stale_while_revalidate"] = self.stale_while_revalidate
        if self.must_revalidate:
            options["must_revalidate"] = True
        patch_cache_control(response, **options)


PAGE = Policy(public=True, max_age=PAGE_MAX_AGE, stale_while_revalidate=PAGE_STALE_WHILE_REVALIDATE)
API = Policy(public=True, max_age=API_MAX_AGE, must_revalidate=True)
PRIVATE = Policy(public=False)


def live_policy(max_age: int) -> Policy:
    return Policy(public=True, max_age=max_age, stale_while_revalidate=PAGE_STALE_WHILE_REVALIDATE)


@dataclass(frozen=True)
class Validators:
    """What a response is validated by: its ETag and Last-Modified, and its Cache-Control."""

    etag: str
    last_modified: datetime.datetime | None
    policy: Policy = PAGE

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        """The headers every answer for these validators carries (a 304's too)."""
        response = HttpResponse()
        response.headers["ETag"] = self.etag
        timestamp = _timestamp(self.last_modified)
        if timestamp is not None:
            response.headers["Last-Modified"] = http_date(timestamp)
        self.policy.apply(response)
        return {name: value for name, value in response.items() if name != "Content-Type"}


def _timestamp(moment: datetime.datetime | None) -> int | None:
    # Never later than now (RFC 9110, 8.8.2.1).
    if moment is None:
        return None
    return int(min(moment, timezone.now()).timestamp())


def current_copy(request: HttpRequest, validators: Validators) -> HttpResponse | None:
    """A 304 (or 412) when the request's preconditions say its copy is current, else None."""
    meta = request.META
    # The commonest request of all: a poller sending back exactly the ETag it was given.
    if meta.get("HTTP_IF_NONE_MATCH") == validators.etag and not (
        "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta
    ):
        return HttpResponseNotModified(headers=validators.headers)
    if not any(name in meta for name in CONDITIONAL_HEADERS):
        return None
    timestamp = _timestamp(validators.last_modified)
    refused = get_conditional_response(request, etag=validators.etag, last_modified=timestamp)
    if refused is not None:
        for name, value in validators.headers.items():
            if name in NOT_MODIFIED_HEADERS or refused.status_code == 304:
                refused.headers[name] = value
    return refused


CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# What a 304 repeats of the full response (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = ("Cache-Control", "ETag", "Last-Modified", "Vary", "Content-Location")


def stamp(response: HttpResponse, validators: Validators) -> HttpResponse:
    """Set the validators and Cache-Control on a built response."""
    for name, value in validators.headers.items():
        if name == "Cache-Control" and response.has_header(name):
            continue  # the view said who may keep it (e.g. an error it made)
        response.headers[name] = value
    return response


def respond(
    request: HttpRequest,
    validators: Validators,
    build: Callable[[], HttpResponse],
    *,
    keep: tuple[Hashable, ...] | None = None,
) -> HttpResponse:
    """The one way a conditional response is answered: 304/412 if the caller's copy is current;
    else, with `keep` (the parts naming this representation, a BlogState among them), the copy
    kept for everyone (liveblog.freshness.cache); else build(). Stamped with the validators."""
    refused = current_copy(request, validators)
    if refused is not None:
        return refused
    if keep is not None:
        from liveblog.freshness import cache

        return cache.kept(request, keep, lambda: stamp(build(), validators))
    return stamp(build(), validators)


def no_store(response: HttpResponse) -> HttpResponse:
    """A response for one user alone (an editor's preview)."""
    PRIVATE.apply(response)
    return response


def digest_etag(*parts) -> str:
    """A strong ETag over arbitrary parts (for representations that depend on the caller)."""
    try:
        return _digest_etag(parts)
    except TypeError:  # unhashable parts: computed each time
        return _digest_etag.__wrapped__(parts)


@functools.lru_cache(maxsize=4096)
def _digest_etag(parts: tuple) -> str:
    # Remembered: every anonymous poller of a blog asks for the same parts until it changes.
    raw = json.dumps(parts, default=str, sort_keys=True)
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


# --- writes: If-Match ----------------------------------------------------------------------------


def entry_etag(entry: Entry) -> str:
    """The entry's own strong ETag: its version, which every save moves."""
    return f'"entry-{entry.pk}-v{entry.version}"'


PRECONDITION_REQUIRED = 428
PRECONDITION_FAILED = 412
MALFORMED = 400
# RFC 9110, 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text.
_ENTITY_TAG = r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"'
_IF_MATCH = re.compile(rf"\s*(?:\*|{_ENTITY_TAG}(?:\s*,\s*{_ENTITY_TAG})*)\s*")
_TAG = re.compile(_ENTITY_TAG)


def write_precondition(request: HttpRequest, etag: str) -> int | None:
    """None when the write may go ahead: If-Match is `*` or a list of well-formed tags naming
    `etag` by strong comparison (a weak W/ tag never matches). 428 without If-Match, 400 for a
    header that is not a list of entity tags (an unquoted tag, "garbage", an empty value, a
    stray comma), 412 when it names only other versions."""
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        return PRECONDITION_REQUIRED
    if not _IF_MATCH.fullmatch(header):
        return MALFORMED
    if header.strip() == "*":
        return None
    strong = [tag for tag in _TAG.findall(header) if not tag.startswith("W/")]
    return None if etag in strong else PRECONDITION_FAILED


def version_precondition(loaded: str | int | None, current: int) -> str | None:
    """Why a form's save based on version `loaded` may not go ahead against the entry's
    `current` version ("missing", "stale"), or None. The admin's entry form and the desk check
    their hidden version field here: a missing or empty one is refused, never waved through."""
    text = str(loaded if loaded is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return "missing"
    return None if int(text) == current else "stale"
