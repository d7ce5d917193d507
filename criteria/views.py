"""Checklists (officials, teams), gap lists, trends, evidence, dossier and the public page."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.access import commune_for, get_for_user, official_communes, official_required
from core.cache import cache_public_page
from core.dataversion import cached_part
from core.files import private_file_response
from villages.models import Commune, Village

from . import indicators, selectors
from .dossier import dossier_workbook
from .forms import ManualEvidenceForm
from .models import Assessment, CriteriaSet, Criterion, ManualEvidence
from .services import rollup_enqueue

FOLLOWUP_URL = "/field/followup/"


def _target(request: HttpRequest, target: str) -> tuple[Commune, Village | None]:
    """Resolve '<village pk>' or 'commune' (+ ?commune=CODE) within the user's scope."""
    if target == "commune":
        return commune_for(request), None
    if not target.isdigit():
        raise Http404
    village = get_for_user(Village.objects.select_related("commune"), request.user, int(target))
    return village.commune, village


def _on_for(commune: Commune):
    run = selectors.latest_run(commune)
    return run.on if run else timezone.localdate()


@official_required
@require_GET
def commune_checklist(request: HttpRequest, code: str):
    commune = commune_for(request, code)
    requested = request.GET.get("period") or ""

    def compute() -> dict:
        data = selectors.commune_checklist(commune, requested or None)
        context = {"commune": commune, **data, "followup_url": FOLLOWUP_URL}
        return {
            "period": data["period"],
            "head": render_to_string("criteria/_commune_checklist_head.html", context),
            "body": render_to_string("criteria/_commune_checklist_body.html", context),
        }

    # Per commune, not per user: every official of the commune sees the same part.
    part = cached_part("criteria:commune-checklist", commune.pk, compute, requested)
    return render(
        request,
        "criteria/commune_checklist.html",
        {
            "commune": commune,
            "period": part["period"],
            "head": mark_safe(part["head"]),  # noqa: S308 (rendered by our template)
            "body": mark_safe(part["body"]),  # noqa: S308
        },
    )


@login_required
@require_GET
def village_checklist(request: HttpRequest, code: str):
    village = get_object_or_404(
        Village.objects.for_user(request.user).select_related("commune"), code=code
    )
    is_official = official_communes(request.user).filter(pk=village.commune_id).exists()
    requested = request.GET.get("period") or ""

    def compute() -> str:
        context = {
            "village": village,
            "commune": village.commune,
            "is_official": is_official,
            **selectors.village_checklist(village, requested or None),
        }
        return render_to_string("criteria/_village_checklist_body.html", context)

    body = cached_part(
        "criteria:village-checklist",
        village.commune_id,
        compute,
        village.pk,
        is_official,
        requested,
    )
    return render(
        request,
        "criteria/village_checklist.html",
        {"village": village, "commune": village.commune, "body": mark_safe(body)},  # noqa: S308
    )


@login_required
@require_GET
def gap_list(request: HttpRequest, criterion_pk: int, target: str):
    commune, village = _target(request, target)
    criterion = get_object_or_404(Criterion.objects.select_related("criteria_set"), pk=criterion_pk)
    selectors.criterion_for_commune(criterion, commune)  # the commune group's target
    item = indicators.get(criterion.indicator_key)
    on = _on_for(commune)
    rows = item.gap(village or commune, on=on) if item else None
    if rows is None:
        raise Http404
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    latest = Assessment.objects.filter(
        commune=commune, village=village, criterion=criterion, latest=True
    ).first()
    if latest is not None:
        latest.criterion = criterion  # "how many more" counts to the same target
    from digital_teams.models import FollowUpTopic

    # Only the steps the teams keep a follow-up list for (online services have none yet).
    topic = item.followup_topic if item.followup_topic in FollowUpTopic.values else ""
    followup = f"{FOLLOWUP_URL}?topic={topic}" if topic else ""
    return render(
        request,
        "criteria/gap_list.html",
        {
            "commune": commune,
            "village": village,
            "criterion": criterion,
            "indicator": item,
            "page": page,
            "assessment": latest,
            "on": on,
            "followup_url": followup,
            "target": target,
        },
    )


