"""Anonymous rate limiting, configured by settings.LIVEBLOG_API_ANON_RATE at request time."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from liveblog.caching import is_anonymous_read
from liveblog.security import client_ip

# Set on a request already counted before the response cache, so DRF does not count it again.
COUNTED = "liveblog_anon_throttle_counted"


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        # Read per request, not at import like DRF's THROTTLE_RATES, so tests and
        # deployments can change it; an empty rate means no limit.
        return settings.LIVEBLOG_API_ANON_RATE or None

    def get_ident(self, request) -> str:
        # DRF's own reading trusts all of X-Forwarded-For unless NUM_PROXIES is set; the login
        # lockout counts by the same address.
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        if getattr(request, COUNTED, False):
            return True
        return super().allow_request(request, view)


def count_before_cache(request, view) -> bool:
    """Count an anonymous read that a response cache in front of DRF may answer by itself.

    Without this, cache hits (most of a poller's calls) never reach DRF's throttle. False means
    the caller is over the limit: send the request to DRF, which answers 429, not to the cache.
    """
    if not is_anonymous_read(request):
        return True
    if not AnonThrottle().allow_request(request, view):
        return False
    setattr(request, COUNTED, True)
    return True
