"""Per-address login throttle (docs/security.md, finding 3).

django-axes locks a *user-and-address pair* (AXES_LOCKOUT_PARAMETERS = [["username",
"ip_address"]]): five bad passwords for `official` from one address lock only that address
out of that account; the official logging in from elsewhere is not affected. What axes then
no longer stops, one address trying many accounts (or one account very often), is slowed
here: more than LOGIN_ADDRESS_RATE_LIMIT failed logins (default 30) from one address within
LOGIN_ADDRESS_RATE_WINDOW seconds (default 900) and further login attempts from that address
get 429 until the window ends. Nobody is locked out from another address, and a shared
office or carrier address is only slowed while someone behind it keeps failing.

Failures are counted from Django's `user_login_failed` signal (the portal's and the admin's
login forms both send it), keyed by core.ratelimit's hash of the client address.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.shortcuts import render

from . import ratelimit

NAME = "login-address"


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "LOGIN_ADDRESS_RATE_LIMIT", 30)),
        max(1, int(getattr(settings, "LOGIN_ADDRESS_RATE_WINDOW", 900))),
    )


@receiver(user_login_failed, dispatch_uid="core.login_throttle.count_failure")
def count_failure(sender, credentials=None, request=None, **kwargs) -> None:
    if request is None:
        return
    limit, window = _limits()
    ratelimit.hit(NAME, request, limit=limit, window=window)


def _login_paths() -> set[str]:
    from django.urls import NoReverseMatch, reverse

    paths = set()
    for name in ("login", "admin:login"):
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            pass
    return paths


class LoginAddressThrottleMiddleware:
    """Answers 429 to a login POST from an address over the failure limit."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths: set[str] | None = None

    def __call__(self, request):
        if request.method == "POST":
            if self.paths is None:
                self.paths = _login_paths()
            if request.path in self.paths:
                limit, window = _limits()
                if limit > 0 and ratelimit.count(NAME, request, window=window) >= limit:
                    retry_after = window - int(time.time()) % window
                    response = render(
                        request,
                        "registration/throttled.html",
                        {"retry_after_minutes": max(1, round(retry_after / 60))},
                        status=429,
                    )
                    response["Retry-After"] = str(retry_after)
                    return response
        return self.get_response(request)
