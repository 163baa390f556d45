"""The site's URLs plus a do-nothing baseline view, for scripts/bench_load.py only.

The baseline goes through the same middleware as every page, so a target's ratio to it says what
the page itself costs on top of Django and gunicorn.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def baseline(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/baseline/", baseline, name="bench-baseline"), *site_urlpatterns]
