from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.access import is_official, scope_for


@login_required
def after_login(request: HttpRequest):
    """Send each role where its work is: officials to their dashboard, teams to the field."""
    if is_official(request.user):
        return redirect(settings.OFFICIAL_HOME_URL)
    if scope_for(request.user).is_team:
        return redirect("/field/")
    return redirect("/")  # the public home (villages.views.home)


@require_GET
def switch_language(request: HttpRequest, code: str):
    """Remember the chosen language in its cookie and go back to the page.

    A link, not Django's POST-only set_language: pages then hold no CSRF token and public pages
    can be cached whole. The worst a forged link can do is switch someone's language.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


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


# --- Field portal offline mode (README "Offline field work") ---------------------------------

FIELD_PRECACHE_STATIC = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "css/portal.css",
    "js/outbox-db.js",
    "js/field-offline.js",
]


def field_service_worker(request: HttpRequest):
    """The service worker, served under /field/ so that it controls the field portal."""
    from django.templatetags.static import static
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from smartvillage import __version__

    manifest_url = reverse("core:field_manifest")
    precache = [static(path) for path in FIELD_PRECACHE_STATIC] + [
        "/field/outbox/",
        "/field/offline/",
        manifest_url,  # every field page links it: offline pages log no error
    ]
    response = render(
        request,
        "field/sw.js",
        {
            "version": __version__,
            "precache": json.dumps(precache),
            "outbox_db_url": static("js/outbox-db.js"),
            "manifest_url": manifest_url,
            "logout_url": reverse("logout"),
            "logged_out_title": _("You are logged out"),
            "logged_out_text": _(
                "You logged out on this phone. The portal opens again after you log in; if "
                "there was no signal, the logout is completed on the server as soon as it returns."
            ),
            "login_text": _("Log in"),
            "lang": request.LANGUAGE_CODE,
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/field/"
    response["Cache-Control"] = "no-cache"
    return response


def field_manifest(request: HttpRequest):
    from django.utils.translation import gettext as _

    manifest = {
        "name": _("Smart village – field portal"),
        "short_name": _("Smart village"),
        "start_url": "/field/",
        "scope": "/field/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#198754",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": "/static/icons/field-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/field-512.png", "sizes": "512x512", "type": "image/png"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


def field_outbox(request: HttpRequest):
    # No login check: the page holds no data, it shows what this phone's outbox holds, and it
    # must open without a signal (and after a session expired) so nothing waiting is hidden.
    return render(request, "field/outbox.html")


def field_offline(request: HttpRequest):
    return render(request, "field/offline.html")
