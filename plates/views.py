"""Plates: the field portal's order, batch, installation and correction pages, and the public
address page behind every plate's QR code (`/a/<code>`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.access import get_for_user, scope_for
from core.files import private_file_response
from core.ratelimit import client_ip, rate_limited
from core.text import fold
from villages.models import Village

from . import maps, services
from .forms import CorrectionForm, CorrectionResolveForm, PlateInstallForm, PlateOrderForm
from .models import AddressCorrection, Plate, PlateBatch

CODE_MAX = 40


def _require_scope(request: HttpRequest):
    scope = scope_for(request.user)
    if scope.is_empty:
        raise PermissionDenied
    return scope


def _village(request: HttpRequest) -> Village:
    villages = Village.objects.for_user(request.user).select_related("commune")
    raw = request.GET.get("village") or request.POST.get("village")
    if raw:
        return get_for_user(villages, request.user, raw)
    village = villages.order_by("commune__code", "number").first()
    if village is None:
        raise Http404
    return village


def _batch_url(batch: PlateBatch) -> str:
    return reverse("plates:batch_detail", args=[batch.pk])


# --- Field portal ------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The village's plates: counts, orders, open reports; the other villages' counts."""
    scope = _require_scope(request)
    village = _village(request)
    villages = list(
        Village.objects.for_user(request.user).select_related("commune").order_by("number")
    )
    counts = services.village_counts([v.pk for v in villages])
    return render(
        request,
        "plates/overview.html",
        {
            "village": village,
            "villages": [(v, counts[v.pk]) for v in villages],
            "counts": counts[village.pk],
            "batches": PlateBatch.objects.filter(village=village)[:20],
            "corrections": AddressCorrection.objects.open()
            .filter(village=village)
            .select_related("address__household")[:50],
            "may_order": scope.may_manage_village(village),
        },
    )


