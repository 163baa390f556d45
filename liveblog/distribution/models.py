"""What distribution keeps: partners' webhook endpoints and their delivery log, readers' push
subscriptions, and how far each blog's changes went out (Dispatch)."""

import base64
import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liveblog.distribution import addresses
from liveblog.models import Blog

# The events a partner may subscribe to; an endpoint with none gets all of them.
EVENTS = {
    "entry.published": _("an entry was published"),
    "entry.updated": _("a published entry was changed"),
    "entry.removed": _("an entry was unpublished or deleted"),
    "entry.key_event": _("an entry became a key event"),
    "blog.status_changed": _("the blog's status changed (live, closed...)"),
}
# Sent only on request ("Send a test event"), never subscribed to.
TEST_EVENT = "webhook.test"


def validate_events(value) -> None:
    if not isinstance(value, list) or not all(isinstance(event, str) for event in value):
        raise ValidationError(_("A list of event names."))
    unknown = sorted(set(value) - set(EVENTS))
    if unknown:
        raise ValidationError(
            _("Unknown events: %(unknown)s. Choose among %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EVENTS)}
        )


def validate_endpoint_url(value: str) -> None:
    """https with a host name or a public address (http and private ones only where
    LIVEBLOG_WEBHOOK_ALLOW_PRIVATE allows them). Names are resolved again at each delivery."""
    try:
        addresses.check_url(value, resolve=False)
    except addresses.Refused as refused:
        raise ValidationError(str(refused)) from None


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class EndpointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_blog(self, blog_id: int):
        return self.filter(blog_id=blog_id)

    def behind(self, blog_id: int, revision: int):
        """Active endpoints of the blog whose deliveries stop short of `revision`."""
        return self.active().for_blog(blog_id).filter(revision__lt=revision)

    def lease(self, pk: int, seconds: int) -> datetime.datetime | None:
        """Take the endpoint for one worker for `seconds` (its deliveries go one at a time, in
        order); None if another worker holds it. One UPDATE: a compare-and-set on any
        database, with no transaction held while the worker talks to the receiver."""
        now = timezone.now()
        until = now + datetime.timedelta(seconds=seconds)
        free = Q(leased_until__isnull=True) | Q(leased_until__lte=now)
        taken = self.filter(free, pk=pk, is_active=True).update(leased_until=until)
        return until if taken else None

    def release(self, pk: int, until: datetime.datetime) -> None:
        """Give back a lease taken by lease() (unless it ran out and another worker has it)."""
        self.filter(pk=pk, leased_until=until).update(leased_until=None)


class Endpoint(models.Model):
    """A partner's address that receives a blog's changes as signed webhooks."""

    blog = models.ForeignKey(
        Blog, on_delete=models.CASCADE, related_name="webhook_endpoints", verbose_name=_("blog")
    )
    url = models.URLField(
        _("address"),
        max_length=2000,
        validators=[validate_endpoint_url],
        help_text=_("Where deliveries are POSTed: an https address on the public internet."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        validators=[validate_events],
        help_text=_("The events to send (leave empty for all of them)."),
    )
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.TextField(_("why it was disabled"), blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # Failed attempts in a row, whatever the delivery: LIVEBLOG_WEBHOOK_DISABLE_AFTER disables.
    failure_count = models.PositiveIntegerField(_("failures in a row"), default=0)
    # The blog revision up to which this endpoint's deliveries are queued (new endpoints start
    # at the blog's current one: no history is replayed).
    revision = models.PositiveIntegerField(_("queued up to revision"), default=0)
    # A worker holds the endpoint until then (one delivery at a time); a deliver task is due
    # then (so retries queue one task, not one per change).
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)
    wake_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["blog", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [
            # behind(): the active endpoints of a blog, on every change of it.
            models.Index(fields=["blog", "is_active"], name="endpoint_blog_active"),
        ]

    def __str__(self) -> str:
        return self.url

    def save(self, *args, **kwargs):
        if self._state.adding and not self.revision:
            self.revision = (
                Blog.objects.filter(pk=self.blog_id).values_list("revision", flat=True).first() or 0
            )
        super().save(*args, **kwargs)

    def wants(self, event: str) -> bool:
        return event == TEST_EVENT or not self.events or event in self.events

    def rotate_secret(self) -> str:
        """A new signing secret from now on (returned once); deliveries already signed keep
        their signature. Returns the secret."""
        self.secret = new_secret()
        self.save(update_fields=["secret", "updated_at"])
        return self.secret

    def disable(self, reason: str) -> None:
        self.is_active, self.disabled_reason, self.disabled_at = False, reason, timezone.now()
        self.save(update_fields=["is_active", "disabled_reason", "disabled_at", "updated_at"])

    def enable(self) -> None:
        """Deliver again, from where it stopped: pending deliveries go first, now."""
        with transaction.atomic():
            self.is_active, self.disabled_reason, self.disabled_at = True, "", None
            self.failure_count = 0
            self.save(
                update_fields=[
                    "is_active",
                    "disabled_reason",
                    "disabled_at",
                    "failure_count",
                    "updated_at",
                ]
            )
            self.deliveries.pending().update(next_attempt_at=timezone.now())


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("delivered")


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=DeliveryStatus.PENDING)

    def head(self, endpoint_id: int) -> "Delivery | None":
        """The endpoint's oldest pending delivery: the only one that may go out (order)."""
        return self.pending().filter(endpoint_id=endpoint_id).order_by("id").first()


class Delivery(models.Model):
    """One message to one endpoint and every attempt at it: the delivery log."""

    endpoint = models.ForeignKey(
        Endpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    # webhook-id: the same for every attempt, so receivers can drop repeats.
    message_id = models.CharField(_("message id"), max_length=40, unique=True)
    event = models.CharField(_("event"), max_length=40)
    revision = models.PositiveIntegerField(_("blog revision"))
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("last latency (ms)"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next try"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # head(): an endpoint's oldest pending delivery, before every attempt.
            models.Index(fields=["endpoint", "status", "id"], name="delivery_endpoint_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.revision} → {self.endpoint_id}"

    def succeed(self, *, status_code: int, latency_ms: int) -> None:
        self.status, self.delivered_at = DeliveryStatus.SUCCEEDED, timezone.now()
        self.attempts += 1
        self.status_code, self.latency_ms, self.error = status_code, latency_ms, ""
        self.save()
        Endpoint.objects.filter(pk=self.endpoint_id).update(failure_count=0)

    def fail(self, *, status_code: int | None, latency_ms: int | None, error: str) -> int:
        """Record a failed attempt and when to try again (exponential backoff with jitter);
        disable the endpoint after LIVEBLOG_WEBHOOK_DISABLE_AFTER failures in a row. Returns
        the endpoint's run of failures."""
        self.attempts += 1
        self.status_code, self.latency_ms, self.error = status_code, latency_ms, error[:1000]
        self.next_attempt_at = timezone.now() + datetime.timedelta(
            seconds=retry_delay(self.attempts)
        )
        self.save()
        Endpoint.objects.filter(pk=self.endpoint_id).update(failure_count=F("failure_count") + 1)
        endpoint = Endpoint.objects.get(pk=self.endpoint_id)
        if endpoint.is_active and endpoint.failure_count >= settings.LIVEBLOG_WEBHOOK_DISABLE_AFTER:
            endpoint.disable(
                _("%(count)s failed attempts in a row; the last: %(error)s")
                % {"count": endpoint.failure_count, "error": self.error}
            )
        return endpoint.failure_count


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling from
    LIVEBLOG_WEBHOOK_RETRY_SECONDS up to the cap, less up to a fifth at random (so endpoints
    that failed together do not come back together)."""
    base = settings.LIVEBLOG_WEBHOOK_RETRY_SECONDS * 2 ** min(attempts - 1, 30)
    delay = min(base, settings.LIVEBLOG_WEBHOOK_RETRY_MAX_SECONDS)
    return delay * (1 - secrets.randbelow(200) / 1000)


class FollowMode(models.TextChoices):
    KEY_EVENTS = "key_events", _("key events only")
    ALL = "all", _("every update")


class PushSubscription(models.Model):
    """A reader's browser that follows a blog: the push service's address and the keys to
    encrypt for it. Nothing else about the reader is kept."""

    blog = models.ForeignKey(
        Blog, on_delete=models.CASCADE, related_name="push_subscriptions", verbose_name=_("blog")
    )
    endpoint = models.URLField(_("push service address"), max_length=1000)
    p256dh = models.CharField(_("public key"), max_length=100)
    auth = models.CharField(_("authentication secret"), max_length=50)
    mode = models.CharField(_("notify of"), max_length=12, choices=FollowMode.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["blog", "id"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        constraints = [
            # One subscription per browser and blog; following again changes the mode.
            models.UniqueConstraint(fields=["blog", "endpoint"], name="push_unique_endpoint"),
            models.CheckConstraint(condition=Q(mode__in=FollowMode.values), name="push_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.blog_id}: {self.endpoint[:60]}"

    def info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class Dispatch(models.Model):
    """How far a blog's changes went out to its followers (push) and its hub (WebSub)."""

    blog = models.OneToOneField(
        Blog, on_delete=models.CASCADE, related_name="dispatch", verbose_name=_("blog")
    )
    push_revision = models.PositiveIntegerField(default=0)
    hub_revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["blog"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")

    def __str__(self) -> str:
        return f"{self.blog_id}: push {self.push_revision}, hub {self.hub_revision}"
