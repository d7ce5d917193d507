"""Officials' payments pages: overview with trends, monthly entry, Excel import, exports.

Team leaders and members get 403: the village figures reach them through the criteria pages
(docs/payments.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.access import commune_for, official_commune_list, official_required
from core.dataversion import cached_part
from core.imports import warn_waiting
from core.spreadsheets import SheetRefused

from . import jobs, spreadsheets
from .fields import parse_month
from .forms import CategoryFormSet, ImportUploadForm, ScopeForm
from .models import (
    DEFAULT_SOURCE,
    CashlessImport,
    CashlessReport,
    Category,
    current_period,
    month_start,
)
from .services import cashless_reports_save, latest_period, overview_build

TREND_STEP = 12  # the "earlier / later" links move the 12-month window by a year


def _chosen_commune(request: HttpRequest):
    """The commune of ?commune=<code> (core.access.commune_for) and the user's communes."""
    return commune_for(request), official_commune_list(request)


@require_GET
@official_required
def overview(request: HttpRequest):
    commune, communes = _chosen_commune(request)
    end = latest_period(commune=commune) or month_start(current_period(), -1)
    if request.GET.get("end"):
        try:
            end = min(parse_month(request.GET["end"]), current_period())
        except ValidationError:
            pass
    today = timezone.localdate()

    def compute() -> dict:
        data = overview_build(commune=commune, end=end)
        body = render_to_string("payments/_overview_body.html", {"data": data, "commune": commune})
        return {"body": body, "months": data.months[:1], "end": data.end}

    # Per commune, window and day (the registry's ages), never per user.
    part = cached_part("payments:overview", commune.pk, compute, end.isoformat(), today.isoformat())
    return render(
        request,
        "payments/overview.html",
        {
            "data": {"months": part["months"], "end": part["end"]},
            "body": mark_safe(part["body"]),  # noqa: S308 (rendered by our template)
            "commune": commune,
            "communes": communes if len(communes) > 1 else [],
            "previous_end": month_start(end, -TREND_STEP),
            "next_end": month_start(end, TREND_STEP) if end < current_period() else None,
        },
    )


def _initial_rows(*, commune, village, period) -> tuple[list[dict], bool, dict]:
    """This month's reports if entered, else last month's totals (the monthly routine)."""
    previous = month_start(period, -1)
    reports = CashlessReport.objects.filter(
        commune=commune, village=village, period__in=[period, previous]
    )
    current = {r.category: r for r in reports if r.period == period}
    last = {r.category: r for r in reports if r.period == previous}
    initial = []
    for value, _label in Category.choices:
        if value in current:
            r = current[value]
            initial.append(
                {
                    "category": value,
                    "payers_total": r.payers_total,
                    "payers_cashless": r.payers_cashless,
                    "amount_total": r.amount_total,
                    "amount_cashless": r.amount_cashless,
                    "source": r.source,
                    "note": r.note,
                }
            )
        elif value in last:
            r = last[value]
            initial.append(
                {
                    "category": value,
                    "payers_total": r.payers_total,
                    "amount_total": r.amount_total,
                    "source": r.source,
                }
            )
        else:
            initial.append({"category": value, "source": DEFAULT_SOURCE[value]})
    return initial, bool(current), last


