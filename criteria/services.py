"""Roll-ups, set versioning and manual evidence: the writes of the criteria engine."""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, router, transaction
from django.db.models import Max, Q
from django.utils import timezone

from core.dataversion import bump
from villages.models import Commune, Village

from . import indicators
from .indicators import NO_DATA, Context, Result, village_meets_set
from .models import (
    Assessment,
    CommuneGroup,
    CriteriaSet,
    Criterion,
    ManualEvidence,
    RollupRun,
    period_of,
)

logger = logging.getLogger(__name__)

S = Assessment.Status


def evaluate(criterion: Criterion, result: Result) -> tuple[str, bool | None]:
    """(status, met) of a result against the criterion's requirement."""
    if not result.applicable:
        return S.NOT_APPLICABLE, None
    met = criterion.is_met(result.value)
    if met is None:
        return S.NO_DATA, None
    return (S.MET if met else S.NOT_MET), met


def manual_result(criterion: Criterion, evidence: ManualEvidence | None) -> Result:
    if evidence is None or (criterion.requires_evidence and not evidence.file):
        return NO_DATA
    return Result(evidence.effective_value(), evidence.numerator, evidence.denominator)


def _latest_evidence(commune: Commune) -> dict[tuple[str, str, int | None], ManualEvidence]:
    """Newest evidence per (set code, criterion code, village): it survives set versions."""
    found: dict[tuple[str, str, int | None], ManualEvidence] = {}
    rows = (
        ManualEvidence.objects.filter(commune=commune)
        .select_related("criterion__criteria_set")
        .order_by("-entered_at", "-id")
    )
    for ev in rows:
        key = (ev.criterion.criteria_set.code, ev.criterion.code, ev.village_id)
        found.setdefault(key, ev)
    return found


class Superseded(Exception):
    """The requested run was taken over by another worker (its heartbeat went stale)."""


@dataclass
class Plan:
    """What a roll-up of one commune reads besides the indicators' data: its villages (by
    number) and the active sets that apply on the day, with their criteria prefetched. Read
    inside the run's transaction by default; criteria.batch reads it once for many communes
    (`plans()`: the same two queries for all of them)."""

    villages: list[Village]
    sets: list[CriteriaSet]


# Sets read under a global data version (core.dataversion.GLOBAL, moved by every save or
# delete of a set or a criterion): kept in the process and read again once it moves, as
# core.dataversion keeps its map of public codes. Only for a caller that read the version.
_SETS: dict[tuple, list[CriteriaSet]] = {}


def _sets(provinces: set[str], on: dt.date, version: str = "") -> list[CriteriaSet]:
    key = (version, on, tuple(sorted(provinces)))
    if version and key in _SETS:
        return _SETS[key]
    found = list(
        CriteriaSet.objects.active()
        .filter(Q(province_code="") | Q(province_code__in=provinces))
        .exclude(valid_from__gt=on)  # not yet in force on the assessment date
        .prefetch_related("criteria")
        .order_by("code")
    )
    if version:
        if len(_SETS) > 32:
            _SETS.clear()
        _SETS[key] = found
    return found


def plans(communes: list[Commune], on: dt.date, villages=None, *, version: str = "") -> dict:
    """{commune id: Plan}: the sets of every province of these communes in one query (plus
    their criteria; none when `version`, the global data version, is the one they were last
    read under in this process), the villages in one (or from `villages`, already read)."""
    sets = _sets({c.province_code for c in communes}, on, version)
    if villages is None:
        villages = Village.objects.filter(commune__in=communes).order_by()
    by_commune: dict[int, list[Village]] = defaultdict(list)
    for village in sorted(villages, key=lambda v: (v.commune_id, v.number)):
        by_commune[village.commune_id].append(village)
    return {
        c.pk: Plan(
            villages=by_commune.get(c.pk, []),
            sets=[s for s in sets if s.province_code in ("", c.province_code)],
        )
        for c in communes
    }


