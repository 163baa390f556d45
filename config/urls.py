from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from liveblog.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    # The editor's interface language (Django's set_language view: a cookie, then back).
    path("i18n/", include("django.conf.urls.i18n")),
    # Log-in / log-out links for the browsable API.
    path("api/auth/", include("rest_framework.urls")),
    path("api/", include("liveblog.api.urls")),
    path("", include("liveblog.urls")),
]

handler400 = "liveblog.api.errors.bad_request_page"
handler500 = "liveblog.api.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
