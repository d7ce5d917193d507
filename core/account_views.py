"""An official resets a team member's password and hands over a one-time code (core.accounts)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from . import accounts
from .access import team_accounts_for_official


@login_required
@never_cache
def team_password_reset(request: HttpRequest, pk: int):
    """GET: confirm; POST: a new one-time code, shown once on this page (never stored)."""
    member = get_object_or_404(team_accounts_for_official(request.user), pk=pk)
    code = None
    if request.method == "POST":
        code = accounts.team_password_reset(user=member, by=request.user)
    return render(
        request,
        "accounts/team_password_reset.html",
        {"member": member, "code": code, "hours": settings.ONE_TIME_CODE_HOURS},
    )
