"""The guard on outgoing requests to addresses from outside (webhook endpoints, push services):
https and public addresses only, checked on what the name resolves to, timeouts, no redirects."""

import time

import pytest

from liveblog.distribution import addresses
from tests.stubs import Recorder


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/hook",  # a name: refused once resolved, at each delivery
        "https://127.0.0.1/hook",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
    ],
)
def test_private_and_special_addresses_are_refused(settings, url):
    settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(addresses.Refused):
        addresses.check_url(url)


def test_public_addresses_pass_and_http_only_when_allowed(settings):
    settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = False
    assert addresses.check_url("https://93.184.215.14:8443/x?y=1").path == "/x?y=1"
    with pytest.raises(addresses.Refused, match="https"):
        addresses.check_url("http://93.184.215.14/")
    settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = True
    target = addresses.check_url("http://localhost:9/")
    assert target.address in ("127.0.0.1", "::1") and target.port == 9


def test_a_slow_receiver_times_out(settings):
    settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = True
    settings.LIVEBLOG_WEBHOOK_READ_TIMEOUT = 1

    def slow(n):
        time.sleep(2)
        return 204, {}, b""

    with Recorder(slow) as receiver:
        started = time.monotonic()
        with pytest.raises(addresses.Refused, match="in time"):
            addresses.post(receiver.url, b"{}", {})
        assert time.monotonic() - started < 1.8


def test_a_refused_connection_is_a_failure_not_an_error(settings):
    settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = True
    with Recorder() as receiver:
        url = receiver.url
    with pytest.raises(addresses.Refused, match="refused"):
        addresses.post(url, b"{}", {})