def rollup_commune(
    *,
    commune: Commune,
    on: dt.date | None = None,
    trigger: str = "",
    run: RollupRun | None = None,
    token: str = "",
    compute=None,
    plan: Plan | None = None,
) -> RollupRun:
    """Compute every criterion of every active set for the commune and its villages.

    One transaction; a second run is a new snapshot (nothing is incremented); concurrent runs
    for the same commune wait for each other (row lock on the commune). Queries: a handful per
    indicator, independent of the number of residents and households. `run` + `token`: a
    requested run claimed by the worker (rollup_run_execute); it is finished only if the claim
    is still ours, otherwise everything is rolled back (Superseded). `compute(item,
    villages)`: the village-level results of one indicator, when the caller has them already
    (criteria.batch: every commune at once, or only the villages whose data changed); `plan`:
    the villages and sets, when the caller read them (criteria.batch), else read here.
    """
    on = on or timezone.localdate()
    try:
        with transaction.atomic():
            return _rollup(
                commune=commune,
                on=on,
                trigger=trigger,
                run=run,
                token=token,
                compute=compute,
                plan=plan,
            )
    except Superseded:
        raise
    except Exception as exc:
        logger.exception("criteria roll-up failed for commune %s", commune.code)
        now = timezone.now()
        if run is not None:
            RollupRun.objects.filter(pk=run.pk, claim_token=token).update(
                status=RollupRun.Status.FAILED, finished_at=now, error=type(exc).__name__
            )
            raise
        RollupRun.objects.create(
            commune=commune,
            on=on,
            started_at=now,
            finished_at=now,
            status=RollupRun.Status.FAILED,
            trigger=trigger,
            error=type(exc).__name__,
        )
        raise


def _for_group(criterion: Criterion, group: int | None) -> Criterion:
    """The criterion with the group's target: a copy when the group changes it (a plan's
    criteria are shared by the communes of a batch, each with its own group)."""
    if group is None or criterion.group_targets.get(str(group)) is None:
        return criterion
    return copy.copy(criterion).for_group(group)


# The columns of an assessment row, in the order _rollup builds its tuples.
_COLUMNS = ("run", "commune", "criterion", "village", "value", "numerator", "denominator",
            "status", "met", "evidence", "latest", "computed_at")  # fmt: skip


def _decimal(field, value, connection):
    if value is None or type(value) in (int, Decimal):
        return value  # what DecimalField.get_db_prep_save gives for these (PostgreSQL, SQLite)
    return field.get_db_prep_save(value, connection)


def _insert_assessments(rows: list[tuple]) -> None:
    """One multi-row INSERT per batch of assessment rows (tuples in _COLUMNS order): what
    bulk_create sends, without building a model instance per row."""
    if not rows:
        return
    connection = connections[router.db_for_write(Assessment)]
    fields = [Assessment._meta.get_field(name) for name in _COLUMNS]
    decimals = [i for i, f in enumerate(fields) if f.get_internal_type() == "DecimalField"]
    qn = connection.ops.quote_name
    head = (
        f"INSERT INTO {qn(Assessment._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in fields)}) VALUES "
    )
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(500, connection.ops.bulk_batch_size(fields, rows)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params = []
            for row in chunk:
                row = list(row)
                for i in decimals:
                    row[i] = _decimal(fields[i], row[i], connection)
                params.extend(row)
            cursor.execute(head + ", ".join([one] * len(chunk)), params)


def _groups(commune: Commune) -> dict[str, int]:
    """{period: group} of the commune (CommuneGroup), with one plain SELECT."""
    connection = connections[router.db_for_read(CommuneGroup)]
    meta, qn = CommuneGroup._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn(meta.get_field('period').column)}, {qn(meta.get_field('group').column)}"
            f" FROM {qn(meta.db_table)} WHERE {qn(meta.get_field('commune').column)} = %s",
            [commune.pk],
        )
        return dict(cursor.fetchall())


def _supersede(commune: Commune) -> None:
    """The commune's latest assessments are no longer the latest (one plain UPDATE: what
    .filter(commune=..., latest=True).update(latest=False) sends)."""
    connection = connections[router.db_for_write(Assessment)]
    meta, qn = Assessment._meta, connection.ops.quote_name
    latest = qn(meta.get_field("latest").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET {latest} = %s "
            f"WHERE {qn(meta.get_field('commune').column)} = %s AND {latest}",
            [False, commune.pk],
        )


