"""Webhook endpoints in the admin: the list with each endpoint's state, the form (the secret
shown once, when the endpoint is made or its secret rotated), the delivery log, and actions to
send a test event, re-enable and rotate the secret."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from liveblog.distribution import tasks, webhooks
from liveblog.distribution.models import EVENTS, Delivery, Endpoint


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(name, f"{name}: {label}") for name, label in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick none to send every event."),
    )

    class Meta:
        model = Endpoint
        fields = ["blog", "url", "description", "events"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-id"]
    fields = [
        "created_at",
        "event",
        "revision",
        "status",
        "attempts",
        "status_code",
        "latency_ms",
        "next_try",
        "error",
    ]
    readonly_fields = fields
    verbose_name_plural = _("delivery log (newest first; the last 50)")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # The newest 50: a slice cannot be filtered further, so by id.
        newest = list(queryset.order_by("-id").values_list("pk", flat=True)[:50])
        return queryset.filter(pk__in=newest)

    @admin.display(description=_("next try"))
    def next_try(self, delivery: Delivery):
        return delivery.next_attempt_at if delivery.status == "pending" else "—"


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "blog", "event_list", "state", "failure_count", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["blog"]
    search_fields = ["url", "description", "blog__title", "blog__slug"]
    autocomplete_fields = ["blog"]
    readonly_fields = ["state", "failure_count", "disabled_reason", "disabled_at", "created_at"]
    inlines = [DeliveryInline]
    actions = ["send_test_event", "enable_endpoints", "rotate_secrets"]

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["blog", "url", "description", "events"]})
        if obj is None:
            return [main]
        state = (
            _("State"),
            {"fields": ["state", "failure_count", "disabled_reason", "disabled_at", "created_at"]},
        )
        return [main, state]

    def get_readonly_fields(self, request, obj=None):
        # An endpoint stays with its blog (its position in that blog's changes).
        return [*self.readonly_fields, *(["blog"] if obj is not None else [])]

    @admin.display(description=_("events"))
    def event_list(self, endpoint: Endpoint) -> str:
        return ", ".join(endpoint.events) or gettext("all")

    @admin.display(description=_("state"))
    def state(self, endpoint: Endpoint):
        if endpoint.is_active:
            return gettext("active")
        return format_html("<strong>{}</strong> {}", gettext("disabled:"), endpoint.disabled_reason)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            self.show_secret(request, obj)

    def show_secret(self, request, endpoint: Endpoint) -> None:
        messages.warning(
            request,
            format_html(
                "{} <code>{}</code>",
                gettext("The signing secret of %(url)s, shown this once: keep it now.")
                % {"url": endpoint.url},
                endpoint.secret,
            ),
        )

    @admin.action(description=_("Send a test event"), permissions=["change"])
    def send_test_event(self, request, queryset):
        for endpoint in queryset.select_related("blog"):
            with transaction.atomic():
                webhooks.queue_test(endpoint)
                tasks.wake(endpoint.pk)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "A test event was queued for %(count)d endpoint; see its delivery log.",
                "A test event was queued for %(count)d endpoints; see their delivery logs.",
                count,
            )
            % {"count": count},
        )

    @admin.action(
        description=_("Re-enable (deliveries resume where they stopped)"), permissions=["change"]
    )
    def enable_endpoints(self, request, queryset):
        count = 0
        for endpoint in queryset.filter(is_active=False):
            with transaction.atomic():
                endpoint.enable()
                tasks.wake(endpoint.pk)
            tasks.start_distribution(endpoint.blog_id)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d endpoint re-enabled.", "%(count)d endpoints re-enabled.", count)
            % {"count": count},
        )

    @admin.action(description=_("Rotate the signing secret"), permissions=["change"])
    def rotate_secrets(self, request, queryset):
        for endpoint in queryset:
            endpoint.rotate_secret()
            self.show_secret(request, endpoint)