@login_required
def batch_create(request: HttpRequest) -> HttpResponse:
    """Order plates: an official of the commune or the village's leader."""
    _require_scope(request)
    village = _village(request)
    if not scope_for(request.user).may_manage_village(village):
        raise PermissionDenied
    settings_ = services.commune_settings(village.commune)
    ticked = None
    if request.method == "POST" and request.POST.get("selection") == "ticked":
        try:
            ticked = sorted({int(x) for x in request.POST.getlist("household")})
        except ValueError as exc:
            raise Http404 from exc
    form = PlateOrderForm(request.POST or None, initial={"size": settings_.size})
    selection = services.plate_selection(village=village)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.plate_batch_create(
                village=village,
                size=form.cleaned_data["size"],
                user=request.user,
                household_ids=ticked,
                on_waiting=lambda: messages.warning(
                    request,
                    _("The order is saved; the plates will be drawn when the worker is back."),
                ),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Plates ordered: %(n)d.") % {"n": batch.quantity})
            return redirect(_batch_url(batch))
    households = (
        village.households.natural_order()
        .select_related("digital_address")
        .only("pk", "number", "house_no", "lane", "digital_address__verified_on",
              "digital_address__location_code", "village__number")
    )  # fmt: skip
    # Each row's search key (accents dropped, đ = d), for the list's filter (tick-filter.js).
    households = [(h, fold(f"{h.number} {h.house_no} {h.lane}")) for h in households]
    return render(
        request,
        "plates/batch_form.html",
        {
            "village": village,
            "form": form,
            "selection": selection,
            "households": households,
        },
    )


def _batch_for(request: HttpRequest, pk: int) -> PlateBatch:
    _require_scope(request)
    return get_for_user(PlateBatch.objects.select_related("village__commune"), request.user, pk)


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    plates = batch.plates.select_related("household").order_by("sequence")
    return render(
        request,
        "plates/batch_detail.html",
        {
            "batch": batch,
            "village": batch.village,
            "plates": plates,
            "may_manage": scope_for(request.user).may_manage_village(batch.village),
            "retryable": PlateBatch.objects.filter(
                services.claims.retryable(), pk=batch.pk
            ).exists(),
        },
    )


FILE_KINDS = {"plates": "plates_file", "proof": "proof_file", "manifest": "manifest_file"}


@never_cache
@require_GET
def batch_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The print files of a ready batch, for whoever may order plates for the village (officials
    of the commune, the village's leader). Everyone else, signed in or not, gets 404."""
    if kind not in FILE_KINDS:
        raise Http404
    batch = get_object_or_404(
        PlateBatch.objects.for_user(request.user).select_related("village"),
        pk=pk,
        status=PlateBatch.Status.READY,
    )
    if not scope_for(request.user).may_manage_village(batch.village):
        raise Http404
    field = getattr(batch, FILE_KINDS[kind])
    return private_file_response(
        request,
        field,
        filename=field.name.rsplit("/", 1)[-1],
        what="plates.platebatch",
        commune_id=batch.village.commune_id,
        description=f"{kind} {batch.village.code} (#{batch.pk})",
    )


@login_required
@require_POST
def batch_printed(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    if not scope_for(request.user).may_manage_village(batch.village):
        raise PermissionDenied
    if services.plate_batch_mark_printed(batch=batch):
        messages.success(request, _("The batch is marked as printed."))
    return redirect(_batch_url(batch))


@login_required
@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    if not scope_for(request.user).may_manage_village(batch.village):
        raise PermissionDenied
    if services.plate_batch_retry(batch=batch):
        messages.success(request, _("The plates will be drawn again."))
    return redirect(_batch_url(batch))


@login_required
def plate_install(request: HttpRequest, pk: int) -> HttpResponse:
    """A team member marks a plate as installed (a POST form under /field/: the offline outbox
    keeps it without a signal and sends it once)."""
    _require_scope(request)
    plate = get_for_user(
        Plate.objects.select_related("batch__village", "household", "address"), request.user, pk
    )
    form = PlateInstallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.plate_install(plate=plate, user=request.user):
            messages.success(
                request, _("Plate %(code)s marked as installed.") % {"code": plate.code}
            )
        return redirect(_batch_url(plate.batch))
    return render(request, "plates/plate_install.html", {"plate": plate, "form": form})


@login_required
def correction_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """The village's team answers a report from the address page, after checking in the field."""
    _require_scope(request)
    correction = get_for_user(
        AddressCorrection.objects.select_related("address__household__village"), request.user, pk
    )
    form = CorrectionResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.correction_resolve(
            correction=correction,
            user=request.user,
            fixed=form.cleaned_data["result"] == "fixed",
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("The report is closed; the address's history keeps it."))
        return redirect(f"{reverse('plates:overview')}?village={correction.village_id}")
    return render(
        request,
        "plates/correction_resolve.html",
        {"correction": correction, "form": form, "household": correction.address.household},
    )


# --- Public ------------------------------------------------------------------------------------


def _unavailable(request: HttpRequest, *, withdrawn: bool, code: str) -> HttpResponse:
    # Unknown and withdrawn codes share one template; only the message differs (as /s/<serial>).
    response = render(
        request,
        "plates/address_unavailable.html",
        {"withdrawn": withdrawn, "code": code},
        status=410 if withdrawn else 404,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _public_context(address, code: str, form=None) -> dict:
    household = address.household
    village = household.village
    return {
        "code": code,
        "address": address,
        "house_no": household.house_no,
        "lane": household.lane,
        "village": village,
        "commune": village.commune,
        "contact": services.commune_settings(village.commune),
        "map_svg": maps.address_map_svg(address.latitude, address.longitude),
        "geo_uri": maps.geo_uri(address.latitude, address.longitude),
        "maps_url": maps.maps_url(address.latitude, address.longitude),
        "form": form or CorrectionForm(),
    }


def _address(code: str):
    code = code.strip().upper()[:CODE_MAX]
    return code, *services.address_for_code(code)


@never_cache
@require_GET
@rate_limited("address", default_limit=60, template="plates/rate_limited.html")
def address_public(request: HttpRequest, code: str) -> HttpResponse:
    """What a plate's QR opens: the address only (no names, phones, household composition)."""
    code, address, withdrawn = _address(code)
    if address is None:
        return _unavailable(request, withdrawn=withdrawn, code=code)
    services.address_scan_record(
        address=address, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT")
    )
    response = render(request, "plates/address_public.html", _public_context(address, code))
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_POST
@rate_limited("address_report", default_limit=5, default_window=3600,
              template="plates/rate_limited.html")  # fmt: skip
def correction_create(request: HttpRequest, code: str) -> HttpResponse:
    """ "This is wrong": no login, CSRF, 5 reports an hour per client; a task for the team."""
    code, address, withdrawn = _address(code)
    if address is None:
        return _unavailable(request, withdrawn=withdrawn, code=code)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        context = _public_context(address, code, form)
        response = render(request, "plates/address_public.html", context, status=400)
        response["X-Robots-Tag"] = "noindex"
        return response
    if not form.cleaned_data["website"]:  # robots fill the hidden field: answered, not kept
        services.correction_create(
            address=address,
            code=code,
            message=form.cleaned_data["message"],
            phone=form.cleaned_data["phone"],
        )
    response = render(request, "plates/correction_thanks.html", {"code": code})
    response["X-Robots-Tag"] = "noindex"
    return response
