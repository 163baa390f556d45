"""Readers' side of distribution: following a blog (Web Push), the service worker, the web app
manifest, and the teaser card."""

import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from liveblog import embed, stream
from liveblog.distribution import addresses, push
from liveblog.distribution.models import Dispatch, FollowMode, PushSubscription
from liveblog.freshness import BlogState
from liveblog.models import Blog, BlogStatus
from liveblog.views import reader_view

# A subscription is a few hundred bytes; anything much larger is not one.
MAX_FOLLOW_BYTES = 4096
TEASER_ENTRIES = 3


def refused(errors: dict[str, str], status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": {name: [text] for name, text in errors.items()}}, status=status)


def read_json(request: HttpRequest) -> dict | JsonResponse:
    if len(request.body) > MAX_FOLLOW_BYTES:
        return refused({"body": _("The request is too large.")})
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return refused({"body": _("Send a JSON object.")})
    if not isinstance(document, dict):
        return refused({"body": _("Send a JSON object.")})
    return document


def followed_blog(slug: str) -> Blog:
    return get_object_or_404(Blog.objects.public().exclude(status=BlogStatus.CLOSED), slug=slug)


@csrf_exempt  # no session or cookie is read: the subscription itself is the reader's key
@require_POST
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Store a browser's push subscription for the blog, in a mode: {"subscription":
    {"endpoint", "keys": {"p256dh", "auth"}}, "mode": "key_events" | "all"}. 201 when new,
    200 when the mode changed; 400 naming the field that is wrong."""
    if not push.is_configured():
        return refused({"subscription": _("Notifications are not offered here.")}, status=404)
    blog = followed_blog(slug)
    document = read_json(request)
    if isinstance(document, JsonResponse):
        return document
    subscription = document.get("subscription")
    if not isinstance(subscription, dict):
        return refused({"subscription": _("The browser's push subscription is missing.")})
    endpoint = subscription.get("endpoint")
    keys = subscription.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    errors = {}
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        errors["subscription.endpoint"] = _("The push service's address is missing.")
    else:
        try:
            addresses.check_url(endpoint, resolve=False)
            if not push.is_push_service(endpoint):
                raise addresses.Refused(_("This is not the address of a known push service."))
        except addresses.Refused as refusal:
            errors["subscription.endpoint"] = str(refusal)
    if not push.valid_key(keys.get("p256dh"), 65, first=4):
        errors["subscription.keys.p256dh"] = _("Not a P-256 public key in base64url.")
    if not push.valid_key(keys.get("auth"), 16):
        errors["subscription.keys.auth"] = _("Not a 16-byte secret in base64url.")
    mode = document.get("mode", FollowMode.KEY_EVENTS)
    if mode not in FollowMode.values:
        errors["mode"] = _("Choose key_events or all.")
    if errors:
        return refused(errors)
    # Followers hear of changes from now on, not of the blog's past: the first follower moves
    # the blog's push position to now (no distribution ran while nobody followed).
    position = {"push_revision": blog.revision, "hub_revision": blog.revision}
    dispatch, created = Dispatch.objects.get_or_create(blog=blog, defaults=position)
    if not created and not PushSubscription.objects.filter(blog=blog).exists():
        Dispatch.objects.filter(pk=dispatch.pk, push_revision__lt=blog.revision).update(
            push_revision=blog.revision
        )
    try:
        with transaction.atomic():
            _subscription, created = PushSubscription.objects.update_or_create(
                blog=blog,
                endpoint=endpoint,
                defaults={"p256dh": keys["p256dh"], "auth": keys["auth"], "mode": mode},
            )
    except IntegrityError:  # the same browser twice at once: the other one stored it
        created = False
    return JsonResponse({"mode": mode}, status=201 if created else 200)


@csrf_exempt
@require_POST
def unfollow(request: HttpRequest, slug: str) -> HttpResponse:
    """Forget a browser's subscription to the blog: {"endpoint": ...}. 204 either way."""
    blog = get_object_or_404(Blog.objects.all(), slug=slug)
    document = read_json(request)
    if isinstance(document, JsonResponse):
        return document
    endpoint = document.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
        return refused({"endpoint": _("The push service's address is missing.")})
    PushSubscription.objects.filter(blog=blog, endpoint=endpoint).delete()
    return HttpResponse(status=204)


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows pushed notices, served from the site's root so its scope
    covers every blog. Browsers check it for updates; it may be kept an hour at most."""
    response = render(request, "distribution/sw.js", content_type="text/javascript")
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: on iOS, notices come only to a site added to the Home Screen."""
    document = {
        "name": settings.LIVEBLOG_SITE_NAME,
        "short_name": settings.LIVEBLOG_SITE_NAME[:12],
        "start_url": reverse("liveblog:blog-list"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#c70000",
        "icons": [
            {
                "src": static("distribution/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    response = JsonResponse(document, content_type="application/manifest+json")
    patch_cache_control(response, public=True, max_age=3600)
    return response


@xframe_options_exempt
@require_safe
@reader_view("teaser", preview=False)
def teaser(request: HttpRequest, blog: Blog, state: BlogState) -> HttpResponse:
    """The "LIVE · latest updates" card, to embed in a fixed-size frame (no layout shift):
    the blog's title and its latest three updates' headlines and times. Cached like pages.
    Queries: blog with state, entries (2)."""
    # By time, like the feeds: the pinned entry has no first place here. Headlines and times
    # only (no blocks, so no captions to load).
    latest = stream.reader_entries(blog).order_by("-sort_key", "-id")
    fields = ("id", "blog_id", "headline", "published_at", "sort_key", "is_key_event")
    entries = list(latest.only(*fields)[:TEASER_ENTRIES])
    for entry in entries:
        entry.blog = blog
    context = {
        "blog": blog,
        "entries": entries,
        "width": embed.TEASER_WIDTH,
        "height": embed.TEASER_HEIGHT,
        "canonical_url": request.build_absolute_uri(blog.get_absolute_url()),
    }
    return embed.allow_framing(render(request, "distribution/teaser.html", context))
