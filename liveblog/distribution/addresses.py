"""Outgoing requests to addresses others gave us (partners' webhook endpoints, readers' push
services), safe by default.

Only https, and only hosts whose every address is public: no loopback, private, link-local
(cloud metadata), multicast or reserved ranges, checked on the addresses the name resolves to
at each request, and the connection goes to the very address checked (a name cannot be rebound
between the check and the request). LIVEBLOG_WEBHOOK_ALLOW_PRIVATE=1 allows http and private
addresses, for development and tests. Connect and read timeouts, a cap on the answer read, no
redirects followed, no credentials in addresses.
"""

import ipaddress
import socket
import ssl
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "Liveblog-Distribution/1"


class Refused(Exception):
    """An address we will not send to, or a request that could not be made; says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str
    path: str


def allow_private() -> bool:
    return settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> Target:
    """The target of `url` if we may send to it (with `resolve`, the address to connect to),
    else Refused saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(_("This is not a valid address.")) from None
    schemes = ("https", "http") if allow_private() else ("https",)
    if parts.scheme not in schemes:
        raise Refused(_("The address must start with https://."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused(_("The address has no host."))
    if parts.username is not None or parts.password is not None:
        raise Refused(_("The address may not contain a user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    literal = _literal(host)
    if literal is not None:
        if not allow_private() and not is_public(literal):
            raise Refused(_("The address is not on the public internet."))
        return Target(parts.scheme, host, port, literal, path)
    if not resolve:
        return Target(parts.scheme, host, port, "", path)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(_("The host name could not be resolved.")) from None
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise Refused(_("The host name could not be resolved."))
    if not allow_private() and not all(is_public(address) for address in addresses):
        raise Refused(_("The host name resolves to an address that is not public."))
    return Target(parts.scheme, host, port, addresses[0], path)


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


@dataclass
class Answer:
    status: int
    body: bytes
    latency_ms: int
    headers: dict


class Pools:
    """Keep-alive connections per checked address (bounded): one push service or receiver
    gets many requests in a row."""

    def __init__(self, size: int = 64):
        self.size = size
        self.pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()

    def get(self, target: Target) -> urllib3.HTTPConnectionPool:
        key = (target.scheme, target.address, target.port, target.host)
        pool = self.pools.get(key)
        if pool is not None:
            self.pools.move_to_end(key)
            return pool
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                target.address,
                target.port,
                maxsize=4,
                server_hostname=target.host,
                assert_hostname=target.host,
                ssl_context=ssl.create_default_context(),
            )
        else:
            pool = urllib3.HTTPConnectionPool(target.address, target.port, maxsize=4)
        self.pools[key] = pool
        while len(self.pools) > self.size:
            _, old = self.pools.popitem(last=False)
            old.close()
        return pool


pools = Pools()


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` as this module allows; the answer's status and at most
    LIVEBLOG_WEBHOOK_MAX_RESPONSE_BYTES of its body. Raises Refused for an address we will not
    send to and for a request that failed (timeout, refused connection, TLS, too large)."""
    target = check_url(url)
    connect = settings.LIVEBLOG_WEBHOOK_CONNECT_TIMEOUT
    read = settings.LIVEBLOG_WEBHOOK_READ_TIMEOUT
    limit = settings.LIVEBLOG_WEBHOOK_MAX_RESPONSE_BYTES
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.port != default_port:
        host = f"{host}:{target.port}"
    sent = {"Host": host, "User-Agent": USER_AGENT, **headers}
    started = time.monotonic()
    deadline = started + connect + read
    try:
        response = pools.get(target).urlopen(
            "POST",
            target.path,
            body=body,
            headers=sent,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
            timeout=urllib3.Timeout(connect=connect, read=read),
        )
    except urllib3.exceptions.HTTPError as error:
        raise Refused(_failure(error)) from None
    try:
        received = bytearray()
        for chunk in response.stream(8192, decode_content=False):
            received += chunk
            if len(received) > limit:
                raise Refused(_("The answer was larger than %(limit)s bytes.") % {"limit": limit})
            if time.monotonic() > deadline:
                raise Refused(_("The answer took too long."))
    except urllib3.exceptions.HTTPError as error:
        raise Refused(_failure(error)) from None
    finally:
        response.release_conn()
    latency = int((time.monotonic() - started) * 1000)
    return Answer(response.status, bytes(received), latency, dict(response.headers))


def _failure(error: Exception) -> str:
    # NewConnectionError is a kind of timeout in urllib3: ask for it first.
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        return _("The connection was refused.")
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return _("No answer in time.")
    if isinstance(error, urllib3.exceptions.SSLError):
        return _("The TLS connection failed: %(error)s") % {"error": error}
    return _("The request failed: %(error)s") % {"error": type(error).__name__}