@login_required
@require_GET
def trend(request: HttpRequest, criterion_pk: int, target: str):
    commune, village = _target(request, target)
    criterion = get_object_or_404(Criterion.objects.select_related("criteria_set"), pk=criterion_pk)
    selectors.criterion_for_commune(criterion, commune)
    rows = selectors.trend(commune, criterion, village)
    chart = None
    if rows:
        try:
            from core.charts import Series, line_chart
        except ImportError:  # charts are optional: the table below says the same
            line_chart = None
        if line_chart is not None:
            chart = line_chart(
                [Series(criterion.title, [a.value for a in rows])],
                labels=[timezone.localtime(a.computed_at).strftime("%d/%m/%y") for a in rows],
                percent=criterion.unit == "percent",
                title=criterion.title,
            )
    return render(
        request,
        "criteria/trend.html",
        {
            "commune": commune,
            "village": village,
            "criterion": criterion,
            "rows": rows,
            "chart": chart,
        },
    )


@official_required
def evidence_create(request: HttpRequest, code: str, criterion_pk: int):
    commune = commune_for(request, code)
    criterion = get_object_or_404(
        Criterion.objects.for_user(request.user)
        .filter(indicator_key="")
        .select_related("criteria_set"),
        pk=criterion_pk,
    )
    if criterion.criteria_set not in CriteriaSet.objects.for_commune(commune):
        raise Http404
    selectors.criterion_for_commune(criterion, commune)
    if request.method == "POST":
        form = ManualEvidenceForm(
            request.POST, request.FILES, user=request.user, commune=commune, criterion=criterion
        )
        if form.is_valid():
            form.save()
            messages.success(request, _("Evidence saved. Roll up now to see it in the checklist."))
            return redirect("criteria:commune_checklist", code=commune.code)
    else:
        form = ManualEvidenceForm(user=request.user, commune=commune, criterion=criterion)
    history = ManualEvidence.objects.filter(
        commune=commune,
        criterion__criteria_set__code=criterion.criteria_set.code,
        criterion__code=criterion.code,
    ).select_related("entered_by", "village")[:20]
    return render(
        request,
        "criteria/evidence_form.html",
        {"commune": commune, "criterion": criterion, "form": form, "history": history},
    )


@never_cache
@require_GET
def evidence_file(request: HttpRequest, pk: int):
    """The evidence file, for whoever may read the evidence; anyone else (anonymous too): 404."""
    evidence = get_for_user(ManualEvidence, request.user, pk)
    name = evidence.file.name or ""
    return private_file_response(
        request,
        evidence.file,
        filename=f"minh-chung-{evidence.pk}{PurePath(name).suffix}",
        what="criteria.manualevidence",
        commune_id=evidence.commune_id,
        description=f"{evidence.criterion.code} (#{evidence.pk})",
    )


@login_required
@require_POST
@official_required
def rollup_now(request: HttpRequest, code: str):
    commune = commune_for(request, code)
    waiting = []
    rollup_enqueue(commune=commune, on_waiting=lambda: waiting.append(True))
    if waiting:
        messages.warning(
            request,
            _(
                "The background job service is not reachable right now. The roll-up waits in "
                "the queue and runs as soon as the service is back."
            ),
        )
    else:
        messages.success(
            request, _("The roll-up has started; the figures update when it finishes.")
        )
    return redirect("criteria:commune_checklist", code=commune.code)


@official_required
@require_GET
def dossier_print(request: HttpRequest, code: str):
    commune = commune_for(request, code)
    return render(
        request,
        "criteria/dossier_print.html",
        {
            "commune": commune,
            "place": _place_name(commune.name),
            "today": timezone.localdate(),
            **selectors.commune_checklist(commune, request.GET.get("period")),
            "evidence": selectors.evidence_list(commune),
        },
    )


def _place_name(name: str) -> str:
    """'Xã Quảng Tân' -> 'Quảng Tân' for the place and date line of an official document."""
    for unit in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu "):
        if name.startswith(unit):
            return name[len(unit) :]
    return name


@official_required
@require_GET
def dossier_xlsx(request: HttpRequest, code: str):
    commune = commune_for(request, code)
    content = dossier_workbook(commune, request.GET.get("period"))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="ho-so-tu-danh-gia-{commune.code}-{stamp}.xlsx"'
    )
    return response


@require_GET
@cache_public_page(version=selectors.public_version_for_commune)
def commune_public(request: HttpRequest, code: str):
    """Public: statuses and figures only (no names, IDs, phones, birth dates or coordinates)."""
    commune = get_object_or_404(Commune, code=code)
    data = selectors.commune_checklist(commune, request.GET.get("period"))
    ranked = [(b, selectors.ranked_villages(b)) for b in data["village_blocks"]]
    return render(
        request,
        "criteria/commune_public.html",
        {
            "commune": commune,
            "computed_at": data["computed_at"],
            "period": data["period"],
            "periods": data["periods"],
            "commune_blocks": data["commune_blocks"],
            "ranked_blocks": ranked,
        },
    )
