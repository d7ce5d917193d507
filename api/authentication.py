"""DRF token authentication that refuses revoked system accounts and records their last use
at most once a minute (one conditional UPDATE; within the minute no write at all)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import SystemAccount

LAST_USED_EVERY = timedelta(minutes=1)


class SystemTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            # One query: the token, its user and the user's system account (if any).
            token = model.objects.select_related("user__system_account").get(key=key)
        except model.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        account = getattr(user, "system_account", None)
        if account is not None:
            if account.revoked_at is not None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            now = timezone.now()
            if account.last_used_at is None or now - account.last_used_at >= LAST_USED_EVERY:
                SystemAccount.objects.filter(pk=account.pk).filter(
                    Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
                ).update(last_used_at=now)
        return (user, token)
