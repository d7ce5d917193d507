"""Process-local layer in front of Redis: what the stamp page and the public pages share.

A cached page served from Redis costs one or two round trips; under load they are most of a hit's
time (docs/performance.md, issue 21). A process therefore keeps the bodies it served in its own
memory (a small LRU) and re-reads the version they were cached under (the stamp pages'
generation, a commune's data version) at most every `interval` seconds (`Recheck`).

Staleness bound: a write in another process shows here within `interval` seconds (the version
re-read after it differs, so the next request misses and reads Redis); a write in this process
calls `forget()` and shows on its next request. Bodies are keyed by the version they were
rendered under, so an entry can never outlive its version: it is only unreachable, and evicted
by the LRU bound.

Users: ocop.stamp_cache (STAMP_LOCAL_RECHECK, its own clock for its tests) and the anonymous
public pages of core.cache.cache_public_page (PUBLIC_LOCAL_RECHECK, PUBLIC_LOCAL_PAGES; only
with a Redis cache: with the in-process LocMemCache there is nothing to save).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings

clock = time.monotonic  # tests replace it: no sleeps


class LRU(OrderedDict):
    """A dict of at most `maxsize()` entries; reading or writing an entry makes it the newest."""

    def __init__(self, maxsize: Callable[[], int]):
        super().__init__()
        self.maxsize = maxsize

    def get(self, key, default=None):
        if key not in self:
            return default
        self.move_to_end(key)
        return self[key]

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > max(1, self.maxsize()):
            self.popitem(last=False)


class Recheck:
    """When a value read from Redis is due for a re-read: `interval()` seconds after the last."""

    def __init__(self, interval: Callable[[], float], now: Callable[[], float] | None = None):
        self.interval = interval
        self.now = now or (lambda: clock())
        self.checked = float("-inf")

    def due(self) -> bool:
        return self.now() - self.checked >= self.interval()

    def mark(self) -> float:
        self.checked = self.now()
        return self.checked

    def forget(self) -> None:
        """A write in this process: the next look re-reads."""
        self.checked = float("-inf")


# --- Anonymous public pages (core.cache.cache_public_page) ---------------------------------------


def public_recheck() -> float:
    return float(getattr(settings, "PUBLIC_LOCAL_RECHECK", 1.0))


def public_pages_max() -> int:
    return int(getattr(settings, "PUBLIC_LOCAL_PAGES", 2000))


class PublicPages:
    """One process's public page bodies and the versions (data-version tokens) they carry."""

    def __init__(self):
        self.lock = threading.Lock()
        self.versions: dict = {}  # (view, arguments) -> (version string, Recheck)
        self.bodies = LRU(public_pages_max)  # page key (holds the version) -> (content, type)

    def version(self, ident, read: Callable[[], str]) -> str:
        """The version of a page: `read()` (Redis) at most every PUBLIC_LOCAL_RECHECK s."""
        with self.lock:
            known = self.versions.get(ident)
        if known is not None and not known[1].due():
            return known[0]
        value = read()
        recheck = Recheck(public_recheck)
        recheck.mark()
        with self.lock:
            if len(self.versions) >= 4 * public_pages_max():
                self.versions.clear()
            self.versions[ident] = (value, recheck)
        return value

    def get(self, key):
        with self.lock:
            return self.bodies.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            self.bodies[key] = value

    def forget(self) -> None:
        with self.lock:
            self.versions.clear()


_public: PublicPages | None = None


def public_pages() -> PublicPages | None:
    """This process's public page layer, or None without a Redis cache (or when switched off)."""
    global _public
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(caches["default"], RedisCache) or public_recheck() <= 0:
        return None
    if _public is None:
        _public = PublicPages()
    return _public


def forget_public_versions() -> None:
    """A data version moved in this process (core.dataversion): its next public page re-reads."""
    if _public is not None:
        _public.forget()


def reset_public() -> None:
    """Forget the whole layer (tests: another cache, or a new process)."""
    global _public
    _public = None
