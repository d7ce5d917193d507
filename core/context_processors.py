from django.utils.functional import SimpleLazyObject

from core.access import is_official, scope_for


def _team_villages(scope):
    if not scope.team_village_ids:
        return []
    from villages.models import Village

    return list(Village.objects.filter(pk__in=scope.team_village_ids).order_by("code"))


def portal(request):
    """Navigation facts for base.html: which parts of the portal this user may open."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "nav_is_official": is_official(user),
        "nav_is_team": scope.is_team,
        # A leader's or member's own villages (map, checklist); read only when the menu renders.
        "nav_team_villages": SimpleLazyObject(lambda: _team_villages(scope)),
    }