def _lock(commune: Commune) -> None:
    """SELECT ... FOR UPDATE of the commune's row: what select_for_update() sends, without
    building a queryset on every run."""
    connection = connections[router.db_for_write(Commune)]
    if not connection.features.has_select_for_update:
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {qn(Commune._meta.db_table)} "
            f"WHERE {qn(Commune._meta.pk.column)} = %s FOR UPDATE",
            [commune.pk],
        )
        cursor.fetchall()


def _rollup(
    *,
    commune: Commune,
    on: dt.date,
    trigger: str,
    run: RollupRun | None = None,
    token: str = "",
    compute=None,
    plan: Plan | None = None,
) -> RollupRun:
    # Serialise runs of the same commune (none on SQLite, whose writers queue anyway).
    _lock(commune)
    now = timezone.now()
    requested = run is not None
    if run is None:
        run = RollupRun.objects.create(commune=commune, on=on, started_at=now, trigger=trigger)
    if plan is None:
        plan = plans([commune], on)[commune.pk]
    villages = plan.villages
    sets = plan.sets
    evidence = _latest_evidence(commune)
    groups = _groups(commune)
    computed_at = connections[router.db_for_write(Assessment)].ops.adapt_datetimefield_value(now)
    run_id, commune_id = run.pk, commune.pk
    rows: list[tuple] = []

    def criteria_of(criteria_set):
        # Per-group thresholds (51/2025): the commune's group for the set's period.
        group = groups.get(period_of(criteria_set))
        return [_for_group(c, group) for c in criteria_set.criteria.all()]

    def add(criterion, village_id, result, ev=None):
        status, met = evaluate(criterion, result)
        rows.append(
            (run_id, commune_id, criterion.pk, village_id, result.value, result.numerator,
             result.denominator, status, met, ev.pk if ev is not None else None, True,
             computed_at)
        )  # fmt: skip
        return status

    # Village-level sets first: the commune-level "at least one smart village" reads them.
    per_key: dict[str, dict[int, Result]] = {}
    meeting: dict[int, bool] | None = None
    for criteria_set in (s for s in sets if s.level == CriteriaSet.Level.VILLAGE):
        statuses: dict[int, list[str]] = defaultdict(list)
        for criterion in criteria_of(criteria_set):
            if criterion.is_manual:
                for village in villages:
                    ev = evidence.get((criteria_set.code, criterion.code, village.pk))
                    statuses[village.pk].append(
                        add(criterion, village.pk, manual_result(criterion, ev), ev)
                    )
                continue
            item = indicators.get(criterion.indicator_key)
            if item is None or item.level != "village":
                results = {}
            elif criterion.indicator_key in per_key:
                results = per_key[criterion.indicator_key]
            else:
                results = per_key[criterion.indicator_key] = (
                    compute(item, villages) if compute else item.compute_many(villages, on=on)
                )
            for village in villages:
                statuses[village.pk].append(
                    add(criterion, village.pk, results.get(village.pk, NO_DATA))
                )
        meeting = meeting or {}
        for village in villages:
            meeting[village.pk] = meeting.get(village.pk, False) or village_meets_set(
                statuses[village.pk]
            )

    context = Context(villages_meeting=meeting, sets_met={})
    # The advanced set first: 319 condition 1 (advanced_set_met) reads its result.
    commune_sets = sorted(
        (s for s in sets if s.level == CriteriaSet.Level.COMMUNE),
        key=lambda s: (s.tier != CriteriaSet.Tier.ADVANCED, s.code),
    )
    for criteria_set in commune_sets:
        set_statuses: list[str] = []
        for criterion in criteria_of(criteria_set):
            if criterion.is_manual:
                ev = evidence.get((criteria_set.code, criterion.code, None))
                set_statuses.append(add(criterion, None, manual_result(criterion, ev), ev))
                continue
            item = indicators.get(criterion.indicator_key)
            if item is None:
                result = NO_DATA
            elif item.level == "village" and criterion.indicator_key in per_key:
                result = item.combine(per_key[criterion.indicator_key].values())
            else:
                result = item.compute(commune, on=on, context=context)
            set_statuses.append(add(criterion, None, result))
        context.sets_met[criteria_set.tier] = village_meets_set(set_statuses)

    _supersede(commune)
    _insert_assessments(rows)
    # No signal for these writes: the pages' cached parts and the public pages move on here
    # (core.dataversion; the public pages are warmed in the background). The commune's token
    # only: the villages' own tokens tell the incremental roll-up whose data changed.
    bump(communes=[commune.pk])
    run.status = RollupRun.Status.DONE
    run.finished_at = timezone.now()
    if requested:
        # Written in the same transaction as the assessments: a run taken over meanwhile
        # (its claim token changed) rolls everything back, so a request is done once.
        if not RollupRun.objects.filter(
            pk=run.pk, claim_token=token, status=RollupRun.Status.RUNNING
        ).update(status=run.status, finished_at=run.finished_at, on=on):
            raise Superseded
        return run
    run.save(update_fields=["status", "finished_at"])
    return run


