"""Anonymous rate limiting, configured by settings.LIVEBLOG_API_ANON_RATE at request time."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from liveblog.security import client_ip


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        # Read per request, not at import like DRF's THROTTLE_RATES, so tests and
        # deployments can change it; an empty rate means no limit.
        return settings.LIVEBLOG_API_ANON_RATE or None

    def get_ident(self, request) -> str:
        # DRF's own reading trusts all of X-Forwarded-For unless NUM_PROXIES is set; the login
        # lockout counts by the same address.
        return client_ip(request)


class RefusedCredentialsThrottle(AnonThrottle):
    """The anonymous allowance, charged for credentials the API refused (see
    liveblog.api.authentication): the caller is not signed in, whatever the header claimed.
    The same counter as AnonThrottle's, so refusals and anonymous reads share one budget."""

    def get_cache_key(self, request, view) -> str:
        # Not request.user: this runs while authentication is still deciding it.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
