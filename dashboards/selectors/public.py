"""The public village dashboard: aggregates only, no names, ID numbers or coordinates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from criteria.indicators import village_meets_set
from criteria.models import Assessment, CriteriaSet, RollupRun
from criteria.services import village_progress
from villages.models import Village, VillageAsset

from .figures import (
    ASSET_KINDS,
    CITIZEN_KEYS,
    TREND_MONTHS,
    Figure,
    cashless_chart,
    figure_from_assessment,
    month_starts,
)


def latest_run_subquery(commune_field: str = "commune_id") -> Subquery:
    return Subquery(
        RollupRun.objects.filter(commune_id=OuterRef(commune_field), status=RollupRun.Status.DONE)
        .order_by("-started_at", "-id")
        .values("id")[:1]
    )


def village_for_public(code: str) -> Village | None:
    """The village with its commune and the id of its commune's latest roll-up (one query)."""
    return (
        Village.objects.select_related("commune")
        .annotate(latest_run_id=latest_run_subquery("commune_id"))
        .filter(code=code)
        .first()
    )


@dataclass
class SetSummary:
    criteria_set: CriteriaSet
    figures: list[Figure] = field(default_factory=list)
    progress: Decimal | None = None
    meets: bool = False

    others: list[Figure] = field(default_factory=list)  # not among the digital-citizen figures

    @property
    def met_count(self) -> int:
        return sum(1 for f in self.figures if f.met)


def village_public(village: Village, *, today: dt.date | None = None) -> dict:
    """Everything the public village page shows, in 5 queries (aggregates only, no persons)."""
    today = today or timezone.localdate()
    rows = list(
        Assessment.objects.filter(village=village, latest=True)
        .select_related("criterion", "criterion__criteria_set")
        .order_by("criterion__criteria_set__code", "criterion__order", "criterion__code")
    )
    sets: dict[int, SetSummary] = {}
    by_key: dict[str, Figure] = {}
    for a in rows:
        summary = sets.setdefault(
            a.criterion.criteria_set_id, SetSummary(criteria_set=a.criterion.criteria_set)
        )
        figure = figure_from_assessment(a)
        summary.figures.append(figure)
        if a.criterion.indicator_key and a.criterion.indicator_key not in by_key:
            by_key[a.criterion.indicator_key] = figure
    citizen = [by_key[key] for key in CITIZEN_KEYS if key in by_key]
    for summary in sets.values():
        summary.others = [f for f in summary.figures if f not in citizen]
        set_rows = [a for a in rows if a.criterion.criteria_set_id == summary.criteria_set.pk]
        summary.progress = village_progress(set_rows)
        summary.meets = village_meets_set(a.status for a in set_rows)
    return {
        "computed_at": rows[0].computed_at if rows else None,
        "sets": list(sets.values()),
        "citizen": citizen,
        "team": team_members(village, today=today),
        "assets": asset_counts(village),
        "products": village_products(village),
        "cashless": village_cashless(village, today=today),
    }


def team_members(village: Village, *, today: dt.date) -> list[dict]:
    """Active members' names and positions (public officials' information); never phones."""
    from digital_teams.models import TeamMember

    rows = (
        TeamMember.objects.filter(team__village=village)
        .active(today)
        .order_by("role", "full_name")
        .values("full_name", "position", "role")
    )
    positions = dict(TeamMember.Position.choices)
    roles = dict(TeamMember.Role.choices)
    return [
        {
            "full_name": r["full_name"],
            "position": positions.get(r["position"], ""),
            "role": roles.get(r["role"], ""),
            "leader": r["role"] == TeamMember.Role.LEADER,
        }
        for r in rows
    ]


def asset_counts(village: Village) -> list[dict]:
    found = {
        r["kind"]: r
        for r in VillageAsset.objects.filter(village=village)
        .order_by()
        .values("kind")
        .annotate(
            total=Count("pk"), working=Count("pk", filter=Q(status=VillageAsset.Status.WORKING))
        )
    }
    labels = dict(VillageAsset.Kind.choices)
    return [
        {
            "kind": kind,
            "label": labels[kind],
            "total": found.get(kind, {}).get("total", 0),
            "working": found.get(kind, {}).get("working", 0),
        }
        for kind in ASSET_KINDS
    ]


def village_products(village: Village) -> list[dict]:
    """The village's published OCOP products (no producer names: a producer may be a person)."""
    from ocop.models import Product, ProductGroup

    groups = dict(ProductGroup.choices)
    return [
        {**r, "group_label": groups.get(r["group"], ""), "star_symbols": "★" * r["stars"]}
        for r in Product.objects.published()
        .in_village(village)
        .order_by("-stars", "name")
        .values("pk", "name", "stars", "group")
    ]


def village_cashless(village: Village, *, today: dt.date) -> dict | None:
    """Cashless trend by payers from the village's own reports (None when it has none)."""
    from payments.models import CashlessReport, Category

    months = month_starts(today, TREND_MONTHS)
    rows = list(
        CashlessReport.objects.filter(village=village, period__gte=months[0], period__lte=today)
        .order_by("period")
        .values("period", "category", "payers_total", "payers_cashless")
    )
    if not rows:
        return None
    return cashless_chart(rows, months, labels=dict(Category.choices), public=True)
