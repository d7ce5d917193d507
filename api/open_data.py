"""Open data: the figures the public commune page shows, as JSON and CSV without login.

The same rows as `/communes/<code>/` (criteria.selectors.commune_checklist, latest roll-up,
the page's programme period) and the same small-count suppression (criteria.privacy): a small
count of people comes back as a bound text ("< 5"), never as a number.
"""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_page

from criteria import selectors
from criteria.privacy import public_counts
from villages.models import Commune

FIELDS = [
    "commune",
    "period",
    "criteria_set",
    "criterion",
    "title",
    "requirement",
    "status",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "computed_at",
]
DEFINITION = (
    "Latest roll-up of each commune-level criterion as on the public commune page; value, "
    "numerator and denominator are the page's texts (counts of fewer than 5 people, or what "
    "would give them back, are shown as bounds such as '< 5')."
)


def commune_rows(commune: Commune, period: str | None = None) -> tuple[dict, list[dict]]:
    data = selectors.commune_checklist(commune, period)
    rows = []
    for block in data["commune_blocks"]:
        for criterion, a in block.rows:
            if a is None:
                continue
            shown = public_counts(
                value=a.value,
                numerator=a.numerator,
                denominator=a.denominator,
                unit=criterion.unit,
                indicator_key=criterion.indicator_key,
                met=a.status == "met",
                progress=0,
            )
            rows.append(
                {
                    "commune": commune.code,
                    "period": data["period"] or "",
                    "criteria_set": block.criteria_set.code,
                    "criterion": criterion.code,
                    "title": criterion.title,
                    "requirement": str(criterion.requirement_display),
                    "status": a.status,
                    "value": shown.value,
                    "numerator": shown.numerator,
                    "denominator": shown.denominator,
                    "suppressed": shown.suppressed,
                    "computed_at": a.computed_at.isoformat(),
                }
            )
    meta = {
        "commune": commune.code,
        "name": commune.name,
        "period": data["period"],
        "computed_at": data["computed_at"].isoformat() if data["computed_at"] else None,
        "definition": DEFINITION,
    }
    return meta, rows


@cache_page(300)
def commune_json(request: HttpRequest, code: str):
    commune = get_object_or_404(Commune, code=code)
    meta, rows = commune_rows(commune, request.GET.get("period"))
    return JsonResponse({**meta, "rows": rows}, json_dumps_params={"ensure_ascii": False})


@cache_page(300)
def commune_csv(request: HttpRequest, code: str):
    commune = get_object_or_404(Commune, code=code)
    _meta, rows = commune_rows(commune, request.GET.get("period"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="xa-{commune.code}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.DictWriter(response, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    return response
