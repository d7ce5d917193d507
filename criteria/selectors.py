"""Read-side of the criteria engine: checklists built from the latest snapshots only.

Every page reads `Assessment` rows of the latest run (a couple of queries per page, whatever the
number of residents); nothing here computes an indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from villages.models import Commune, Village

from . import indicators
from .models import (
    Assessment,
    CommuneGroup,
    CriteriaSet,
    Criterion,
    ManualEvidence,
    RollupRun,
    period_of,
)
from .services import moves_most, village_progress


@dataclass
class SetBlock:
    criteria_set: CriteriaSet
    criteria: list[Criterion] = field(default_factory=list)
    # commune level: criterion pk -> assessment
    by_criterion: dict[int, Assessment] = field(default_factory=dict)
    # village level: one row per village
    villages: list[VillageRow] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[Criterion, Assessment | None]]:
        return [(c, self.by_criterion.get(c.pk)) for c in self.criteria]

    @property
    def kinds(self) -> dict[str, int]:
        """How many criteria are computed from records, entered by officials, and of those
        still awaiting evidence (commune-level sets)."""
        manual = [c for c in self.criteria if c.is_manual]
        awaiting = [
            c for c in manual
            if (a := self.by_criterion.get(c.pk)) is None or a.status == Assessment.Status.NO_DATA
        ]  # fmt: skip
        return {
            "computed": len(self.criteria) - len(manual),
            "manual": len(manual),
            "awaiting": len(awaiting),
        }

    @property
    def has_commune_choice(self) -> bool:
        """Some threshold of the set is the commune's own choice (no provincial text)."""
        return any(c.is_commune_choice for c in self.criteria)


@dataclass
class VillageRow:
    village: Village
    cells: list[Assessment | None]
    progress: Decimal | None
    meets: bool
    # The village has moved to another commune since this snapshot (it shows under the commune
    # of the roll-up's day, without links to its current data).
    moved: bool = False


def latest_run(commune: Commune) -> RollupRun | None:
    return (
        RollupRun.objects.filter(commune=commune, status=RollupRun.Status.DONE)
        .order_by("-started_at", "-id")
        .first()
    )


def commune_groups(commune: Commune) -> dict[str, int]:
    """{period: group} of a commune (CommuneGroup), one query."""
    return dict(CommuneGroup.objects.filter(commune=commune).values_list("period", "group"))


def criterion_for_commune(criterion: Criterion, commune: Commune, groups=None) -> Criterion:
    """The criterion with the target that applies to the commune: its group's, for the set's
    period, when the catalogue gives per-group targets (as the roll-up compares)."""
    groups = commune_groups(commune) if groups is None else groups
    return criterion.for_group(groups.get(period_of(criterion.criteria_set)))


def _latest_rows(commune: Commune, *, village: Village | None = None, villages_only=False):
    qs = Assessment.objects.filter(commune=commune, latest=True).select_related(
        "criterion", "criterion__criteria_set", "village__commune", "evidence"
    )
    if village is not None:
        qs = qs.filter(village=village)
    elif villages_only:
        qs = qs.filter(village__isnull=False)
    rows = list(qs.order_by("criterion__criteria_set__code", "criterion__order", "village__number"))
    # Show the threshold each row was compared with: the commune group's where one applies.
    groups = commune_groups(commune) if any(a.criterion.group_targets for a in rows) else {}
    for a in rows:
        criterion_for_commune(a.criterion, commune, groups)
    return rows


def _blocks(rows, villages: list[Village]) -> list[SetBlock]:
    blocks: dict[int, SetBlock] = {}
    cell: dict[tuple[int, int | None], Assessment] = {}
    for a in rows:
        block = blocks.setdefault(a.criterion.criteria_set_id, SetBlock(a.criterion.criteria_set))
        if a.criterion not in block.criteria:
            block.criteria.append(a.criterion)
        if a.village_id is None:
            block.by_criterion[a.criterion_id] = a
        cell[(a.criterion_id, a.village_id)] = a
    for block in blocks.values():
        if block.criteria_set.level != CriteriaSet.Level.VILLAGE:
            continue
        for village in villages:
            cells = [cell.get((c.pk, village.pk)) for c in block.criteria]
            present = [a for a in cells if a is not None]
            if not present:
                continue
            block.villages.append(
                VillageRow(
                    village=village,
                    cells=cells,
                    progress=village_progress(present),
                    meets=indicators.village_meets_set(a.status for a in present),
                    moved=village.commune_id != present[0].commune_id,
                )
            )
    return sorted(blocks.values(), key=lambda b: (b.criteria_set.level, b.criteria_set.code))


def _years(criteria_set: CriteriaSet) -> tuple[int | None, int | None]:
    return (
        criteria_set.valid_from.year if criteria_set.valid_from else None,
        criteria_set.valid_to.year if criteria_set.valid_to else None,
    )


