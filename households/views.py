"""Field portal (/field/): village household lists, household and resident forms, digital
addresses, village assets and the Excel import. Every object goes through core.access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core import merge as merge_changes
from core.access import get_for_user, scope_for
from core.dataversion import cached_part
from core.imports import warn_waiting
from core.spreadsheets import SheetRefused
from villages.models import Village, VillageAsset

from . import importer, jobs, populations, services
from .forms import (
    DigitalAddressForm,
    HouseholdForm,
    ImportUploadForm,
    ResidentForm,
    ResidentFormSet,
    VillageAssetForm,
)
from .models import DigitalAddress, Household, HouseholdImport, Resident
from .services import (
    StaleEditError,
    address_save,
    resident_may_delete,
    resident_save,
    stale_differences,
)

PAGE_SIZE = 25

# The list's resident filters are the steps the indicators and follow-up lists count
# (households.populations): same population, same condition, so the sets cannot diverge.
LIST_STEPS = (populations.VNEID_LEVEL2, populations.EPAYMENT)
FILTERS = {
    **{step.key: step.missing_label for step in LIST_STEPS},
    "address": _lazy("No digital address"),
    "fibre": _lazy("No fibre"),
}


def _require_scope(request: HttpRequest):
    scope = scope_for(request.user)
    if scope.is_empty:
        raise PermissionDenied
    return scope


def _stale_context(form, exc: StaleEditError, what: str, merge=None) -> dict:
    form.add_error(
        None,
        gettext(
            "Someone else saved this %(what)s while you were editing it (your version: "
            "%(yours)s, current version: %(current)s). Your changes were NOT saved. Compare "
            "both versions below, then open the current version and apply your changes again."
        )
        % {"what": what, "yours": exc.yours, "current": exc.current_version},
    )
    if merge is not None:
        rows = [(row.label, row.yours, row.theirs) for row in merge.conflicts]
    else:
        rows = stale_differences(form, exc.current) if exc.current else []
    return {"stale": {"yours": exc.yours, "current": exc.current_version, "rows": rows}}


def _save_stale(request, form, exc: StaleEditError, save, what: str):
    """A stale edit merged field by field (core.merge): saved when no field was changed by
    both sides; else the conflicts are shown (and given to the outbox). Returns (saved, result
    of `save` or the page's context)."""
    for _attempt in range(2):
        if exc.current is None:  # deleted meanwhile
            return False, _stale_context(form, exc, what)
        merge = merge_changes.three_way(form, exc.current)
        if not merge.ready:
            break
        try:
            result = save(merge_changes.merged_instance(form, exc.current, merge))
        except StaleEditError as again:  # moved on once more: compare again
            exc = again
            continue
        messages.info(
            request,
            gettext(
                "Someone else saved this %(what)s meanwhile: their changes were kept and "
                "yours were added."
            )
            % {"what": what},
        )
        return True, result
    else:
        merge = merge_changes.three_way(form, exc.current)
    request.sv_conflict = merge.as_json()
    return False, _stale_context(form, exc, what, merge)


# --- Households -----------------------------------------------------------------------------
def _household_list_queryset(user, *, village_id=None, q="", flags=()):
    # Per-household figures as correlated subqueries: PostgreSQL computes them for the rows of
    # the page only, and the paginator's COUNT does not aggregate every resident in scope
    # (a JOIN + GROUP BY did both: 71 ms -> 16 ms for a commune of 8,000 households).
    of_household = Resident.objects.filter(household=OuterRef("pk")).order_by().values("household")
    present = of_household.filter(status=Resident.Status.PRESENT)
    today = timezone.localdate()

    def count(residents):
        return Coalesce(
            Subquery(
                residents.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
            ),
            0,
        )

    step_counts = {}
    for step in LIST_STEPS:
        eligible = step.eligible(today, of_household)
        step_counts[f"eligible_{step.key}"] = count(eligible)
        step_counts[f"done_{step.key}"] = count(eligible.filter(step.done_q()))
    qs = (
        Household.objects.for_user(user)
        .select_related("village")
        .annotate(
            head_name=Subquery(
                Resident.objects.filter(household=OuterRef("pk"), relation="head")
                .order_by()
                .values("full_name")[:1]
            ),
            present_count=count(present),
            **step_counts,
            has_address=Exists(DigitalAddress.objects.filter(household=OuterRef("pk"))),
        )
        .natural_order()
    )
    if village_id:
        qs = qs.filter(village_id=village_id)
    if q:
        qs = qs.search(q)
    for step in LIST_STEPS:
        if step.key in flags:
            qs = qs.filter(
                Exists(step.missing(today, Resident.objects.filter(household=OuterRef("pk"))))
            )
    if "address" in flags:
        qs = qs.filter(~Exists(DigitalAddress.objects.filter(household=OuterRef("pk"))))
    if "fibre" in flags:
        qs = qs.filter(has_fibre=False)
    return qs


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    scope = _require_scope(request)
    villages = list(Village.objects.for_user(request.user).select_related("commune"))
    village_id = request.GET.get("village") or None
    if village_id and not any(str(v.pk) == village_id for v in villages):
        village_id = None  # a tampered id shows nothing of another village
    q = request.GET.get("q", "").strip()[:40]
    flags = [f for f in request.GET.getlist("f") if f in FILTERS]
    params = request.GET.copy()
    params.pop("page", None)
    show_village = len(villages) > 1

    def compute() -> dict:
        qs = _household_list_queryset(request.user, village_id=village_id, q=q, flags=flags)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"page": page, "show_village": show_village, "querystring": params.urlencode()}
        return {
            "count": page.paginator.count,
            "rows": render_to_string("households/_household_rows.html", context),
        }

    # The rows are the same for every user reaching the same villages (a leader of village A
    # and one of B never share a key): cached under the commune's data version, which every
    # write to its households and residents moves. Villages of several communes: computed.
    communes = {v.commune_id for v in villages}
    if len(communes) == 1:
        part = cached_part(
            "households:list",
            communes.pop(),
            compute,
            ",".join(str(v.pk) for v in sorted(villages, key=lambda v: v.pk)),
            village_id or "",
            q,
            ",".join(flags),
            request.GET.get("page") or "",
            params.urlencode(),
            timezone.localdate().isoformat(),
        )
    else:
        part = compute()
    return render(
        request,
        "households/household_list.html",
        {
            "count": part["count"],
            "rows": mark_safe(part["rows"]),  # noqa: S308 (rendered by our template)
            "villages": villages,
            "village_id": village_id,
            "show_village": show_village,
            "q": q,
            "flags": flags,
            "filters": list(FILTERS.items()),
            "may_import": scope.is_official or bool(scope.leader_village_ids),
        },
    )


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _require_scope(request)
    household = get_for_user(Household.objects.select_related("village__commune"), request.user, pk)
    residents = list(household.residents.all())
    address = DigitalAddress.objects.filter(household=household).first()
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            "residents": residents,
            "address": address,
            "may_manage": scope.may_manage_village(household.village),
            "assets": household.assets.all(),
        },
    )


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    _require_scope(request)
    form = HouseholdForm(request.POST or None, user=request.user)
    formset = ResidentFormSet(
        request.POST or None,
        instance=Household(),
        prefix="residents",
        form_kwargs={"user": request.user},
    )
    if request.method == "POST" and form.is_valid():
        # The residents' duplicate check looks in the commune of the chosen village.
        formset.form_kwargs["village"] = form.cleaned_data["village"]
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        residents = [
            f.save(commit=False) for f in formset.forms if f.has_changed() and f.cleaned_data
        ]
        try:
            household = services.household_create(
                household=form.save(commit=False), residents=residents, user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request, gettext("Household %(number)s saved.") % {"number": household.number}
            )
            return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/household_form.html", {"form": form, "formset": formset})


