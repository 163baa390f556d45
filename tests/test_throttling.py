"""The caller's address (security.client_ip) and the anonymous API throttle that counts by it."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from liveblog.security import client_ip

pytestmark = pytest.mark.django_db


def request_from(remote: str, forwarded: str | None = None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "10.0.0.9"),
        (0, "203.0.113.7", "10.0.0.9"),  # no proxy: the header is the caller's own words
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the left one was written by the caller
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.9"),  # fewer than our proxies: it did not come through them
        (1, "", "10.0.0.9"),
        (1, "not-an-address", "10.0.0.9"),
        (1, "2001:db8:0:0::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.LIVEBLOG_TRUSTED_PROXIES = proxies
    assert client_ip(request_from("10.0.0.9", forwarded)) == expected


@pytest.fixture
def throttled(api_client, settings):
    cache.clear()
    settings.LIVEBLOG_API_ANON_RATE = "10/minute"
    yield api_client
    cache.clear()


def refused(client, forwarded_for: list[str], **headers) -> int:
    codes = [
        client.get("/api/blogs/", HTTP_X_FORWARDED_FOR=address, **headers).status_code
        for address in forwarded_for
    ]
    assert set(codes) <= {200, 429}
    return codes.count(429)


def test_rotating_x_forwarded_for_does_not_dodge_the_throttle(throttled, settings):
    settings.LIVEBLOG_TRUSTED_PROXIES = 0
    addresses = [f"198.51.100.{n}" for n in range(30)]
    assert refused(throttled, addresses) == 20


def test_behind_one_proxy_only_the_address_it_wrote_counts(throttled, settings):
    settings.LIVEBLOG_TRUSTED_PROXIES = 1
    # The caller prepends a new address each time; our proxy appends the real one.
    spoofed = [f"198.51.100.{n}, 203.0.113.7" for n in range(30)]
    assert refused(throttled, spoofed) == 20
    # Other callers behind the same proxy have their own allowance.
    assert refused(throttled, [f"203.0.113.{n}" for n in range(100, 110)]) == 0
