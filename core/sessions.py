"""Ending sessions: a deactivated account or a changed password logs out everywhere."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone


def accounts_logout_everywhere(*, user_ids: list[int]) -> int:
    """Delete every live session of these users (database sessions). Returns how many."""
    wanted = {str(pk) for pk in user_ids}
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) in wanted
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)