@official_required
def entry(request: HttpRequest):
    """One month, all eight categories side by side; saving is all or nothing."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    if data is None:
        last_month = month_start(current_period(), -1)
        scope_form = ScopeForm(user=request.user, initial={"period": last_month})
        return render(request, "payments/entry.html", {"scope_form": scope_form})
    scope_form = ScopeForm(data, user=request.user)
    if not scope_form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "payments/entry.html", {"scope_form": scope_form}, status=status)
    commune, village = scope_form.cleaned_data["scope"]
    period = scope_form.cleaned_data["period"]
    initial, existing, last = _initial_rows(commune=commune, village=village, period=period)
    if request.method == "POST":
        formset = CategoryFormSet(request.POST, initial=initial, prefix="cat")
        if formset.is_valid():
            rows = [
                {**form.cleaned_data, "village": village, "period": period}
                for form in formset.forms
                if form.has_figures()
            ]
            if not rows:
                messages.warning(request, _("Nothing to save: no category has cashless figures."))
            else:
                try:
                    result = cashless_reports_save(commune=commune, rows=rows, user=request.user)
                except ValidationError as exc:
                    formset._non_form_errors = formset.error_class(exc.messages)
                else:
                    messages.success(
                        request,
                        _("Saved: %(created)d new and %(updated)d updated reports.")
                        % {"created": result.created, "updated": result.updated},
                    )
                    return redirect(f"{reverse('payments:overview')}?commune={commune.code}")
    else:
        formset = CategoryFormSet(initial=initial, prefix="cat")
    last_figures = [last.get(form.initial["category"]) for form in formset.forms]
    return render(
        request,
        "payments/entry.html",
        {
            "scope_form": scope_form,
            "formset": formset,
            "rows": list(zip(formset.forms, last_figures, strict=True)),
            "commune": commune,
            "village": village,
            "period": period,
            "existing": existing,
        },
    )


def _imports_for(user):
    """The user's own imports, in communes they are still an official of (else 404)."""
    return CashlessImport.objects.for_officials(user).filter(created_by=user)


@official_required
def import_upload(request: HttpRequest):
    """Upload: kept as an import job (payments/jobs.py), checked now when small or by the
    worker; the import's page shows its progress, then the preview to confirm."""
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.import_submit(
                form.cleaned_data["file"],
                user=request.user,
                commune=form.cleaned_data["commune"],
                on_waiting=warn_waiting(request),
            )
        except SheetRefused as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("payments:import_detail", pk=job.pk)
    return render(
        request,
        "payments/import.html",
        {"form": form, "imports": _imports_for(request.user).select_related("commune")[:10]},
    )


@require_GET
@official_required
def import_detail(request: HttpRequest, pk: int):
    job = get_object_or_404(_imports_for(request.user).select_related("commune"), pk=pk)
    return render(request, "payments/import_detail.html", {"job": job, "result": job.result})


@require_POST
@official_required
def import_confirm(request: HttpRequest, pk: int):
    job = get_object_or_404(_imports_for(request.user), pk=pk)
    with transaction.atomic():
        started = jobs.import_confirm(job=job, on_waiting=warn_waiting(request))
    if not started:
        messages.error(request, _("This import cannot be confirmed (it has errors or was done)."))
        return redirect("payments:import_detail", pk=job.pk)
    job.refresh_from_db()
    if job.status == CashlessImport.Status.DONE:
        saved = job.result.get("saved") or {}
        messages.success(
            request,
            _("Imported: %(created)d new and %(updated)d updated reports.")
            % {"created": saved.get("created", 0), "updated": saved.get("updated", 0)},
        )
        return redirect(f"{reverse('payments:overview')}?commune={job.commune.code}")
    return redirect("payments:import_detail", pk=job.pk)


@require_POST
@official_required
def import_cancel(request: HttpRequest, pk: int):
    job = get_object_or_404(_imports_for(request.user), pk=pk)
    if jobs.import_cancel(job=job):
        messages.success(request, _("Import cancelled; the uploaded file was deleted."))
    else:
        messages.error(request, _("This import can no longer be cancelled."))
    return redirect("payments:import_detail", pk=job.pk)


@require_GET
@official_required
def import_template(request: HttpRequest):
    commune, _communes = _chosen_commune(request)
    period = month_start(current_period(), -1)
    content = spreadsheets.import_template(commune=commune, period=period)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="cashless-{commune.code}-{period:%Y-%m}.xlsx"'
    )
    return response


def _export_reports(request: HttpRequest):
    commune, _communes = _chosen_commune(request)
    reports = (
        CashlessReport.objects.for_user(request.user)
        .filter(commune=commune)
        .select_related("village")
        .order_by("period", "village__number", "category")
    )
    return commune, reports


@require_GET
@official_required
def export_csv(request: HttpRequest):
    commune, reports = _export_reports(request)
    response = HttpResponse(spreadsheets.export_csv(reports), content_type="text/csv")
    stamp = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="cashless-{commune.code}-{stamp}.csv"'
    return response


@require_GET
@official_required
def export_xlsx(request: HttpRequest):
    commune, reports = _export_reports(request)
    response = HttpResponse(
        spreadsheets.export_xlsx(reports),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="cashless-{commune.code}-{stamp}.xlsx"'
    return response
