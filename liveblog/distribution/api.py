"""/api/webhooks/: partners' endpoints, for callers with the webhook permissions.

The signing secret is in the answer to the creation (and to rotate-secret) only; reads never
show it. Deliveries are read-only: the log of each endpoint.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response

from liveblog.api.base import ApiView
from liveblog.api.serializers import BlogSlugField
from liveblog.distribution import tasks, webhooks
from liveblog.distribution.models import EVENTS, Delivery, Endpoint
from liveblog.models import Blog


class EndpointPermissions(DjangoModelPermissions):
    """Reading endpoints needs the view permission too: they name partners' addresses."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}
    perms_map["HEAD"] = perms_map["GET"]


class EndpointSerializer(serializers.ModelSerializer):
    blog = BlogSlugField(slug_field="slug", queryset=Blog.objects.all())
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENTS)),
        required=False,
        allow_empty=True,
        max_length=len(EVENTS),
        help_text="Events to send; empty or absent: all of them. "
        + ", ".join(f"`{event}`" for event in EVENTS),
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "blog",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "failure_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "is_active",
            "disabled_reason",
            "disabled_at",
            "failure_count",
            "created_at",
            "updated_at",
        ]

    def validate_blog(self, blog: Blog) -> Blog:
        if self.instance is not None and blog.pk != self.instance.blog_id:
            raise serializers.ValidationError(
                "An endpoint stays with its blog: create another endpoint for this one."
            )
        return blog

    def validate_events(self, events: list[str]) -> list[str]:
        return sorted(set(events))


class CreatedEndpointSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (whsec_...): shown in this answer only."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "message_id",
            "event",
            "revision",
            "status",
            "attempts",
            "status_code",
            "latency_ms",
            "error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
        ]


def known_id(raw: str) -> int:
    """An id from the path: a number no database column would overflow on, else a 404."""
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound()
    return int(raw)


SECRET = inline_serializer("Secret", {"secret": serializers.CharField()})


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints"),
    create=extend_schema(
        summary="Register an endpoint (the answer holds its secret, once)",
        responses={201: CreatedEndpointSerializer},
    ),
)
class EndpointViewSet(ApiView, viewsets.ModelViewSet):
    serializer_class = EndpointSerializer
    permission_classes = [EndpointPermissions]
    private_reads = True
    lookup_value_regex = r"[0-9]+"
    queryset = Endpoint.objects.select_related("blog").order_by("-id")

    def get_object(self):
        known_id(self.kwargs["pk"])
        return super().get_object()

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = CreatedEndpointSerializer(serializer.instance, context=self.get_serializer_context())
        return Response(data.data, status=201, headers=self.get_success_headers(data.data))

    def location(self, data) -> str:
        from django.urls import reverse

        return reverse("api:webhook-detail", kwargs={"pk": data["id"]})

    @extend_schema(
        summary="Replace the signing secret (the answer holds the new one, once)",
        request=None,
        responses={200: SECRET},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        return Response({"secret": self.get_object().rotate_secret()})

    @extend_schema(
        summary="Send a test event (queued behind the endpoint's deliveries)",
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        endpoint = self.get_object()
        with transaction.atomic():
            delivery = webhooks.queue_test(endpoint)
            tasks.wake(endpoint.pk)
        return Response(DeliverySerializer(delivery).data, status=202)

    @extend_schema(
        summary="Re-enable a disabled endpoint: deliveries resume where they stopped",
        request=None,
        responses={200: EndpointSerializer},
    )
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        endpoint = self.get_object()
        with transaction.atomic():
            endpoint.enable()
            tasks.wake(endpoint.pk)
        transaction.on_commit(lambda: tasks.start_distribution(endpoint.blog_id))
        return Response(self.get_serializer(endpoint).data)


@extend_schema_view(list=extend_schema(summary="An endpoint's deliveries, newest first"))
class DeliveryViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DeliverySerializer
    permission_classes = [EndpointPermissions]
    private_reads = True

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        endpoint_id = known_id(self.kwargs["endpoint_pk"])
        return Delivery.objects.filter(endpoint_id=endpoint_id).order_by("-id")
