"""Who may call the read API: commune officials and provincial offices (core.access), with a
system token or a session, and the system accounts officials create (api.models.SystemAccount:
not staff, so only here, with their token). Team members and everyone else: 403; no
credentials: 401."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission

from core.access import is_official, is_province_office, scope_for


class IsFiguresReader(BasePermission):
    message = _("This account may not read the API: ask the commune or the province for a token.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        if is_official(user) or is_province_office(user):
            return True
        # A system account: its token, and its commune's official membership (no staff).
        account = getattr(user, "system_account", None)
        return (
            account is not None
            and account.revoked_at is None
            and isinstance(request.auth, Token)
            and bool(scope_for(user).official_commune_ids)
        )
