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
from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from core import dataversion
from households.models import Resident
from villages.models import Commune, Village

from . import indicators
from .indicators import NO_DATA, NOT_APPLICABLE, Result
from .models import Assessment, CriteriaSet, RollupRun
from .services import rollup_commune

RECORD_TIMEOUT = 40 * 24 * 60 * 60  # beyond this the next run is a full one


def _village_indicators(communes: list[Commune], on: dt.date) -> list:
    """The village-level indicators any active village-level set of these communes uses (one
    query per province: the sets are national or provincial)."""
    from django.db.models import Q

    provinces = {c.province_code for c in communes}
    keys = set(
        CriteriaSet.objects.active()
        .filter(Q(province_code="") | Q(province_code__in=provinces))
        .filter(level=CriteriaSet.Level.VILLAGE)
        .exclude(valid_from__gt=on)
        .exclude(criteria__indicator_key="")
        .values_list("criteria__indicator_key", flat=True)
    )
    found = [indicators.get(k) for k in sorted(k for k in keys if k)]
    return [item for item in found if item is not None and item.level == "village"]


def _is_plain_resident_ratio(item) -> bool:
    """Registered by indicators.resident_indicator: population ratio of one step, nothing else."""
    return item.step is not None and item.function.__qualname__.startswith("resident_indicator.")


def _resident_ratios(items, village_ids: list[int], on: dt.date) -> dict[str, dict[int, Result]]:
    """One pass per population for every plain residents' ratio (same rows and rule as
    indicators._residents_ratio: population q, then the step's done condition)."""
    by_population = defaultdict(list)
    for item in items:
        by_population[item.step.population].append(item)
    out: dict[str, dict[int, Result]] = {}
    for population, group in by_population.items():
        counts = {f"n{i}": Count("pk", filter=item.step.done_q()) for i, item in enumerate(group)}
        rows = (
            Resident.objects.filter(population.q(on), household__village_id__in=village_ids)
            .order_by()
            .values("household__village_id")
            .annotate(den=Count("pk"), **counts)
        )
        results = {item.key: {} for item in group}
        for row in rows:
            for i, item in enumerate(group):
                results[item.key][row["household__village_id"]] = Result.ratio(
                    row[f"n{i}"], row["den"]
                )
        out.update(results)
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
    communes: Iterable[Commune], *, on: dt.date | None = None, trigger: str = ""
) -> list[RollupRun]:
    """Roll up these communes with the indicators computed for all their villages at once."""
    on = on or timezone.localdate()
    communes = list(communes)
    villages = list(Village.objects.filter(commune__in=communes))
    # The versions are read before anything is computed: a write during the precompute (or
    # while an earlier commune is written) is seen by the next incremental run.
    before = _versions([v.pk for v in villages])
    precomputed = precompute(villages, _village_indicators(communes, on), on)

    def compute(item, subset):
        known = precomputed.get(item.key)
        if known is None:
            return item.compute_many(subset, on=on)
        return {v.pk: known.get(v.pk, NO_DATA) for v in subset}

    runs = []
    for commune in communes:
        runs.append(
            _rollup_recording(commune, on=on, trigger=trigger, compute=compute, before=before)
        )
    return runs


# --- Incremental ----------------------------------------------------------------------------------


def _record_key(village_id: int) -> str:
    return f"dv:rolled:{village_id}"


def _stamp(token: str, global_token: str, on: dt.date) -> str:
    return f"{token}|{global_token}|{on}"


def _versions(village_ids) -> dict:
    """{village id: token, GLOBAL: token}: one cache round trip (not one per village)."""
    ids = list(village_ids)
    found = dataversion.tokens([dataversion._village_key(pk) for pk in ids] + [dataversion.GLOBAL])
    out = {pk: found[dataversion._village_key(pk)] for pk in ids}
    out[dataversion.GLOBAL] = found[dataversion.GLOBAL]
    return out


def _rollup_recording(
    commune: Commune, *, on: dt.date, trigger: str, compute, before: dict | None = None
) -> RollupRun:
    """rollup_commune, then (once it committed) the data version each village was computed at:
    the versions are read before the computing starts (`before`, read by the caller ahead of
    its precompute), so a write during the run is seen by the next incremental run."""
    village_ids = list(Village.objects.filter(commune=commune).values_list("pk", flat=True))
    missing = [pk for pk in village_ids if before is None or pk not in before]
    if before is None or missing:
        before = {**(before or {}), **_versions(missing)}
    global_token = before[dataversion.GLOBAL]
    run = rollup_commune(commune=commune, on=on, trigger=trigger, compute=compute)
    stamps = {_record_key(pk): _stamp(before[pk], global_token, on) for pk in village_ids}
    transaction.on_commit(lambda: cache.set_many(stamps, RECORD_TIMEOUT))
    return run


def changed_villages(
    commune: Commune, *, on: dt.date | None = None, versions: dict | None = None
) -> list[Village] | None:
    """The commune's villages whose data changed since its last roll-up, or None when the next
    run must be a full one (no record, another date, other criteria). `versions`: _versions()
    of the commune's villages when the caller has read them."""
    on = on or timezone.localdate()
    villages = list(Village.objects.filter(commune=commune).order_by("number"))
    if not villages:
        return []
    if versions is None or any(v.pk not in versions for v in villages):
        versions = _versions([v.pk for v in villages])
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
    # Read first: a write from here on moves a token past the one recorded (recomputed next time).
    before = _versions(Village.objects.filter(commune=commune).values_list("pk", flat=True))
    changed = changed_villages(commune, on=on, versions=before)
    if changed is None:
        run = rollup_communes([commune], on=on, trigger=trigger)[0]
        return run, None
    villages = list(Village.objects.filter(commune=commune))
    unchanged = {v.pk for v in villages} - {v.pk for v in changed}
    items = _village_indicators([commune], on)
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

    run = _rollup_recording(commune, on=on, trigger=trigger, compute=compute, before=before)
    return run, len(changed)