def in_period(criteria_set: CriteriaSet, period: str | None) -> bool:
    """A set belongs to a programme period ('2026-2030') when their years overlap; a set with
    no dates (or no end) belongs to every period it reaches."""
    if not period:
        return True
    first, last = (int(y) for y in period.split("-"))
    start, end = _years(criteria_set)
    return (start is None or start <= last) and (end is None or end >= first)


def choose_period(rows, requested: str | None = None, today=None) -> tuple[str | None, list[str]]:
    """(chosen period, periods offered) for assessments: the periods of the assessed sets that
    have both dates; the requested one if offered, else the one containing today (2026-2030
    once its catalogue is assessed), else the newest. None when no set has a period."""
    today = today or timezone.localdate()
    periods = sorted(
        {
            f"{start}-{end}"
            for start, end in (_years(a.criterion.criteria_set) for a in rows)
            if start and end
        }
    )
    if not periods:
        return None, []
    if requested in periods:
        return requested, periods
    current = [p for p in periods if int(p[:4]) <= today.year <= int(p[5:])]
    return (current[-1] if current else periods[-1]), periods


def commune_checklist(commune: Commune, period: str | None = None) -> dict:
    """Everything the commune checklist, the public page and the dossier show, for one
    programme period (default: today's, see choose_period)."""
    rows = _latest_rows(commune)
    period, periods = choose_period(rows, period)
    rows = [a for a in rows if in_period(a.criterion.criteria_set, period)]
    # The villages of the snapshot: one that moved away since still shows under the commune it
    # belonged to on the roll-up's day; one that joined shows from the commune's next roll-up.
    villages = sorted({a.village for a in rows if a.village_id}, key=lambda v: (v.number, v.pk))
    blocks = _blocks(rows, villages)
    village_rows = [a for a in rows if a.village_id is not None]
    return {
        "run": latest_run(commune),
        "period": period,
        "periods": periods,
        "group": commune.criteria_groups.filter(period=period).first() if period else None,
        "computed_at": rows[0].computed_at if rows else None,
        "commune_blocks": [b for b in blocks if b.criteria_set.level == CriteriaSet.Level.COMMUNE],
        "village_blocks": [b for b in blocks if b.criteria_set.level == CriteriaSet.Level.VILLAGE],
        "moves_most": moves_most(village_rows, limit=8),
    }


def ranked_villages(block: SetBlock) -> list[VillageRow]:
    """Villages by smart-village progress, best first (None last)."""
    return sorted(
        block.villages,
        key=lambda r: (not r.meets, -(r.progress if r.progress is not None else Decimal(-1))),
    )


def village_checklist(village: Village, period: str | None = None) -> dict:
    rows = _latest_rows(village.commune, village=village)
    period, periods = choose_period(rows, period)
    rows = [a for a in rows if in_period(a.criterion.criteria_set, period)]
    blocks = _blocks(rows, [village])
    return {
        "run": latest_run(village.commune),
        "period": period,
        "periods": periods,
        "computed_at": rows[0].computed_at if rows else None,
        "blocks": blocks,
        "moves_most": moves_most(rows, limit=5),
    }


def trend(commune: Commune, criterion: Criterion, village: Village | None, limit: int = 60):
    """The criterion's assessments across runs (following it across set versions), oldest first."""
    rows = (
        Assessment.objects.filter(
            commune=commune,
            village=village,
            criterion__criteria_set__code=criterion.criteria_set.code,
            criterion__code=criterion.code,
        )
        .select_related("criterion", "criterion__criteria_set")
        .order_by("-computed_at", "-id")[:limit]
    )
    rows = list(reversed(rows))
    groups = commune_groups(commune)
    for a in rows:
        criterion_for_commune(a.criterion, commune, groups)
    return rows


def evidence_list(commune: Commune) -> list[ManualEvidence]:
    return list(
        ManualEvidence.objects.filter(commune=commune)
        .select_related("criterion", "criterion__criteria_set", "village", "entered_by")
        .order_by("criterion__criteria_set__code", "criterion__order", "-entered_at")
    )


def _public_version(kind: str, code: str, lookup) -> str:
    """The commune's data version (core.dataversion), which every write and every roll-up
    moves: one cache round trip once the process knows the code's commune."""
    from core.dataversion import commune_token_of

    return commune_token_of(kind, code, lookup)


def public_version_for_commune(request, code: str) -> str:
    """Cache version of a commune's public pages: its data version (roll-ups included)."""
    return _public_version(
        "commune",
        code,
        lambda: Commune.objects.filter(code=code).values_list("pk", flat=True).first(),
    )


def public_version_for_village(request, code: str) -> str:
    return _public_version(
        "village",
        code,
        lambda: Village.objects.filter(code=code).values_list("commune_id", flat=True).first(),
    )
