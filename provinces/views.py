"""Provincial NTM office pages: thin views over provinces.selectors and provinces.services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.access import province_required
from core.dataversion import cached_part_of_communes
from criteria import selectors as criteria_selectors
from households.models import ExportAudit

from . import selectors, services
from .report import summary_workbook

FILTERS = ("group", "status", "criterion", "sort")


@province_required
@require_GET
def overview(request: HttpRequest, code: str):
    """Every commune of the province: filters, sorting, map, per criterion, trends, reports.
    The part shared by the province's readers is cached under the data versions of its
    communes (core.dataversion): any write in one of them, or to the criteria, renders it anew."""
    params = {k: request.GET.get(k, "") for k in FILTERS}
    requested = request.GET.get("period") or ""
    today = timezone.localdate()
    # The reader's scope is in the key: the communes of the province it may read.
    readable = selectors.readable_commune_ids(request.user, code)

    def compute() -> dict:
        data = selectors.province_overview(
            request.user, code, period=requested or None, today=today, **params
        )
        quarters = selectors.quarter_trends(
            request.user, data["commune_ids"], data["set_ids"], today=today
        )
        name = selectors.province_name(code)
        context = {
            "code": code,
            "province_name": name,
            "params": params,
            "quarters": quarters,
            "trend_chart": selectors.trend_chart(quarters),
            **data,
        }
        return {
            "body": render_to_string("provinces/_overview_body.html", context),
            "province_name": name,
            "period": data["period"],
        }

    part = cached_part_of_communes(
        "provinces:overview",
        readable,
        compute,
        code,
        requested,
        *(params[k] for k in FILTERS),
        today.isoformat(),
    )
    period = part["period"]
    map_config = {
        "dataUrl": reverse("provinces:map_data", args=[code])
        + (f"?period={period}" if period else ""),
        "tileUrl": settings.MAP_TILE_URL,
        "labels": {
            "met": _("criteria met"),
            "all": _("All criteria met"),
            "some": _("Some criteria met"),
            "none": _("No criterion met yet"),
        },
    }
    return render(
        request,
        "provinces/overview.html",
        {
            "code": code,
            "province_name": part["province_name"],
            "body": mark_safe(part["body"]),  # noqa: S308 (rendered by our template)
            "period": period,
            "map_config": map_config,
            "job": services.province_rollup_latest(code),
        },
    )


@province_required
@require_GET
def map_data(request: HttpRequest, code: str):
    """Points of the province map (JSON): per commune its averaged position (no address), name,
    criteria met / total and the link to its checklist."""
    data = selectors.province_overview(request.user, code, period=request.GET.get("period"))
    positions = selectors.commune_positions(request.user, data["commune_ids"])
    points = []
    for line in data["all_lines"]:
        where = positions.get(line.commune.pk)
        if where is None:
            continue
        points.append(
            {
                "code": line.commune.code,
                "name": line.commune.name,
                "lat": where[0],
                "lon": where[1],
                "met": line.met,
                "total": line.total,
                "url": reverse("provinces:commune_checklist", args=[code, line.commune.code]),
            }
        )
    return JsonResponse({"communes": points, "without_position": data["communes"] - len(points)})


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


def _report_data(request: HttpRequest, code: str) -> dict:
    return selectors.province_overview(request.user, code, period=request.GET.get("period"))


@province_required
@require_GET
def report_print(request: HttpRequest, code: str):
    """The province summary as an A4 document: issuing office, national heading, communes x
    criteria, signature block (the commune dossier's parts)."""
    name = selectors.province_name(code)
    data = _report_data(request, code)
    return render(
        request,
        "provinces/report_print.html",
        {
            "code": code,
            "province_name": name,
            "place": selectors.place_name(name),
            "province_inline": selectors.inline_name(name),
            "today": timezone.localdate(),
            "rows": selectors.report_rows(data),
            "recipients": [
                _("Steering committee of the national target programmes of the province;"),
                _("Central NTM coordination office;"),
                _("Filed: office."),
            ],
            "signer_for": _("On behalf of the coordination office"),
            "signer_title": _("Head of office"),
            **data,
        },
    )


@province_required
@require_GET
def report_xlsx(request: HttpRequest, code: str):
    """The province summary as an Excel workbook; the download is recorded (ExportAudit)."""
    name = selectors.province_name(code)
    data = _report_data(request, code)
    content = summary_workbook(province_name=name, office=selectors.office_name(name), data=data)
    ExportAudit.objects.create(
        user=request.user,
        model="province summary",
        rows=len(data["lines"]),
        description=f"{name} ({code}), {data['period'] or '-'}: Excel",
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="tong-hop-tinh-{code}-{stamp}.xlsx"'
    return response


@province_required
@never_cache
@require_http_methods(["GET", "POST"])
def rollup(request: HttpRequest, code: str):
    """GET: the latest province roll-up's progress (the overview polls it with htmx).
    POST: start a roll-up of every commune; while one waits or runs, it is joined."""
    if request.method == "GET":
        return render(
            request,
            "provinces/_rollup_status.html",
            {"code": code, "job": services.province_rollup_latest(code)},
        )
    waiting = []
    job, created = services.province_rollup_start(
        user=request.user, code=code, on_waiting=lambda: waiting.append(True)
    )
    if not created:
        messages.info(
            request,
            _(
                "A roll-up of the province is already under way (%(done)s of %(total)s "
                "communes): its progress is shown below; no second one was started."
            )
            % {"done": job.done + job.failed, "total": job.total},
        )
    elif waiting:
        messages.warning(
            request,
            _(
                "The background job service is not reachable right now. The roll-up waits in "
                "the queue and runs as soon as the service is back."
            ),
        )
    else:
        messages.success(
            request,
            _("The roll-up of every commune has started; its progress is shown below."),
        )
    return redirect(reverse("provinces:overview", args=[code]) + "#province-rollup")
