"""Freshness: how every reader-facing response knows whether it is still current.

Three parts, one respond path:

- `state`: a blog's state (revision, status, change time) read from the database, kept in Redis
  and remembered per process; reading it announces scheduled entries that fell due;
- `http`: validators (ETags, Last-Modified, Cache-Control policies), strict If-Match for writes,
  and `respond()`, the one place a 304/412 is decided;
- `cache`: public responses kept under the state they were built from, and `blog_response`, the
  decorator that serves every per-blog view through `respond()`, handing the view its blog and
  state.
"""

from liveblog.freshness.cache import blog_response, is_anonymous_read, kept, make_key
from liveblog.freshness.http import (
    API,
    MALFORMED,
    PAGE,
    PAGE_MAX_AGE,
    PRECONDITION_FAILED,
    PRECONDITION_REQUIRED,
    PRIVATE,
    Policy,
    Validators,
    digest_etag,
    entry_etag,
    live_policy,
    no_store,
    respond,
    version_precondition,
    write_precondition,
)
from liveblog.freshness.state import (
    BlogState,
    StateStore,
    blogs_marker,
    forget_recent_states,
    read_row,
    recent_state,
    state,
    state_of,
    with_overdue,
)

__all__ = [
    "API",
    "MALFORMED",
    "PAGE",
    "PAGE_MAX_AGE",
    "PRECONDITION_FAILED",
    "PRECONDITION_REQUIRED",
    "PRIVATE",
    "BlogState",
    "blogs_marker",
    "Policy",
    "StateStore",
    "Validators",
    "blog_response",
    "digest_etag",
    "entry_etag",
    "forget_recent_states",
    "is_anonymous_read",
    "kept",
    "live_policy",
    "make_key",
    "no_store",
    "read_row",
    "recent_state",
    "respond",
    "state",
    "state_of",
    "version_precondition",
    "with_overdue",
    "write_precondition",
]
