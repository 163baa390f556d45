"""Settings for scripts/bench_load.py's other yardstick: Django with no middleware at all, serving
only the do-nothing view. What any Django app on this machine could answer at best."""

from bench_load_settings import *  # noqa: F403

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench_load_bare_urls"
