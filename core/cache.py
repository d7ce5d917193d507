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


def cache_public_page(*, version=None, timeout: int = 600):
    """Cache a public page whole, for anonymous visitors only.

    The key holds the path with its query string, the language and `version(request, **kwargs)`
    (e.g. the id of the commune's latest roll-up, so a new roll-up shows at once). Logged-in
    users, non-GET requests, pages carrying messages or setting cookies are never cached.
    With a Redis cache, each process also keeps the bodies it served (core.local_cache): a hit
    then costs no round trip; another process's write shows within PUBLIC_LOCAL_RECHECK s.
    """
    import hashlib
    from functools import wraps

    from django.contrib.messages import get_messages
    from django.core.cache import cache
    from django.http import HttpResponse
    from django.utils.translation import get_language

    from core import local_cache

    def _keep(layer, key, entry):
        born = local_cache.Recheck(local_cache.public_recheck)
        born.mark()
        layer.put(key, (*entry, born))

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET" or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if len(get_messages(request)):
                return view(request, *args, **kwargs)
            layer = local_cache.public_pages()  # None without Redis
            if version is None:
                marker = ""
            elif layer is None:
                marker = version(request, **kwargs)
            else:  # the token(s) re-read from Redis at most every PUBLIC_LOCAL_RECHECK s
                ident = (view.__module__, view.__qualname__, tuple(sorted(kwargs.items())))
                marker = layer.version(ident, lambda: version(request, **kwargs))
            raw = f"{request.get_full_path()}|{get_language()}|{marker}"
            key = "public-page:" + hashlib.sha256(raw.encode()).hexdigest()
            if layer is not None:
                mine = layer.get(key)
                # A page without a version (60 s pages) is kept here PUBLIC_LOCAL_RECHECK s.
                if mine is not None and (version is not None or not mine[2].due()):
                    return HttpResponse(mine[0], content_type=mine[1])
            hit = cache.get(key)
            if hit is not None:
                content, content_type = hit
                if layer is not None:
                    _keep(layer, key, hit)
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if response.status_code == 200 and not response.cookies and not response.streaming:
                entry = (response.content, response["Content-Type"])
                cache.set(key, entry, timeout)
                if layer is not None:
                    _keep(layer, key, entry)
            return response

        return wrapper

    return decorator
