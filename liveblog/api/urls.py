"""REST API URLs, mounted at /api/. The version travels in the Accept header (version=1)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from liveblog.api import base, views
from liveblog.distribution import api as distribution
from liveblog.teams import api as teams

app_name = "api"

router = DefaultRouter()
router.register("blogs", views.BlogViewSet, basename="blog")
router.register(
    r"blogs/(?P<blog_slug>[-\w]+)/entries", views.BlogEntryViewSet, basename="blog-entries"
)
router.register(
    r"blogs/(?P<blog_slug>[-\w]+)/members", teams.MemberViewSet, basename="blog-members"
)
router.register("entries", views.EntryViewSet, basename="entry")
router.register("images", views.ImageViewSet, basename="image")
router.register("captions", views.CaptionViewSet, basename="caption")
router.register("webhooks", distribution.EndpointViewSet, basename="webhook")
router.register(
    r"webhooks/(?P<endpoint_pk>[0-9]+)/deliveries",
    distribution.DeliveryViewSet,
    basename="webhook-deliveries",
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"),
        name="docs",
    ),
    *router.urls,
    # Anything else under /api/ answers in the API's error shape rather than an HTML page.
    re_path(r"^[\s\S]*$", base.not_found, name="not-found"),
]
