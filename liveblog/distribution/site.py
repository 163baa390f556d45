"""The site as seen from outside a request: deliveries built by workers link to it."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


class SiteRequest(HttpRequest):
    """A request for LIVEBLOG_SITE_URL, so the API's serializers and build_absolute_uri()
    give the public addresses in what workers send."""

    def __init__(self):
        super().__init__()
        parts = urlsplit(settings.LIVEBLOG_SITE_URL)
        self.site_scheme, self.site_host = parts.scheme, parts.netloc
        self.method, self.path = "GET", "/"

    def _get_scheme(self) -> str:
        return self.site_scheme

    def get_host(self) -> str:
        return self.site_host


def site_request() -> HttpRequest:
    return SiteRequest()


def absolute(path: str) -> str:
    """An address on the site, from its path."""
    return settings.LIVEBLOG_SITE_URL + path
