"""Token authentication whose refusals count against the caller's anonymous allowance."""

from rest_framework import authentication, exceptions

from liveblog.api.throttling import RefusedCredentialsThrottle


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's, except that a token it refuses (unknown, malformed, an inactive user's) counts
    against the caller's anonymous allowance, and past it the answer is a 429.

    DRF authenticates before any throttle runs and answers a bad token with a 401 at once, so
    guessing tokens was never slowed down.
    """

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle = RefusedCredentialsThrottle()
            if not throttle.allow_request(request, None):
                raise exceptions.Throttled(throttle.wait()) from None
            raise