def rollup_request(*, commune: Commune, trigger: str = "request", on_waiting=None) -> RollupRun:
    """Record a roll-up request (a queued run) and send it to the worker once the current
    transaction commits. When the broker is down the send is recorded (core.jobs) and
    `on_waiting()` is called; the queued run is never lost (criteria/jobs.py recovers it)."""
    from core.jobs import enqueue_on_commit

    now = timezone.now()
    run = RollupRun.objects.create(
        commune=commune,
        on=timezone.localdate(),
        started_at=now,
        heartbeat_at=now,
        status=RollupRun.Status.QUEUED,
        trigger=trigger,
    )
    enqueue_on_commit("criteria.tasks.rollup_run_task", run.pk, on_waiting=on_waiting)
    return run


def rollup_request_batch(*, communes, trigger: str = "beat") -> list[RollupRun]:
    """Record one requested run per commune (distinct communes) and send them to one worker
    as a batch (criteria.batch.rollup_runs_execute) once the transaction commits. Each run
    stays a request of its own: one the batch never claims (its message lost, the worker
    gone) is sent again alone by criteria/jobs.py, and done by rollup_run_execute."""
    from core.jobs import enqueue_on_commit

    now = timezone.now()
    day = timezone.localdate()
    with transaction.atomic():
        runs = [
            RollupRun.objects.create(
                commune=commune,
                on=day,
                started_at=now,
                heartbeat_at=now,
                status=RollupRun.Status.QUEUED,
                trigger=trigger,
            )
            for commune in {c.pk: c for c in communes}.values()
        ]
        if runs:
            enqueue_on_commit("criteria.tasks.rollup_runs_task", [run.pk for run in runs])
    return runs


def rollup_enqueue(*, commune: Commune, on_waiting=None) -> None:
    """The "Roll up now" button: a requested run for the worker (rollup_request)."""
    rollup_request(commune=commune, on_waiting=on_waiting)


def rollup_run_claim(*, run_id: int, now: dt.datetime | None = None) -> str | None:
    """Take a requested run: queued, or running with a stale heartbeat (its worker died).
    The claim's token, or None when the run is not ours to do (done, or alive elsewhere)."""
    import uuid

    from core.jobs import heartbeat_stale

    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimable = Q(status=RollupRun.Status.QUEUED) | Q(
        status=RollupRun.Status.RUNNING, heartbeat_at__lt=now - heartbeat_stale()
    )
    claimed = RollupRun.objects.filter(claimable, pk=run_id).update(
        status=RollupRun.Status.RUNNING, claim_token=token, heartbeat_at=now, started_at=now
    )
    return token if claimed else None


