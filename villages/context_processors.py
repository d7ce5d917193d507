"""Navigation facts for base.html (the menu), from core.access's scope."""

from django.utils.functional import SimpleLazyObject

from core.access import is_official, scope_for

from .models import Village


def _team_villages(scope) -> list[Village]:
    if not scope.team_village_ids:
        return []
    return list(Village.objects.filter(pk__in=scope.team_village_ids).order_by("code"))


def portal(request):
    """Which parts of the portal this user may open, and a team member's own villages."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "nav_is_official": is_official(user),
        "nav_is_team": scope.is_team,
        # A leader's or member's own villages (map, checklist); read only when the menu renders.
        "nav_team_villages": SimpleLazyObject(lambda: _team_villages(scope)),
    }
