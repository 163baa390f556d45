"""Settings for scripts/bench_load.py: the production settings plus the bench's own URLconf."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_load_urls"
