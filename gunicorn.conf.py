"""Gunicorn settings for Liveblog: `gunicorn -c gunicorn.conf.py config.wsgi`.

Everything comes from the environment so one file serves every machine:
GUNICORN_BIND (default 127.0.0.1:8000; a container would use 0.0.0.0:8000),
GUNICORN_WORKERS (default 2), GUNICORN_THREADS (default 1), GUNICORN_TIMEOUT (default 30 s),
GUNICORN_ACCESS_LOG (unset: no access log; "-" for stdout).
"""

import gc
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int("GUNICORN_WORKERS", 2)
# Sync workers (threads=1) suit short requests; more threads give a gthread worker for slow clients.
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Keep connections open a little behind a load balancer that reuses them.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow without bound, but not a busy one
# every few seconds: a worker answers up to about 1,500 cached requests a second, so 10,000
# restarted it every 7 s under load (a fresh worker also starts with an empty memo of states and
# pages), costing 5 to 10 points of throughput and tripling p99. At 500,000 (+- 50,000, so the
# workers do not restart together) a worker lives at least five minutes at full load and days
# at an ordinary one; a leak of even 1 KB a request stays under 500 MB.
max_requests = _int("GUNICORN_MAX_REQUESTS", 500_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 50_000)
# Load the app once in the master so workers share its memory and start fast.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the proxies named here (comma-separated), e.g. the load balancer.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django's settings module, unless the environment already names one.
raw_env = [f"DJANGO_SETTINGS_MODULE={os.environ.get('DJANGO_SETTINGS_MODULE', 'config.settings')}"]


def post_fork(server, worker):
    # A database connection opened by preload_app in the master must not be shared by workers.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()


def when_ready(server):
    # Without Redis each worker keeps its own cache: say what that means, once, at start.
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    if server.cfg.workers > 1 and backend.endswith("LocMemCache"):
        server.log.warning(
            "No REDIS_URL: each of the %d workers keeps its own cache, so the API and search "
            "throttles count per worker (a caller gets up to %d times the rate) and the live "
            "desk's 'is editing' shows only to editors the same worker serves. Set REDIS_URL "
            "to share them (docs/scaling.md).",
            server.cfg.workers,
            server.cfg.workers,
        )
    # The app is loaded (preload_app) and the workers are about to be forked from it: move what
    # it allocated out of the collector's sight, so collections in the workers neither walk it
    # nor write to its pages, which each worker would otherwise copy for itself (copy-on-write).
    gc.collect()
    gc.freeze()
