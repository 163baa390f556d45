"""The response cache: public answers kept under the blog state they were built from.

Keys carry the state, so a change makes old copies unreachable instead of needing invalidation
(several app servers sharing one Redis need no coordination). Copies live in the shared cache
(Redis in production) and, for LIVEBLOG_MEMO_BYTES, in each process.
"""

import functools
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse

from liveblog.freshness.http import Policy, Validators, no_store, page_policy, respond
from liveblog.freshness.state import recent_state

logger = logging.getLogger(__name__)

# Keys carry the state, so this only bounds how long superseded copies occupy the cache.
KEY_PREFIX = "lb"

# Response headers worth keeping with a cached body; cookies and per-request headers are not.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Vary",
    "Link",
    "Content-Security-Policy",
)


def make_key(parts: Iterable[Hashable]) -> str:
    """A short, backend-safe key for any tuple of parts (URLs may hold spaces or be long)."""
    raw = "\x1f".join(str(part) for part in parts)
    return f"{KEY_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def is_anonymous_read(request: HttpRequest) -> bool:
    """A GET/HEAD without credentials (checked without touching the session or the database)."""
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def is_cacheable(response: HttpResponse) -> bool:
    """A 200 meant for everyone: no cookies set, not marked private or no-store."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


class ResponseMemo:
    """Rendered public responses this process served lately, up to LIVEBLOG_MEMO_BYTES.

    Keys carry the blog state they were built for, like the shared cache's, so nothing needs
    invalidating: a change of state makes its entries unreachable and they age out (least
    recently used first). A hit costs no round trip at all.
    """

    def __init__(self):
        self.entries: OrderedDict[str, tuple[bytes, dict[str, str]]] = OrderedDict()
        self.size = 0

    def get(self, key: str):
        frozen = self.entries.get(key)
        if frozen is not None:
            self.entries.move_to_end(key)
        return frozen

    def put(self, key: str, frozen: tuple[bytes, dict[str, str]]) -> None:
        limit = settings.LIVEBLOG_MEMO_BYTES
        if key in self.entries or len(frozen[0]) > limit // 4:
            return
        self.entries[key] = frozen
        self.size += len(frozen[0])
        while self.size > limit:
            _, (content, _headers) = self.entries.popitem(last=False)
            self.size -= len(content)


memo = ResponseMemo()


def _shared_get(key: str):
    try:
        return cache.get(key)
    except Exception as error:  # the cache is an accelerator: never the cause of a 500
        logger.warning("cache unreachable, building the response: %s", error)
        return None


def _shared_set(key: str, frozen) -> None:
    try:
        cache.set(key, frozen, settings.LIVEBLOG_CACHE_SECONDS)
    except Exception as error:
        logger.warning("cache unreachable, the response was not kept: %s", error)


def kept(
    request: HttpRequest, parts: tuple[Hashable, ...], build: Callable[[], HttpResponse]
) -> HttpResponse:
    """The response kept under `parts`, or build()'s, kept when it is meant for everyone.

    Called by freshness.http.respond() once the caller's validators said its copy is not
    current, so build() runs without the request's conditional headers (the kept copy must be
    the full response).
    """
    key = make_key(("response", *parts))
    use_memo = settings.LIVEBLOG_MEMO_SECONDS > 0
    frozen = memo.get(key) if use_memo else None
    if frozen is None:
        frozen = _shared_get(key)
    if frozen is None:
        response = build()
        if not is_cacheable(response):
            return response
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        frozen = (
            response.content,
            {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        )
        _shared_set(key, frozen)
    if use_memo:
        memo.put(key, frozen)
    content, headers = frozen
    return HttpResponse(content, headers=headers)


def request_key(request: HttpRequest, params: Iterable[str] = ()) -> tuple:
    """What of the request a public response depends on: its absolute address (pages carry
    absolute canonical links, so host and scheme matter) and the query parameters the view
    reads, in a fixed order. Others (?utm_source=..., a typo) share the clean address's copy."""
    query = tuple((name, request.GET.get(name)) for name in sorted(params) if name in request.GET)
    return (request.scheme, request.get_host(), request.path, query)


def blog_response(
    kind: str,
    *,
    load: Callable,
    params: Iterable[str] = (),
    policy: Policy | None = None,
    since_param: str | None = None,
):
    """Serve a per-blog view through the one respond path: the decorator finds the blog's state,
    answers 304 or the kept copy when it can, and otherwise hands the view its blog and state.

    - `load(request, slug)` returns (blog, state) (state None: an editor's preview of a draft,
      never kept or shared);
    - `params`: the query parameters the view reads (the cache key's; others are ignored);
    - `since_param`: a revision the caller was handed (a poller's `since`), so a state behind
      it is read afresh rather than trusted (any app server may have handed it out).

    The view is called as view(request, blog, state, **kwargs) and returns the representation.
    Its ETag is the state's for `kind` (with the entry's id for per-entry views).
    """
    params = tuple(params)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, slug: str, **kwargs) -> HttpResponse:
            at_least = _revision(request, since_param)
            found = recent_state(slug, at_least=at_least) if is_anonymous_read(request) else None

            def build() -> HttpResponse:
                # The blog as it is now: at least as new as the state the copy is kept under.
                blog, state = load(request, slug)
                return view(request, blog, state, **kwargs)

            # Per-entry views (an entry's id in the URL) have a tag per entry.
            tag = kind + "".join(str(v) for v in kwargs.values() if isinstance(v, int))
            answer_policy = policy or page_policy()
            if found is not None:
                validators = Validators(found.etag(tag), found.last_modified, answer_policy)
                keep = (tag, *found, *request_key(request, params))
                return respond(request, validators, build, keep=keep)
            blog, state = load(request, slug)
            if state is None:
                return no_store(view(request, blog, None, **kwargs))
            validators = Validators(state.etag(tag), state.last_modified, answer_policy)
            return respond(request, validators, lambda: view(request, blog, state, **kwargs))

        # Answered the same to every anonymous reader: liveblog.public_reads may serve it.
        wrapped.public_read = True
        return wrapped

    return decorator


def _revision(request: HttpRequest, name: str | None) -> int:
    """The whole-number revision a poller sends (0 when absent); 404 for one that is not."""
    if name is None:
        return 0
    from liveblog.stream import whole_number

    try:
        return whole_number(request.GET.get(name), name=name, default=0)
    except Http404:
        return 0  # the view answers it as it answers any bad value
