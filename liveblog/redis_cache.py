"""Django's Redis cache, made an accelerator rather than a point of failure.

When Redis cannot be reached, a read finds nothing and a write is dropped (logged): pages, feeds
and the API are built from the database, throttles and the desk's presence notes forget for a
while, and nothing answers 500. After a failure the process leaves Redis alone for a few seconds
instead of making every request wait for a timeout (LIVEBLOG_REDIS_TIMEOUT bounds each call).
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5
# What each client method answers while Redis is away.
DEFAULTS = {
    "add": False,
    "delete": False,
    "touch": False,
    "has_key": False,
    "get_many": {},
    "set_many": [],
    "delete_many": None,
    "clear": False,
    "set": None,
}


class ForgivingClient(RedisCacheClient):
    paused_until = 0.0

    def _forgiving(self, name, default, *args, **kwargs):
        if time.monotonic() < ForgivingClient.paused_until:
            return default
        try:
            return getattr(super(), name)(*args, **kwargs)
        except (self._lib.RedisError, OSError) as error:
            ForgivingClient.paused_until = time.monotonic() + PAUSE_SECONDS
            logger.warning("Redis cache unreachable (%s): carrying on without it", error)
            return default

    def get(self, key, default):
        return self._forgiving("get", default, key, default)

    def incr(self, key, delta):
        missing = object()
        value = self._forgiving("incr", missing, key, delta)
        if value is missing:
            raise ValueError(f"Key '{key}' not found.")  # as for a key the cache does not hold
        return value


for _name, _default in DEFAULTS.items():

    def _method(self, *args, _name=_name, _default=_default, **kwargs):
        return self._forgiving(_name, _default, *args, **kwargs)

    _method.__name__ = _name
    setattr(ForgivingClient, _name, _method)


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ForgivingClient
