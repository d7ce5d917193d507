"""Roll-ups of many communes at once, and incremental roll-ups (docs/performance.md).

- `rollup_communes(communes)`: the village-level indicators of every village of every commune
  computed together, one grouped query per indicator instead of one per indicator and commune;
  the residents' indicators of one population (adults, residents 14+) share one pass over the
  residents (one COUNT per step, same population and rule as households.populations). Each
  commune is then written as `rollup_commune` writes it (its own transaction, lock and run).
- `rollup_commune_incremental(commune)`: recomputes only the villages whose data version
  (core.dataversion) moved since the commune's last roll-up; the other villages' village-level
  results are read back from their latest assessments (value, numerator, denominator), so the
  commune's figures, the smart-village count and every status come out as a full run gives.
  A full run is done when the assessment date or the criteria (the global token) changed, or
  when the recorded versions are gone (cache lost).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core import dataversion
from households.models import Resident
from villages.models import Commune, Village

from . import indicators
from .indicators import NO_DATA, NOT_APPLICABLE, Result
from .models import Assessment, CriteriaSet, RollupRun
from .services import Plan, Superseded, plans, rollup_commune

logger = logging.getLogger(__name__)

RECORD_TIMEOUT = 40 * 24 * 60 * 60  # beyond this the next run is a full one


def _village_indicators(plans: Iterable[Plan]) -> list:
    """The village-level indicators any village-level set of these plans uses (read from the
    plans' sets: no query)."""
    keys = {
        c.indicator_key
        for plan in plans
        for s in plan.sets
        if s.level == CriteriaSet.Level.VILLAGE
        for c in s.criteria.all()
        if c.indicator_key
    }
    found = [indicators.get(k) for k in sorted(keys)]
    return [item for item in found if item is not None and item.level == "village"]


def _is_plain_resident_ratio(item) -> bool:
    """Registered by indicators.resident_indicator: population ratio of one step, nothing else."""
    return item.step is not None and item.function.__qualname__.startswith("resident_indicator.")


def _resident_ratios(items, village_ids: list[int], on: dt.date) -> dict[str, dict[int, Result]]:
    """One pass over the residents for every plain residents' ratio, whatever its population
    (same rows and rule as indicators._residents_ratio: population q, then the step's done
    condition; a village with nobody of a population has no row for it, as there)."""
    by_population = defaultdict(list)
    for item in items:
        by_population[item.step.population].append(item)
    populations = list(by_population)
    counts = {}
    anyone = Q()
    for p, population in enumerate(populations):
        q = population.q(on)
        anyone |= q
        counts[f"d{p}"] = Count("pk", filter=q)
        for i, item in enumerate(by_population[population]):
            counts[f"n{p}_{i}"] = Count("pk", filter=q & item.step.done_q())
    rows = (
        Resident.objects.filter(anyone, household__village_id__in=village_ids)
        .order_by()
        .values("household__village_id")
        .annotate(**counts)
    )
    out: dict[str, dict[int, Result]] = {item.key: {} for item in items}
    for row in rows:
        village_id = row["household__village_id"]
        for p, population in enumerate(populations):
            if not row[f"d{p}"]:
                continue
            for i, item in enumerate(by_population[population]):
                out[item.key][village_id] = Result.ratio(row[f"n{p}_{i}"], row[f"d{p}"])
    return out


def precompute(villages: list[Village], items, on: dt.date) -> dict[str, dict[int, Result]]:
    """{indicator key: {village id: Result}} for these villages, as Indicator.compute_many
    gives them (empty villages: the indicator's `empty`; missing source: no data)."""
    plain = [item for item in items if _is_plain_resident_ratio(item)]
    found = _resident_ratios(plain, [v.pk for v in villages], on) if plain else {}
    out = {}
    for item in items:
        if item.key in found:
            out[item.key] = {v.pk: found[item.key].get(v.pk, item.empty) for v in villages}
        else:
            out[item.key] = item.compute_many(villages, on=on)
    return out


def rollup_communes(
    communes: Iterable[Commune], *, on: dt.date | None = None, trigger: str = "", runs=None
) -> list[RollupRun]:
    """Roll up these communes with the indicators computed for all their villages at once.
    `runs`: {commune id: (requested run, claim token)} for the communes whose run a worker
    claimed (rollup_runs_execute); a run taken over meanwhile is rolled back
    alone (Superseded, left out of the list), a failed commune is recorded and the others go
    on. Without `runs` an error stops the batch, as a plain run raises."""
    on = on or timezone.localdate()
    communes = list(communes)
    villages = list(Village.objects.filter(commune__in=communes).order_by())
    # The versions are read before anything is computed: a write during the precompute (or
    # while an earlier commune is written) is seen by the next incremental run.
    before = _versions([v.pk for v in villages])
    by_commune = plans(communes, on, villages, version=before[dataversion.GLOBAL])
    precomputed = precompute(villages, _village_indicators(by_commune.values()), on)

    def compute(item, subset):
        known = precomputed.get(item.key)
        if known is None:
            return item.compute_many(subset, on=on)
        return {v.pk: known.get(v.pk, NO_DATA) for v in subset}

    done = []
    for commune in communes:
        plan = by_commune[commune.pk]
        if runs is None:
            done.append(
                _rollup_recording(
                    commune,
                    on=on,
                    trigger=trigger,
                    compute=compute,
                    before=before,
                    plan=plan,
                    recheck=True,
                )
            )
            continue
        run, token = runs[commune.pk]
        try:
            done.append(
                _rollup_recording(
                    commune, on=on, trigger=run.trigger, compute=compute, before=before,
                    plan=plan, run=run, token=token, recheck=True,
                )
            )  # fmt: skip
        except Superseded:
            continue
        except Exception:  # recorded as the run's failure and logged by rollup_commune
            continue
    return done


def rollup_runs_execute(*, run_ids: list[int]) -> dict[str, int]:
    """Worker: do these requested runs together (rollup_communes: the villages'
    indicators of all their communes computed at once). The claim rules of rollup_run_execute,
    for every run: a run is taken only when queued or running with a stale heartbeat (one
    token for the batch, one conditional UPDATE), its heartbeat is renewed while the batch
    works, and it is finished in its commune's own transaction only if the claim is still
    ours (a run taken over meanwhile is rolled back alone: "superseded"). A commune that
    fails is recorded as its run's failure and the others go on; if the batch itself fails
    before writing, the runs still ours are done one by one. Counts by outcome."""
    import uuid

    from core.jobs import heartbeat_stale, keep_alive

    now = timezone.now()
    token = uuid.uuid4().hex
    ids = sorted(set(run_ids))
    claimable = Q(status=RollupRun.Status.QUEUED) | Q(
        status=RollupRun.Status.RUNNING, heartbeat_at__lt=now - heartbeat_stale()
    )
    RollupRun.objects.filter(claimable, pk__in=ids).update(
        status=RollupRun.Status.RUNNING, claim_token=token, heartbeat_at=now, started_at=now
    )
    ours = RollupRun.objects.filter(pk__in=ids, claim_token=token)
    runs = list(ours.select_related("commune").order_by("commune__code", "pk"))
    counts = {"done": 0, "superseded": 0, "failed": 0, "skipped": len(ids) - len(runs)}
    if not runs:
        return counts
    first: dict[int, RollupRun] = {}
    again = []  # a second run of a commune in the same batch: done after it, alone
    for run in runs:
        if run.commune_id in first:
            again.append(run)
        else:
            first[run.commune_id] = run

    def renew():
        ours.filter(status=RollupRun.Status.RUNNING).update(heartbeat_at=timezone.now())

    with keep_alive(renew):
        try:
            rollup_communes(
                [run.commune for run in first.values()],
                runs={pk: (run, token) for pk, run in first.items()},
            )
        except Exception:  # before any commune was written (each one's errors are its own)
            logger.exception("batched roll-up failed; its runs are done one by one")
            again = [*first.values(), *again]
        for run in again:
            if not ours.filter(pk=run.pk, status=RollupRun.Status.RUNNING).exists():
                continue
            try:
                rollup_commune(commune=run.commune, trigger=run.trigger, run=run, token=token)
            except Exception:  # Superseded, or recorded as a failure by rollup_commune
                continue
    outcome = RollupRun.objects.filter(pk__in=[r.pk for r in runs]).values_list(
        "status", "claim_token"
    )
    for status, claim in outcome:
        if claim != token:
            counts["superseded"] += 1  # taken over: the other worker's outcome
        elif status == RollupRun.Status.DONE:
            counts["done"] += 1
        else:
            counts["failed"] += 1
    return counts


# --- Incremental ----------------------------------------------------------------------------------


def _record_key(village_id: int) -> str:
    return f"dv:rolled:{village_id}"


def _stamp(token: str, global_token: str, on: dt.date) -> str:
    return f"{token}|{global_token}|{on}"


def _versions(village_ids, *, records: bool = False) -> dict:
    """{village id: token, GLOBAL: token}: one cache round trip (not one per village); with
    `records`, also {"recorded": {record key: stamp}} of the villages' last roll-ups, read in
    the same round trip."""
    ids = list(village_ids)
    keys = [dataversion._village_key(pk) for pk in ids] + [dataversion.GLOBAL]
    found = cache.get_many(keys + ([_record_key(pk) for pk in ids] if records else []))
    missing = [key for key in keys if key not in found]
    if missing:  # drawn (and kept) now, as dataversion.tokens() does
        found.update(dataversion.tokens(missing))
    out = {pk: found[dataversion._village_key(pk)] for pk in ids}
    out[dataversion.GLOBAL] = found[dataversion.GLOBAL]
    if records:
        recorded = (_record_key(pk) for pk in ids)
        out["recorded"] = {key: found[key] for key in recorded if key in found}
    return out


def _rollup_recording(
    commune: Commune,
    *,
    on: dt.date,
    trigger: str,
    compute,
    before: dict | None = None,
    plan: Plan | None = None,
    run: RollupRun | None = None,
    token: str = "",
    recheck: bool = False,
) -> RollupRun:
    """rollup_commune, then (once it committed) the data version each village was computed at:
    the versions are read before the computing starts (`before`, read by the caller ahead of
    its precompute), so a write during the run is seen by the next incremental run.
    `recheck` (a batch, whose figures were computed before this commune's turn): the versions
    are read again first (one cache round trip); when one moved since `before` (a write in the
    commune meanwhile, another run of it, criteria changed) the commune is computed again here,
    in its own transaction, as a plain run would, so a batch never writes older figures than
    one by one would."""
    if plan is None:
        plan = plans([commune], on)[commune.pk]
    village_ids = [v.pk for v in plan.villages]
    missing = [pk for pk in village_ids if before is None or pk not in before]
    if before is None or missing:
        before = {**(before or {}), **_versions(missing)}
    if recheck:
        now = _versions(village_ids)
        keys = [*village_ids, dataversion.GLOBAL]
        if any(now[key] != before[key] for key in keys):
            if now[dataversion.GLOBAL] != before[dataversion.GLOBAL]:
                plan = plans([commune], on)[commune.pk]
            before, compute = now, None
    global_token = before[dataversion.GLOBAL]
    run = rollup_commune(
        commune=commune, on=on, trigger=trigger, compute=compute, plan=plan, run=run, token=token
    )
    stamps = {_record_key(pk): _stamp(before[pk], global_token, on) for pk in village_ids}
    transaction.on_commit(lambda: cache.set_many(stamps, RECORD_TIMEOUT))
    return run


def changed_villages(
    commune: Commune,
    *,
    on: dt.date | None = None,
    versions: dict | None = None,
    villages: list[Village] | None = None,
) -> list[Village] | None:
    """The commune's villages whose data changed since its last roll-up, or None when the next
    run must be a full one (no record, another date, other criteria). `versions`: _versions()
    of the commune's villages when the caller has read them; `villages`: the commune's
    villages by number, when read."""
    on = on or timezone.localdate()
    if villages is None:
        villages = list(Village.objects.filter(commune=commune).order_by("number"))
    if not villages:
        return []
    if versions is None or any(v.pk not in versions for v in villages):
        versions = _versions([v.pk for v in villages])
    recorded = versions.get("recorded")
    if recorded is None:
        recorded = cache.get_many([_record_key(v.pk) for v in villages])
    if len(recorded) != len(villages):
        return None  # a village never rolled up, or the records are lost
    if any(not value.endswith(f"|{on}") for value in recorded.values()):
        return None  # ages move with the date: everyone again
    global_now = versions[dataversion.GLOBAL]
    if any(value.split("|")[1] != global_now for value in recorded.values()):
        return None  # criteria or catalogue changed
    return [
        v for v in villages if recorded[_record_key(v.pk)] != _stamp(versions[v.pk], global_now, on)
    ]


def _previous_results(commune: Commune, village_ids: set[int]) -> dict[str, dict[int, Result]]:
    """The latest village-level results of these villages, by indicator key."""
    out: dict[str, dict[int, Result]] = defaultdict(dict)
    rows = (
        Assessment.objects.filter(commune=commune, latest=True, village_id__in=village_ids)
        .exclude(criterion__indicator_key="")  # manual criteria: read from their evidence
        .order_by()  # (not the model's ordering: two joins and a sort for a dict)
        .values_list(
            "criterion__indicator_key", "village_id", "status", "value", "numerator", "denominator"
        )
    )
    for key, village_id, status, value, numerator, denominator in rows:
        if status == Assessment.Status.NOT_APPLICABLE:
            out[key][village_id] = NOT_APPLICABLE
        else:
            out[key][village_id] = Result(value, numerator, denominator)
    return out


def rollup_commune_incremental(
    commune: Commune, *, on: dt.date | None = None, trigger: str = "incremental"
) -> tuple[RollupRun, int | None]:
    """(run, villages recomputed; None = full run). Writes a complete snapshot like a full
    run: the unchanged villages' results are copied from their latest assessments."""
    on = on or timezone.localdate()
    villages = list(Village.objects.filter(commune=commune).order_by("number"))
    # Read first: a write from here on moves a token past the one recorded (recomputed next time).
    before = _versions([v.pk for v in villages], records=True)
    changed = changed_villages(commune, on=on, versions=before, villages=villages)
    if changed is None:
        run = rollup_communes([commune], on=on, trigger=trigger)[0]
        return run, None
    unchanged = {v.pk for v in villages} - {v.pk for v in changed}
    plan = plans([commune], on, villages, version=before[dataversion.GLOBAL])[commune.pk]
    items = _village_indicators([plan])
    fresh = precompute(changed, items, on) if changed else {}
    previous = _previous_results(commune, unchanged)

    def compute(item, subset):
        out = {}
        for village in subset:
            if village.pk in unchanged and village.pk in previous.get(item.key, {}):
                out[village.pk] = previous[item.key][village.pk]
            elif item.key in fresh and village.pk in fresh[item.key]:
                out[village.pk] = fresh[item.key][village.pk]
            else:  # an indicator new to this village: computed now
                out.update(item.compute_many([village], on=on))
        return out

    run = _rollup_recording(
        commune, on=on, trigger=trigger, compute=compute, before=before, plan=plan
    )
    return run, len(changed)