def rollup_run_execute(*, run_id: int) -> str:
    """Worker: do a requested run once; skipped | superseded | done (failures are recorded)."""
    from core.jobs import keep_alive

    token = rollup_run_claim(run_id=run_id)
    if token is None:
        return "skipped"
    run = RollupRun.objects.select_related("commune").get(pk=run_id)

    def renew():
        RollupRun.objects.filter(pk=run_id, claim_token=token).update(heartbeat_at=timezone.now())

    try:
        with keep_alive(renew):
            rollup_commune(commune=run.commune, trigger=run.trigger, run=run, token=token)
    except Superseded:
        return "superseded"
    return "done"


# --- Versioning ---------------------------------------------------------------------------------

SET_COPY_FIELDS = ["code", "title", "level", "tier", "legal_basis", "valid_from", "valid_to",
                   "province_code"]  # fmt: skip
CRITERION_COPY_FIELDS = ["code", "title", "indicator_key", "comparator", "target", "group_targets",
                         "unit", "weight", "requires_evidence", "options", "help_text", "source",
                         "threshold_basis", "order"]  # fmt: skip


def _next_version(code: str) -> int:
    return (CriteriaSet.objects.filter(code=code).aggregate(m=Max("version"))["m"] or 0) + 1


def criteria_set_new_version(
    *,
    criteria_set: CriteriaSet,
    changes: dict | None = None,
    criteria_changes: dict[str, dict] | None = None,
    copy_criteria: bool = True,
) -> CriteriaSet:
    """A new active version of a set (its criteria copied, with changes); the old one is kept,
    deactivated, with every assessment still pointing at it."""
    changes = changes or {}
    criteria_changes = criteria_changes or {}
    with transaction.atomic():
        old = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
        values = {name: getattr(old, name) for name in SET_COPY_FIELDS}
        values.update({k: v for k, v in changes.items() if k in SET_COPY_FIELDS})
        version = _next_version(old.code)
        CriteriaSet.objects.filter(code=old.code, is_active=True).update(is_active=False)
        new = CriteriaSet.objects.create(
            **values, version=version, previous=old, is_active=changes.get("is_active", True)
        )
        if copy_criteria:
            Criterion.objects.bulk_create(
                Criterion(
                    criteria_set=new,
                    **{
                        **{name: getattr(c, name) for name in CRITERION_COPY_FIELDS},
                        **criteria_changes.get(c.code, {}),
                    },
                )
                for c in old.criteria.all()
            )
    return new


def criteria_set_save_version(*, instance: CriteriaSet, original_pk: int) -> CriteriaSet:
    """Save an edited, unsaved copy of a set that is in use as its next version (admin)."""
    original = CriteriaSet.objects.get(pk=original_pk)
    CriteriaSet.objects.filter(code=original.code, is_active=True).update(is_active=False)
    instance.pk = None
    instance.id = None
    instance._state.adding = True
    instance.code = original.code
    instance.version = _next_version(original.code)
    instance.previous = original
    instance.save()
    return instance


# --- Reading helpers shared by views, exports and the demo ----------------------------------------


def moves_most(assessments, *, limit: int = 5) -> list[dict]:
    """The not-met criteria closest to their threshold, with the rows still needed."""
    candidates = []
    for a in assessments:
        if a.status != S.NOT_MET:
            continue
        needed = a.criterion.needed(a.numerator, a.denominator)
        if needed is None:
            continue
        item = indicators.get(a.criterion.indicator_key)
        # Distance to the target as a share of the target, for ordering across units.
        gap_share = (
            Decimal(1) - (Decimal(a.value) / a.criterion.target)
            if a.value is not None and a.criterion.target
            else Decimal(1)
        )
        candidates.append(
            {
                "assessment": a,
                "needed": needed,
                "noun": item.noun if item else a.criterion.title,
                "gap_share": gap_share,
            }
        )
    candidates.sort(key=lambda c: (c["gap_share"], c["needed"]))
    return candidates[:limit]


def village_progress(assessments) -> Decimal | None:
    """Weighted share (0-100) of a village's applicable criteria that are met."""
    total = Decimal(0)
    met = Decimal(0)
    for a in assessments:
        if a.status == S.NOT_APPLICABLE:
            continue
        total += a.criterion.weight
        if a.status == S.MET:
            met += a.criterion.weight
    if not total:
        return None
    return (met * 100 / total).quantize(Decimal("0.1"))
