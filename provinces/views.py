"""Provincial NTM office pages: thin views over provinces.selectors."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import render

from core.access import province_required
from criteria import selectors as criteria_selectors

from . import selectors


@province_required
def overview(request: HttpRequest, code: str):
    """Every commune of the province: group, period, criteria met / total, latest roll-up."""
    params = {k: request.GET.get(k, "") for k in ("group", "status", "criterion", "sort")}
    data = selectors.province_overview(
        request.user, code, period=request.GET.get("period"), **params
    )
    return render(
        request,
        "provinces/overview.html",
        {"code": code, "province_name": selectors.province_name(code), "params": params, **data},
    )


@province_required
def commune_checklist(request: HttpRequest, code: str, commune_code: str):
    """One commune's checklist as the province reads it: figures and evidence references."""
    commune = selectors.commune_for_province(request.user, code, commune_code)
    if commune is None:
        raise Http404
    data = criteria_selectors.commune_checklist(commune, request.GET.get("period"))
    ranked = [(b, criteria_selectors.ranked_villages(b)) for b in data["village_blocks"]]
    return render(
        request,
        "provinces/commune_checklist.html",
        {
            "code": code,
            "commune": commune,
            "ranked_blocks": ranked,
            "evidence": selectors.evidence_summary(request.user, commune),
            **data,
        },
    )
