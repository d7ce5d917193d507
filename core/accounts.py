"""Password recovery that works in a commune (docs/security.md).

Most team members have no email address: the commune official resets the password in the
portal and hands over a one-time code (on paper, by phone). The code is the new password; at
the first login the member must choose their own before anything else opens, and an unused code
stops working after ONE_TIME_CODE_HOURS. The reset ends the member's sessions and clears a
login lockout. Users who have an email address can also use Django's emailed reset link
(EMAIL_* settings).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from .models import OneTimePassword
from .sessions import accounts_logout_everywhere

# No look-alikes (0/O, 1/I/L): the code is read out over the phone or copied from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SESSION_FLAG = "sv_must_change_password"


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()


def new_code() -> str:
    """12 characters (about 59 bits), shown in groups of four: ABCD-EFGH-JKMN."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def team_password_reset(*, user, by) -> str:
    """Set a one-time code as `user`'s password; returns it (shown once, never stored)."""
    from axes.utils import reset as axes_reset

    code = new_code()
    with transaction.atomic():
        user.set_password(code)
        user.save(update_fields=["password"])
        OneTimePassword.objects.update_or_create(
            user=user,
            defaults={
                "set_by": by,
                "password_fingerprint": _fingerprint(user.password),
                "created_at": timezone.now(),
            },
        )
    accounts_logout_everywhere(user_ids=[user.pk])
    axes_reset(username=user.get_username())
    return code


@receiver(user_logged_in, dispatch_uid="core.accounts.flag_one_time_password")
def _flag_one_time_password(sender, request, user, **kwargs) -> None:
    if request is not None and OneTimePassword.objects.filter(user=user).exists():
        request.session[SESSION_FLAG] = True


class OneTimePasswordMiddleware:
    """A member logged in with a one-time code reaches only the password change page."""

    ALLOWED = ("/static/", "/i18n/", "/language/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        # No session cookie: nothing to look at (and reading the session would add
        # "Vary: Cookie" to public, cacheable pages).
        if session is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        if not session.get(SESSION_FLAG):
            return self.get_response(request)
        user = request.user
        record = None
        if user.is_authenticated:
            record = OneTimePassword.objects.filter(user=user).first()
        if record is None or record.password_fingerprint != _fingerprint(user.password):
            # Their own password is set (or the code was withdrawn): back to normal.
            OneTimePassword.objects.filter(pk=getattr(record, "pk", None)).delete()
            session.pop(SESSION_FLAG, None)
            return self.get_response(request)
        hours = settings.ONE_TIME_CODE_HOURS
        if timezone.now() - record.created_at > dt.timedelta(hours=hours):
            logout(request)
            messages.error(
                request,
                gettext("This one-time code has expired: ask the commune official for a new one."),
            )
            return redirect(settings.LOGIN_URL)
        change = reverse("password_change")
        allowed = {change, reverse("password_change_done"), reverse("logout")}
        if request.path in allowed or request.path.startswith(self.ALLOWED):
            return self.get_response(request)
        messages.info(
            request, gettext("Choose your own password now (the one-time code works once).")
        )
        return redirect(change)
