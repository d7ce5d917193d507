"""Who may call the read API: commune officials and provincial offices (core.access), with a
system token or a session. Team members and everyone else: 403; no credentials: 401."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.access import is_official, is_province_office


class IsFiguresReader(BasePermission):
    message = _("This account may not read the API: ask the commune or the province for a token.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        return is_official(user) or is_province_office(user)
