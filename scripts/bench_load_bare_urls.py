"""The do-nothing view alone, for scripts/bench_load.py's bare-Django yardstick."""

from bench_load_urls import baseline
from django.urls import path

urlpatterns = [path("bench/baseline/", baseline, name="bench-baseline")]
