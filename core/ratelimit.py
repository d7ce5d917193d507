"""Per-client rate limits on public pages (the stamp page `/s/<serial>` against enumeration).

A fixed-window counter in the Django cache, keyed by a keyed hash of the client address (the
address itself is never stored). Settings, all optional:

- `<NAME>_RATE_LIMIT` (default given by the view, e.g. STAMP_RATE_LIMIT = 60): requests per window
  and client; 0 switches the limit off.
- `<NAME>_RATE_WINDOW` (seconds, default 60).
- `TRUSTED_PROXY_COUNT` (default 0): how many reverse proxies (nginx) stand in front of the
  portal. With 1, the client is the right-most address of X-Forwarded-For that nginx appended;
  with 0 it is REMOTE_ADDR (a client cannot forge it). `client_ip` is also meant for
  AXES_CLIENT_IP_CALLABLE, so the login lockout and the rate limits agree on who a client is.

A cache that fails (Redis stopped) lets the request through: a rate limit must never turn an
outage of the cache into an outage of the page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the one the trusted proxy saw (X-Forwarded-For)."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    # None when unknown (e.g. a login made by a test client): django-axes stores NULL then,
    # where a made-up string would not fit PostgreSQL's inet column.
    return request.META.get("REMOTE_ADDR") or None


def client_key(request) -> str:
    """A keyed hash of the client address: counts per client without keeping the address."""
    key = hashlib.sha256(f"ratelimit:{settings.SECRET_KEY}".encode()).digest()
    address = client_ip(request) or "unknown"
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:24]


def limits(name: str, default_limit: int, default_window: int = 60) -> tuple[int, int]:
    prefix = name.upper()
    limit = int(getattr(settings, f"{prefix}_RATE_LIMIT", default_limit))
    window = max(1, int(getattr(settings, f"{prefix}_RATE_WINDOW", default_window)))
    return limit, window


def hit(name: str, request, *, limit: int, window: int, now: float | None = None) -> bool:
    """Count one request of this client; False when it is over `limit` in the current window."""
    return hit_key(name, client_key(request), limit=limit, window=window, now=now)


def hit_key(name: str, who: str, *, limit: int, window: int, now: float | None = None) -> bool:
    """Count one event of `who` (a client hash, a user id); False when over `limit`."""
    if limit <= 0:
        return True
    slot = int((now if now is not None else time.time()) // window)
    key = f"rl:{name}:{who}:{slot}"
    try:
        # add() creates the counter with its expiry only if absent; incr() is atomic in Redis.
        if cache.add(key, 1, timeout=window + 1):
            return True
        count = cache.incr(key)
    except ValueError:  # the counter expired between add() and incr(): a new window
        return True
    except Exception:  # cache down: fail open, the page matters more than the limit
        logger.warning("rate limit %s: cache unavailable, request let through", name)
        return True
    return count <= limit


def count(name: str, request, *, window: int, now: float | None = None) -> int:
    """This client's count in the current window (0 when the cache is unavailable)."""
    return count_key(name, client_key(request), window=window, now=now)


def count_key(name: str, who: str, *, window: int, now: float | None = None) -> int:
    """The count of `who` in the current window (0 when the cache is unavailable)."""
    slot = int((now if now is not None else time.time()) // window)
    try:
        return int(cache.get(f"rl:{name}:{who}:{slot}") or 0)
    except Exception:  # cache down: fail open
        return 0


def too_many(request, template: str, window: int):
    """The 429 answer (context: retry_after, window), never stored by a cache."""
    retry_after = window - int(time.time()) % window
    response = render(request, template, {"retry_after": retry_after, "window": window}, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def rate_limited(name: str, *, default_limit: int, template: str, default_window: int = 60):
    """Decorator: answer 429 with `template` (context: retry_after) over the limit."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit, window = limits(name, default_limit, default_window)
            if not hit(name, request, limit=limit, window=window):
                return too_many(request, template, window)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
