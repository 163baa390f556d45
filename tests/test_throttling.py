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


# --- the app says when the proxies in front of it do not fit the setting -------------------------


def passed_through(caplog, proxies: int, *requests) -> list[str]:
    """The warnings one app process logs for these requests (REMOTE_ADDR, X-Forwarded-For)."""
    from django.http import HttpResponse
    from django.test import override_settings

    from liveblog.security import ProxyCheckMiddleware

    middleware = ProxyCheckMiddleware(lambda request: HttpResponse())
    with override_settings(LIVEBLOG_TRUSTED_PROXIES=proxies), caplog.at_level("WARNING"):
        for remote, forwarded in requests:
            middleware(request_from(remote, forwarded))
    return [r.getMessage() for r in caplog.records if r.name == "liveblog.security"]


def test_requests_through_an_untrusted_proxy_are_warned_about_once(caplog):
    warnings = passed_through(
        caplog, 0, ("127.0.0.1", "203.0.113.7"), ("127.0.0.1", "198.51.100.1")
    )

    assert len(warnings) == 1
    assert "LIVEBLOG_TRUSTED_PROXIES is 0" in warnings[0]
    assert "every caller counts as the proxy's address 127.0.0.1" in warnings[0]
    assert "(1 behind the shipped nginx)" in warnings[0]


def test_fewer_proxies_than_trusted_are_warned_about(caplog):
    warnings = passed_through(caplog, 2, ("10.0.0.2", "203.0.113.7"))

    assert warnings == [
        "Client addresses: LIVEBLOG_TRUSTED_PROXIES is 2 but a request's X-Forwarded-For "
        "holds 1 address(es): callers count as 10.0.0.2."
    ]


@pytest.mark.parametrize(
    ("proxies", "requests"),
    [
        (0, [("203.0.113.7", None)] * 3),  # no proxy, none trusted
        (1, [("127.0.0.1", None), ("127.0.0.1", "203.0.113.7")]),  # a health check, then nginx
        (1, [("127.0.0.1", "198.51.100.1, 203.0.113.7")]),  # the caller wrote one of its own
    ],
)
def test_proxies_that_fit_the_setting_are_not_warned_about(caplog, proxies, requests):
    assert passed_through(caplog, proxies, *requests) == []


# --- refused credentials count as anonymous requests ---------------------------------------------


@pytest.mark.parametrize(
    "authorization", ["Token 0000000000000000000000000000000000000000", "Token", "Token a b"]
)
def test_refused_tokens_are_counted_by_the_anonymous_throttle(throttled, authorization):
    """Guessing tokens: each refusal used to be a 401 before any throttle ran."""
    codes = [
        throttled.get("/api/blogs/", HTTP_AUTHORIZATION=authorization).status_code
        for _ in range(12)
    ]

    assert codes == [401] * 10 + [429] * 2
    # The same allowance as anonymous reads: spent, so those are refused too.
    assert throttled.get("/api/blogs/").status_code == 429


def test_a_valid_token_is_not_throttled_as_anonymous(throttled, api_editor):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=api_editor).key
    codes = {
        throttled.get("/api/blogs/", HTTP_AUTHORIZATION=f"Token {token}").status_code
        for _ in range(15)
    }

    assert codes == {200}
