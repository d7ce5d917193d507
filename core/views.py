from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.access import scope_for
from villages.models import Commune


def home(request: HttpRequest):
    """Public home: the communes in the portal and their villages."""
    communes = (
        Commune.objects.filter(villages__isnull=False)
        .distinct()
        .prefetch_related("villages")
        .order_by("province_code", "code")
    )
    return render(request, "core/home.html", {"communes": communes})


@login_required
def after_login(request: HttpRequest):
    """Send each role where its work is: officials to their dashboard, teams to the field."""
    scope = scope_for(request.user)
    if scope.is_official and request.user.is_staff:
        return redirect(settings.OFFICIAL_HOME_URL)
    if scope.is_team:
        return redirect("/field/")
    return redirect("core:home")


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # any failure means "not ok"; the kind is enough for operators
        return f"error: {type(exc).__name__}"


def check_broker() -> str:
    if not settings.REDIS_URL:
        return "eager"  # no broker configured: tasks run in-process, nothing to be down
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


@never_cache
@require_GET
def healthz(request: HttpRequest):
    status = {"database": check_database(), "broker": check_broker()}
    healthy = all(value in ("ok", "eager") for value in status.values())
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=200 if healthy else 503)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
