"""A Redis cache that degrades to "no cache" when Redis is unreachable.

Django's RedisCache raises on a connection error, so a stopped Redis would turn every cached
page into a 500. With this backend a read is a miss, a write is skipped and a warning is logged;
the page is computed as if the cache were empty. Settings: CACHES["default"]["BACKEND"] =
"core.cache.SafeRedisCache" (see docs/security.md).
"""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


def _connection_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class SafeRedisCache(RedisCache):
    def _safe(self, operation: str, default, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except _connection_errors():
            logger.warning("cache unavailable (%s): continuing without the cache", operation)
            return default

    def get(self, key, default=None, version=None):
        return self._safe("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._safe("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._safe("has_key", False, super().has_key, key, version)

    def set(self, key, value, timeout=None, version=None, **kwargs):
        return self._safe("set", None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._safe("set_many", list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._safe("add", False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._safe("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._safe("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._safe("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._safe("clear", False, super().clear)
