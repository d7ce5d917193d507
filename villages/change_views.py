"""Administrative changes of a province (issue 17 item 6): the list of recorded moves and
mergers, and the two forms (preview, then confirm). For the province's NTM office and
superusers (core.access.province_required); the writes are villages.services'."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import province_required

from . import services
from .forms import CommuneMergeForm, VillageMoveForm
from .models import Commune, CommunePredecessor, VillageAffiliation


def _province_name(code: str) -> str:
    return (
        Commune.objects.filter(province_code=code).values_list("province_name", flat=True).first()
        or code
    )


@province_required
def changes(request: HttpRequest, code: str):
    """Every move and merger recorded in the province, newest first."""
    moves = (
        VillageAffiliation.objects.filter(commune__province_code=code, valid_from__isnull=False)
        .select_related("village", "commune")
        .order_by("-valid_from", "-pk")
    )
    left = {
        (a.village_id, a.valid_until): a
        for a in VillageAffiliation.objects.filter(
            village__in=[m.village_id for m in moves], valid_until__isnull=False
        ).select_related("commune")
    }
    rows = []
    for move in moves:
        before = left.get((move.village_id, move.valid_from - dt.timedelta(days=1)))
        rows.append({"move": move, "before": before})
    predecessors = (
        CommunePredecessor.objects.filter(successor__province_code=code)
        .select_related("successor")
        .order_by("-until", "successor__name", "code")
    )
    return render(
        request,
        "villages/changes.html",
        {
            "code": code,
            "province_name": _province_name(code),
            "moves": rows,
            "predecessors": predecessors,
        },
    )


def _preview_or_apply(request, code, form, *, plan, apply, template, done):
    """POST without `confirm`: the preview; with it: the change, then the list."""
    context = {"code": code, "province_name": _province_name(code), "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            if "confirm" in request.POST:
                result = apply(form.cleaned_data)
                messages.success(request, done(result))
                return redirect("units:changes", code=code)
            context["plan"] = plan(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, template, context)


@province_required
def village_move(request: HttpRequest, code: str):
    initial = {"village": request.GET.get("village")} if request.GET.get("village") else None
    form = VillageMoveForm(
        request.POST if request.method == "POST" else None, initial=initial, province_code=code
    )

    def args(data):
        return {
            "village": data["village"],
            "to_commune": data["to_commune"],
            "on_date": data["on_date"],
            "decision": data["decision"],
            "number": data.get("number"),
        }

    return _preview_or_apply(
        request,
        code,
        form,
        plan=lambda data: services.village_move_plan(**args(data)),
        apply=lambda data: services.village_move(**args(data), user=request.user),
        template="villages/village_move.html",
        done=lambda plan: (
            _(
                "%(village)s now belongs to %(commune)s (code %(code)s). Its earlier results stay "
                "under %(old)s."
            )
            % {
                "village": plan.village.name,
                "commune": plan.to_commune.name,
                "code": plan.new_code,
                "old": plan.from_commune.name,
            }
        ),
    )


@province_required
def commune_merge(request: HttpRequest, code: str):
    wanted = request.GET.getlist("predecessor")
    initial = {"predecessors": [pk for pk in wanted if pk.isdigit()]} if wanted else None
    form = CommuneMergeForm(
        request.POST if request.method == "POST" else None, initial=initial, province_code=code
    )

    def args(data):
        return {
            "successor": data["successor"],
            "predecessors": list(data["predecessors"]),
            "on_date": data["on_date"],
            "decision": data["decision"],
        }

    return _preview_or_apply(
        request,
        code,
        form,
        plan=lambda data: services.communes_merge_plan(**args(data)),
        apply=lambda data: services.communes_merge(**args(data), user=request.user),
        template="villages/commune_merge.html",
        done=lambda plan: (
            _(
                "%(names)s merged into %(commune)s: %(n)d village(s) moved; each commune's earlier "
                "results stay under it."
            )
            % {
                "names": ", ".join(c.name for c in plan.predecessors),
                "commune": plan.successor.name,
                "n": len(plan.moves),
            }
        ),
    )
