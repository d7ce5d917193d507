from core.access import scope_for


def portal(request):
    """Navigation facts for base.html: which parts of the portal this user may open."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "nav_is_official": scope.is_official and bool(user and user.is_staff),
        "nav_is_team": scope.is_team,
    }