@login_required
def household_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_scope(request)
    household = get_for_user(Household, request.user, pk)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    context = {"form": form, "household": household}
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                household=form.save(commit=False),
                expected_version=form.expected_version,
                user=request.user,
            )
        except StaleEditError as exc:
            saved, result = _save_stale(
                request,
                form,
                exc,
                lambda obj: services.household_update(
                    household=obj, expected_version=obj.version, user=request.user
                ),
                gettext("household"),
            )
            if not saved:
                context.update(result)
        else:
            saved = True
        if saved:
            messages.success(
                request, gettext("Household %(number)s saved.") % {"number": household.number}
            )
            return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/household_form.html", context)


@login_required
@require_POST
def household_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _require_scope(request)
    household = get_for_user(Household.objects.select_related("village"), request.user, pk)
    if not scope.may_manage_village(household.village):
        raise PermissionDenied
    household._history_user = request.user
    household.delete()
    messages.success(
        request, gettext("Household %(number)s deleted.") % {"number": household.number}
    )
    return redirect("households:household_list")


# --- Residents ------------------------------------------------------------------------------
@login_required
def resident_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_scope(request)
    household = get_for_user(Household.objects.select_related("village"), request.user, pk)
    form = ResidentForm(
        request.POST or None,
        user=request.user,
        household=household,
        initial={}
        if household.residents.filter(relation="head").exists()
        else {"relation": "head"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            demoted = resident_save(resident=form.save(commit=False), user=request.user)
        except ValidationError as exc:
            form.add_error("id_number", exc.messages[0])
        else:
            _report_demoted(request, demoted)
            messages.success(request, gettext("Resident saved."))
            return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/resident_form.html", {"form": form, "household": household})


@login_required
def resident_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_scope(request)
    resident = get_for_user(Resident.objects.select_related("household__village"), request.user, pk)
    household = resident.household
    form = ResidentForm(request.POST or None, instance=resident, user=request.user)
    context = {
        "form": form,
        "household": household,
        "resident": resident,
        "may_delete": scope_for(request.user).may_manage_village(household.village),
    }
    if request.method == "POST" and form.is_valid():
        try:
            demoted = resident_save(
                resident=form.save(commit=False),
                user=request.user,
                expected_version=form.expected_version,
            )
        except StaleEditError as exc:
            saved, demoted = _save_stale(
                request,
                form,
                exc,
                lambda obj: resident_save(
                    resident=obj, user=request.user, expected_version=obj.version
                ),
                gettext("resident"),
            )
            if not saved:
                context.update(demoted)
        except ValidationError as exc:
            form.add_error("id_number", exc.messages[0])
            saved = False
        else:
            saved = True
        if saved:
            _report_demoted(request, demoted)
            messages.success(request, gettext("Resident saved."))
            return redirect("households:household_detail", pk=household.pk)
    # The response carries the full ID number: never cache it.
    response = render(request, "households/resident_form.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _report_demoted(request, demoted):
    for previous in demoted:
        messages.info(
            request,
            gettext("%(name)s is no longer the head of household (relation set to Other).")
            % {"name": previous.full_name},
        )


@login_required
@require_POST
def resident_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _require_scope(request)
    resident = get_for_user(Resident.objects.select_related("household__village"), request.user, pk)
    household = resident.household
    if not scope.may_manage_village(household.village):
        raise PermissionDenied
    if not resident_may_delete(resident):
        messages.error(
            request,
            gettext("Make another resident the head of household before deleting this one."),
        )
    else:
        resident._history_user = request.user
        resident.delete()
        messages.success(request, gettext("Resident deleted."))
    return redirect("households:household_detail", pk=household.pk)


# --- Digital address ------------------------------------------------------------------------
@login_required
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_scope(request)
    household = get_for_user(Household.objects.select_related("village"), request.user, pk)
    address = DigitalAddress.objects.filter(household=household).first()
    creating = address is None
    if creating:
        address = DigitalAddress(household=household, source=DigitalAddress.Source.TEAM)
    form = DigitalAddressForm(request.POST or None, instance=address, user=request.user)
    context = {"form": form, "household": household}
    if request.method == "POST" and form.is_valid():
        address = form.save(commit=False)
        if creating:
            address.collected_by = request.user
        try:
            address_save(
                address=address,
                user=request.user,
                expected_version=None if creating else form.expected_version,
            )
        except StaleEditError as exc:
            saved, result = _save_stale(
                request,
                form,
                exc,
                lambda obj: address_save(
                    address=obj, user=request.user, expected_version=obj.version
                ),
                gettext("digital address"),
            )
            if not saved:
                context.update(result)
        except ValidationError as exc:  # saved meanwhile (a double submit)
            form.add_error(None, exc.messages[0])
            saved = False
        else:
            saved = True
        if saved:
            messages.success(request, gettext("Digital address saved."))
            return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/address_form.html", context)


# --- Village assets -------------------------------------------------------------------------
@login_required
def asset_list(request: HttpRequest) -> HttpResponse:
    scope = _require_scope(request)
    assets = VillageAsset.objects.for_user(request.user).select_related(
        "village", "owner_household"
    )
    villages = list(Village.objects.for_user(request.user))
    return render(
        request,
        "households/asset_list.html",
        {"assets": assets, "may_manage": any(scope.may_manage_village(v) for v in villages)},
    )


def _asset_form(request, asset=None):
    scope = _require_scope(request)
    if asset is not None and not scope.may_manage_village(asset.village):
        raise PermissionDenied
    form = VillageAssetForm(request.POST or None, instance=asset, user=request.user)
    if not form.fields["village"].queryset.exists():
        raise PermissionDenied  # team members read the assets; leaders and officials enter them
    if request.method == "POST" and form.is_valid():
        conflicts = None
        with transaction.atomic():
            obj = form.save(commit=False)
            if asset is not None:
                # No version column: the page's snapshot tells whether it moved on (core.merge).
                current = VillageAsset.objects.select_for_update().get(pk=asset.pk)
                if merge_changes.moved_on(form, current):
                    merge = merge_changes.three_way(form, current)
                    if merge.ready:
                        merge_changes.merged_instance(form, current, merge)
                        messages.info(
                            request,
                            gettext(
                                "Someone else saved this %(what)s meanwhile: their changes were "
                                "kept and yours were added."
                            )
                            % {"what": gettext("village asset")},
                        )
                    else:
                        conflicts = merge
            if conflicts is None:
                obj.save()
        if conflicts is None:
            messages.success(request, gettext("Village asset saved."))
            return redirect("households:asset_list")
        request.sv_conflict = conflicts.as_json()
        form.add_error(
            None,
            gettext(
                "Someone else changed %(fields)s of this asset meanwhile. Your changes were NOT "
                "saved: open the asset again and apply them."
            )
            % {"fields": ", ".join(row.label for row in conflicts.conflicts)},
        )
    return render(request, "households/asset_form.html", {"form": form, "asset": asset})


@login_required
def asset_create(request: HttpRequest) -> HttpResponse:
    return _asset_form(request)


@login_required
def asset_update(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_for_user(
        VillageAsset.objects.select_related("village", "owner_household"), request.user, pk
    )
    return _asset_form(request, asset)


@login_required
@require_POST
def asset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _require_scope(request)
    asset = get_for_user(VillageAsset.objects.select_related("village"), request.user, pk)
    if not scope.may_manage_village(asset.village):
        raise PermissionDenied
    asset.delete()
    messages.success(request, gettext("Village asset deleted."))
    return redirect("households:asset_list")


# --- Excel import ---------------------------------------------------------------------------
def _import_scope(request):
    scope = _require_scope(request)
    if not (scope.is_official or scope.leader_village_ids):
        raise PermissionDenied  # team members do not import
    return scope


def _imports_for(user):
    scope = scope_for(user)
    if scope.is_official:
        return HouseholdImport.objects.filter(
            Q(created_by=user) | Q(pk__in=HouseholdImport.objects.for_user(user).values("pk"))
        )
    return HouseholdImport.objects.filter(created_by=user)


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    scope = _import_scope(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        villages = [
            v for v in Village.objects.for_user(request.user) if scope.may_manage_village(v)
        ]
        if not villages:
            raise PermissionDenied
        # Caps (docs/security.md, finding 2; core.imports): size and concurrent imports
        # before reading; a file over the inline size is not read here at all (the worker
        # checks it, rows capped while streaming); a small one has its rows counted here.
        try:
            job = jobs.KIND.submit(
                upload,
                user=request.user,
                commune_id=villages[0].commune_id,
                on_waiting=warn_waiting(request),
            )
        except SheetRefused as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("households:import_detail", pk=job.pk)
    return render(
        request,
        "households/import_start.html",
        {
            "form": form,
            "imports": _imports_for(request.user)[:10],
            "inline_max": importer.INLINE_MAX_ROWS,
        },
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _import_scope(request)
    response = HttpResponse(
        importer.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-ho-gia-dinh.xlsx"'
    return response


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _import_scope(request)
    job = get_object_or_404(_imports_for(request.user), pk=pk)
    template = (
        "households/_import_status.html"
        if getattr(request, "htmx", False)
        else "households/import_detail.html"
    )
    return render(request, template, {"job": job, "result": job.result or {}})


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _import_scope(request)
    job = get_object_or_404(_imports_for(request.user), pk=pk)
    if (job.result or {}).get("duplicate_count") and not request.POST.get("confirm_duplicates"):
        messages.error(
            request,
            gettext(
                "Some rows may be people already registered (listed below): check them, then "
                "tick the confirmation to import them anyway."
            ),
        )
        return redirect(reverse("households:import_detail", args=[job.pk]))
    with transaction.atomic():
        started = jobs.import_job_confirm(job=job, on_waiting=warn_waiting(request))
    if not started:
        messages.error(
            request, gettext("This import cannot be confirmed (it has errors or was done).")
        )
    return redirect(reverse("households:import_detail", args=[job.pk]))


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop an import before it is confirmed: the uploaded sheet is deleted at once."""
    _import_scope(request)
    job = get_object_or_404(_imports_for(request.user), pk=pk)
    if jobs.import_job_cancel(job=job):
        messages.success(request, gettext("Import cancelled; the uploaded file was deleted."))
    else:
        messages.error(request, gettext("This import can no longer be cancelled."))
    return redirect(reverse("households:import_detail", args=[job.pk]))
