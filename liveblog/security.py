"""Request-level defences shared by the site, the admin and the API.

- client_ip(): the caller's address as the trusted proxies report it; the API throttle, the
  search throttle and the login lockout (django-axes) all count by it, so none can be dodged by
  writing a header.
- ProxyCheckMiddleware: says so in the log, once, when requests arrive through a proxy that
  LIVEBLOG_TRUSTED_PROXIES does not account for (every caller would count as the proxy).
- RequestSizeMiddleware: refuses an oversized body from its Content-Length, before anything
  reads it (DRF's parsers read the stream themselves and bypass Django's own size check), and a
  chunked body with a 411 (Django would read it as empty).
- lockout_response(): the page django-axes shows a locked-out login.
- SecurityHeadersMiddleware: Permissions-Policy, the Content-Security-Policy allowances the
  browsable API's own templates need (django-csp sets the policy itself), and Clear-Site-Data
  on a log-out's answer.
"""

import base64
import hashlib
import ipaddress
import logging
import re
from dataclasses import asdict
from functools import cache
from pathlib import Path

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import conditional_escape
from rest_framework.throttling import SimpleRateThrottle

# Powerful features no page of the site uses: denied to the pages and anything they embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"{}]*)"')
logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The caller's IP address, trusting X-Forwarded-For only as far as our own proxies.

    With LIVEBLOG_TRUSTED_PROXIES = N, each of our N proxies appended the address it saw, so the
    caller is the N-th address from the right; anything further left the caller wrote itself.
    With 0 (no proxy), or a header that did not pass through all N, it is REMOTE_ADDR.
    """
    meta = getattr(request, "_request", request).META  # a DRF Request wraps Django's
    remote = meta.get("REMOTE_ADDR", "")
    proxies = settings.LIVEBLOG_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                pass  # Not an address: our proxy would not have written it.
    return remote


def proxy_mismatch(request) -> str | None:
    """What is wrong with LIVEBLOG_TRUSTED_PROXIES for a request that came this way, if
    anything: a proxy it does not trust (X-Forwarded-For with 0), or fewer proxies than it
    trusts (the header shorter than the setting). A request without the header came directly
    (a load balancer's health check): nothing to say."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = settings.LIVEBLOG_TRUSTED_PROXIES
    if not forwarded:
        return None  # direct: a health check, or no proxy at all
    hops = len(forwarded.split(","))
    if proxies == 0:
        return (
            "requests arrive through a proxy (they carry X-Forwarded-For) but "
            "LIVEBLOG_TRUSTED_PROXIES is 0: every caller counts as the proxy's address "
            f"{request.META.get('REMOTE_ADDR', '')} for the API and search throttles and the "
            "login lockout, so one caller can lock out everyone. Set LIVEBLOG_TRUSTED_PROXIES "
            "to the number of proxies in front of the app (1 behind the shipped nginx)"
        )
    if hops < proxies:
        return (
            f"LIVEBLOG_TRUSTED_PROXIES is {proxies} but a request's X-Forwarded-For holds "
            f"{hops} address(es): callers count as {request.META.get('REMOTE_ADDR', '')}"
        )
    return None


class ProxyCheckMiddleware:
    """Warn once per process when the first requests show LIVEBLOG_TRUSTED_PROXIES does not fit
    the proxies in front of the app; quiet (one header lookup) once a request fits."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.settled = False

    def __call__(self, request):
        if not self.settled:
            problem = proxy_mismatch(request)
            if problem:
                logger.warning("Client addresses: %s.", problem)
                self.settled = True
            elif request.META.get("HTTP_X_FORWARDED_FOR"):
                self.settled = True  # a forwarded request that fits: the setting is right
        return self.get_response(request)


class SearchThrottle(SimpleRateThrottle):
    """LIVEBLOG_SEARCH_RATE searches per caller (client_ip) that the cache did not answer;
    everyone is counted alike (reading who is signed in would make the page Vary on Cookie)."""

    scope = "search"

    def get_rate(self) -> str | None:
        return settings.LIVEBLOG_SEARCH_RATE or None

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login: what happened, how long, who can unlock.

    It does not say whether the account or the address is locked, which would tell an attacker
    which usernames exist.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": max(1, round(cool_off.total_seconds() / 60)),
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def request_body_limit(request) -> int:
    """The largest body accepted: DATA_UPLOAD_MAX_MEMORY_SIZE, plus one picture for uploads."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.content_type == "multipart/form-data":
        limit += settings.LIVEBLOG_MAX_IMAGE_BYTES
    return limit


class RequestSizeMiddleware:
    """Answer 400 to a body over the limit without reading it.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when request.body or request.POST is read;
    DRF's JSON and form parsers read the stream directly, and multipart files have no limit at
    all. Django (and gunicorn) read at most Content-Length bytes, and nothing without one, so
    checking the header bounds every body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # Django reads a body by its Content-Length, so a chunked one would be read as
            # empty and the request handled as if nothing was sent: say so instead.
            return length_required(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then.
        if length > request_body_limit(request):
            # Django answers with handler400, which gives API callers the API's error shape.
            raise RequestDataTooBig(
                f"Request body of {length} bytes exceeds {request_body_limit(request)} bytes."
            )
        return self.get_response(request)


LENGTH_REQUIRED = (
    "Send the body with a Content-Length header: chunked request bodies (Transfer-Encoding: "
    "chunked) are not accepted."
)


def length_required(request) -> HttpResponse:
    """411 for a chunked body: in the API's error shape under /api/, plain text elsewhere."""
    if request.path_info.startswith("/api/"):
        body = {"status": 411, "code": "length_required", "detail": LENGTH_REQUIRED, "errors": {}}
        return JsonResponse(body, status=411)
    return HttpResponse(LENGTH_REQUIRED, status=411, content_type="text/plain; charset=utf-8")


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline text."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


@cache
def browsable_api_styles() -> dict[str, list[str]]:
    """CSP allowances for the inline styles of DRF's own pages (browsable API, its login page).

    Hashes of the exact style attributes in DRF's installed templates, and of the <style> it
    writes for code highlighting when Pygments is installed; read at run time, so a new DRF or
    Pygments brings its own. Only these exact declarations are allowed, and only under /api/:
    no inline script, and no other inline style, runs anywhere.
    """
    import rest_framework
    from rest_framework.compat import pygments_css
    from rest_framework.renderers import BrowsableAPIRenderer

    folder = Path(rest_framework.__file__).parent / "templates" / "rest_framework"
    attributes = {
        value
        for template in folder.rglob("*.html")
        for value in STYLE_ATTRIBUTE.findall(template.read_text())
    }
    styles = {"style-src-attr": ["'unsafe-hashes'", *map(csp_hash, sorted(attributes))]}
    code_style = pygments_css(BrowsableAPIRenderer.code_style)
    if code_style:
        # The template writes it autoescaped; a <style> is hashed as written.
        styles["style-src-elem"] = ["'self'", csp_hash(conditional_escape(code_style))]
    return styles


@cache
def history_styles() -> dict[str, list[str]]:
    """CSP allowances for the one inline style of django-simple-history's history pages (the
    paginator's), by hash as for DRF's, under /admin/ only."""
    import simple_history

    folder = Path(simple_history.__file__).parent / "templates"
    attributes = {
        value
        for template in folder.rglob("*.html")
        for value in STYLE_ATTRIBUTE.findall(template.read_text())
    }
    return {"style-src-attr": ["'unsafe-hashes'", *map(csp_hash, sorted(attributes))]}


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, plus Permissions-Policy and the browsable API's allowances.

    Most responses carry one of three fixed policies (the site's, the API's, the history
    pages'): those are built once per configuration rather than for every response, which took
    a third of a cached API answer's time. Responses that adjust the policy (django-csp's
    decorators, a nonce) or already have one get django-csp's own treatment.
    """

    ADJUSTMENTS = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if allowances := self.allowances(request):
            parts.update = {**(parts.update or {}), **allowances}
        return parts

    @staticmethod
    def policy_kind(request) -> str:
        """Which of the fixed policies a request gets: "api", "history" or "site"."""
        path = request.path_info
        if path.startswith("/api/"):
            return "api"
        if path.startswith("/admin/") and path.endswith("/history/"):
            return "history"
        return "site"

    @classmethod
    def allowances(cls, request) -> dict[str, list[str]]:
        return POLICY_ALLOWANCES[cls.policy_kind(request)]()

    def process_response(self, request, response):
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if getattr(request, "clears_site_data", False):
            # A log-out: the browser drops what the site kept in it (the live desk's unsaved
            # composer), so the next person at this browser finds nothing of the last one's.
            response["Clear-Site-Data"] = '"storage"'

        adjusted = any(
            hasattr(response, name + suffix) for name in self.ADJUSTMENTS for suffix in ("", "_ro")
        )
        plain = not adjusted and getattr(request, "_csp_nonce", None) is None
        if (
            plain
            and not settings.DEBUG
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        ):
            if "Content-Security-Policy" not in response:
                response["Content-Security-Policy"] = self.fixed_policy(request)
            return response
        return super().process_response(request, response)

    def fixed_policy(self, request) -> str:
        key = (id(settings.CONTENT_SECURITY_POLICY), self.policy_kind(request))
        policy = _FIXED_POLICIES.get(key)
        if policy is None:
            parts = self.get_policy_parts(request, HttpResponse())
            policy = _FIXED_POLICIES[key] = build_policy(**asdict(parts))
        return policy


POLICY_ALLOWANCES = {"api": browsable_api_styles, "history": history_styles, "site": dict}
# (the configuration, the kind of policy) -> the header. The configuration's id changes when
# tests override the setting; a kind, unlike the id of a fresh allowances dict, stays the same.
_FIXED_POLICIES: dict[tuple[int, str], str] = {}
