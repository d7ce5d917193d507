"""Dashboards: the public village page, the officials' dashboard and the address map.

Who sees what (docs/dashboards.md):
- /villages/<code>/: anyone; aggregates only, read from the latest roll-up snapshots; the body is
  cached per latest roll-up and language, so a new roll-up shows at once.
- /dashboard/: officials of a commune (and superusers). A team leader or member gets 403: their
  work is in the field portal, and their village's figures are on its public page.
- /dashboard/map/ and its data: officials of the commune and the village's own team, through
  Household.objects.for_user (404 for any other village).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.access import commune_for, official_commune_list, official_required
from core.cache import cache_public_page
from core.dataversion import cached_part, commune_token, scans_token
from criteria.selectors import public_version_for_village
from villages.models import Village

from . import selectors

# The body also shows team members, assets and products, which change without a roll-up: they
# appear within this many seconds; a roll-up refreshes everything at once (new cache key).
PUBLIC_CACHE_SECONDS = 10 * 60

MAP_LABELS = {
    "complete": _("Everyone 14+ has VNeID level 2"),
    "missing": _("Someone 14+ still lacks VNeID level 2"),
    "no_address": _("No digital address yet (not on the map)"),
    "household": _("Household"),
    "asset": _("Village asset"),
    "working": _("Working"),
    "broken": _("Broken"),
}


def public_cache_key(village: Village, language: str) -> str:
    token = commune_token(village.commune_id)  # core.dataversion: any write in the commune
    return f"dashboards:village:{village.pk}:run:{village.latest_run_id or 0}:{token}:{language}"


@require_GET
@cache_public_page(version=public_version_for_village)
def village_public(request: HttpRequest, code: str):
    """Public village dashboard: criteria, digital-citizen figures, team, assets, OCOP, payments."""
    village = selectors.village_for_public(code)
    if village is None:
        raise Http404
    key = public_cache_key(village, get_language() or settings.LANGUAGE_CODE)
    body = cache.get(key)
    if body is None:
        data = selectors.village_public(village)
        body = render_to_string(
            "dashboards/_village_body.html",
            {"village": village, "commune": village.commune, **data},
        )
        cache.set(key, body, PUBLIC_CACHE_SECONDS)
    return render(
        request, "dashboards/village_public.html", {"village": village, "body": mark_safe(body)}
    )


@official_required
@never_cache
@require_GET
def official(request: HttpRequest):
    """The officials' dashboard of one of their communes (?commune=<code>, core.access)."""
    commune = commune_for(request)
    communes = official_commune_list(request)
    context = {"communes": communes, "commune": commune}
    if commune is not None:
        today = timezone.localdate()

        def compute() -> dict:
            data = selectors.commune_dashboard(commune, today=today, with_scans=False)
            parts = {**context, **data}
            return {
                "main": render_to_string("dashboards/_official_main.html", parts),
                "more": render_to_string("dashboards/_official_more.html", parts),
            }

        # Per commune and day (the charts' months), never per user.
        part = cached_part("dashboards:official", commune.pk, compute, today.isoformat())
        context.update(
            main=mark_safe(part["main"]),  # noqa: S308 (rendered by our templates)
            more=mark_safe(part["more"]),  # noqa: S308
            # Its own part: scans move no data version, their own token (dv:s:) instead.
            scans=mark_safe(  # noqa: S308 (rendered by our template)
                cached_part(
                    "dashboards:scans",
                    commune.pk,
                    lambda: render_to_string(
                        "dashboards/_official_scans.html",
                        {"scans": selectors.scans_figure(commune, today=today)},
                    ),
                    today.isoformat(),
                    scans_token(commune.pk),
                )
            ),
        )
    return render(request, "dashboards/official.html", context)


def _map_villages(user) -> list[Village]:
    return list(Village.objects.for_user(user).select_related("commune").order_by("code"))


@login_required
@never_cache
@require_GET
def map_page(request: HttpRequest):
    """Map of digital addresses and village assets of one village the user may see."""
    villages = _map_villages(request.user)
    if not villages:
        raise PermissionDenied
    wanted = request.GET.get("village", "")
    village = next((v for v in villages if v.code == wanted), None) if wanted else villages[0]
    if village is None:
        raise Http404
    config = {
        "dataUrl": f"/dashboard/map/data.json?village={village.code}",
        "tileUrl": settings.MAP_TILE_URL,
        "labels": {name: str(label) for name, label in MAP_LABELS.items()},
    }
    return render(
        request,
        "dashboards/map.html",
        {
            "villages": villages,
            "village": village,
            "map_config": config,
            "legend": [(name, MAP_LABELS[name]) for name in ("complete", "missing", "no_address")],
        },
    )


@login_required
@never_cache
@require_GET
def map_data(request: HttpRequest):
    """Points of one village: household number and status only, plus assets (JSON)."""
    code = request.GET.get("village", "")
    village = Village.objects.for_user(request.user).filter(code=code).first()
    if village is None:
        raise Http404
    return JsonResponse(selectors.map_points(request.user, village))
