"""Data versions: the key every cached part of a page is read under (docs/performance.md).

Three kinds of token live in the cache (Redis in production, shared by every process):
- one per commune (`dv:c:<pk>`): moves on any write to a row of the commune or of its
  villages; every cached part of a commune's or a village's page carries it in its key;
- one per village (`dv:v:<pk>`): moves with the writes to that village's rows; the
  incremental roll-up compares it with the token it recorded when it last computed the village;
- one global (`dv:g`): criteria sets and catalogues, the commune list, administrative changes.

A token is an opaque random string, never a counter: when Redis loses it (eviction, restart) a
new one is drawn, so nothing computed under the old token can be read again (a miss, never a
stale hit). A write moves the tokens twice: at once (the writer's next page shows it) and when
its transaction commits (a reader who rendered the old rows between the two cannot have stored
them under the new token).

Write paths: `post_save`, `pre_delete` and `m2m_changed` of every scoped model (a queryset
inheriting core.access.ScopedQuerySet) move the tokens of the row's village and commune; a row
moved to another village (pre_save) moves the old one's too. Writes that send no signal
(`queryset.update()`, `bulk_create`: the household import, assisted changes, roll-ups,
administrative changes) call `bump()` themselves. Models whose writes no cached part shows are
listed in IGNORED (stamp and plate scans, counted on their own; import jobs and export audits).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.utils.translation import get_language

from core import local_cache

logger = logging.getLogger(__name__)

GLOBAL = "dv:g"
PART_TIMEOUT = 24 * 60 * 60  # a part nobody reads expires; a write makes it unreachable at once

# Writes no cached part shows (or that would move the tokens on every page view).
IGNORED = frozenset(
    {
        "ocop.StampScan",
        "plates.PlateScan",
        "criteria.RollupRun",  # the roll-up bumps once, when its assessments are written
        # Job and audit rows: an import's progress is saved many times; its data writes bump.
        "households.HouseholdImport",
        "payments.CashlessImport",
        "households.ExportAudit",
    }
)


def _commune_key(pk) -> str:
    return f"dv:c:{pk}"


def _village_key(pk) -> str:
    return f"dv:v:{pk}"


def _new_token() -> str:
    return uuid.uuid4().hex[:16]


def tokens(keys: list[str]) -> dict[str, str]:
    """The current token of each key; a missing one is drawn (and kept) now."""
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = _new_token()
            cache.add(key, token, None)
            found[key] = cache.get(key) or token
    return found


def commune_token(commune_id: int) -> str:
    """The global and the commune's token, as one string (part of every cache key)."""
    keys = [GLOBAL, _commune_key(commune_id)]
    found = tokens(keys)
    return ".".join(found[k] for k in keys)


# (kind, code) -> (global token, commune id): which commune a public URL's code belongs to, kept
# in the process and checked against the global token (which moves when a village moves).
_COMMUNE_OF: dict[tuple[str, str], tuple[str, int]] = {}


def commune_token_of(kind: str, code: str, lookup: Callable[[], int | None]) -> str:
    """commune_token() of the commune a code belongs to (`lookup()`: its id, one query the
    first time in a process); one cache round trip after that."""
    known = _COMMUNE_OF.get((kind, code))
    if known is not None:
        global_token, commune_id = known
        keys = [GLOBAL, _commune_key(commune_id)]
        found = tokens(keys)
        if found[GLOBAL] == global_token:
            return ".".join(found[k] for k in keys)
    commune_id = lookup() or 0
    _COMMUNE_OF[(kind, code)] = (tokens([GLOBAL])[GLOBAL], commune_id)
    return commune_token(commune_id) if commune_id else "none"


def village_tokens(village_ids: Iterable[int]) -> dict[int, str]:
    ids = list(village_ids)
    found = tokens([_village_key(pk) for pk in ids])
    return {pk: found[_village_key(pk)] for pk in ids}


def _move(keys: list[str]) -> None:
    cache.set_many({key: _new_token() for key in keys}, None)
    local_cache.forget_public_versions()  # this process's next public page re-reads the tokens


# While a deferred() block runs (this thread / task), the keys bump() would move are collected
# here and moved once when the block ends.
_DEFERRED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("dv_deferred", default=None)


@contextlib.contextmanager
def deferred():
    """Collect every bump() of the block (the save signals of each row of a bulk write) and make
    them one bump at its end: the same tokens move, now and on commit, but with one cache round
    trip instead of two per row (the Excel import updating households; issue 21). Nested blocks
    join the outer one. On an exception the collected keys still move (never a stale part)."""
    if _DEFERRED.get() is not None:
        yield
        return
    collected: dict = {"keys": set(), "communes": set()}
    handle = _DEFERRED.set(collected)
    try:
        yield
    finally:
        _DEFERRED.reset(handle)
        keys = sorted(collected["keys"])
        if keys:
            _move(keys)
            transaction.on_commit(lambda: _move(keys))
        if collected["communes"]:
            _warm_later(collected["communes"])


def bump(*, communes: Iterable = (), villages: Iterable = (), everything: bool = False) -> None:
    """Move the tokens of these communes and villages (ids), or the global one: now and again
    when the current transaction commits. The communes of the villages must be given too."""
    keys = [_commune_key(pk) for pk in {c for c in communes if c is not None}]
    keys += [_village_key(pk) for pk in {v for v in villages if v is not None}]
    if everything:
        keys.append(GLOBAL)
    if not keys:
        return
    collecting = _DEFERRED.get()
    if collecting is not None:
        collecting["keys"].update(keys)
        if not everything:
            collecting["communes"].update(c for c in communes if c is not None)
        return
    _move(keys)
    transaction.on_commit(lambda: _move(keys))
    if everything:
        return
    _warm_later({c for c in communes if c is not None})


# --- Scan counts --------------------------------------------------------------------------------
# Scans move no data version (they would on every page view of a stamp), but a card that counts
# them (the officials' dashboard) is cached under a token of its own (`dv:s:<commune pk>`),
# moved by every write of scan rows: the buffered flush, the direct write (ocop.services).


def _scans_key(pk) -> str:
    return f"dv:s:{pk}"


def scans_token(commune_id: int) -> str:
    """The token of the commune's scan rows (part of the key of a part that counts them)."""
    key = _scans_key(commune_id)
    return tokens([key])[key]


def bump_scans(commune_ids: Iterable[int]) -> None:
    """Scan rows of these communes were written: now and when the transaction commits."""
    keys = [_scans_key(pk) for pk in {c for c in commune_ids if c is not None}]
    if not keys:
        return

    def move():
        cache.set_many({key: _new_token() for key in keys}, None)

    move()
    transaction.on_commit(move)


# --- Cached parts -------------------------------------------------------------------------------


def part_key(name: str, commune_id: int, *vary) -> str:
    raw = "|".join(str(v) for v in vary)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:24]
    language = get_language() or ""
    return f"dv:part:{name}:{commune_id}:{commune_token(commune_id)}:{language}:{digest}"


def cached_part(name: str, commune_id: int, compute: Callable[[], object], *vary):
    """The value of `compute()` (rendered HTML, or plain data) for one commune (or a village of
    it, named in `vary`), cached under the commune's data version and the language. `vary`
    holds everything else the part depends on (village, period, page, filters, the reader's
    role): never anything shared across communes."""
    key = part_key(name, commune_id, *vary)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PART_TIMEOUT)
    return value


def cached_part_of_communes(name: str, commune_ids: Iterable[int], compute, *vary):
    """cached_part() for a part that spans several communes (the province overview): the key
    holds every commune's token and the global one (one cache round trip for all of them), so
    a write in any of the communes makes the part unreachable. `vary` must hold the reader's
    scope (the communes it may read, sorted) and everything else the part depends on."""
    ids = sorted(set(commune_ids))
    keys = [GLOBAL, *(_commune_key(pk) for pk in ids)]
    found = tokens(keys)
    raw = "|".join([*(found[k] for k in keys), *(str(v) for v in vary), ",".join(map(str, ids))])
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    key = f"dv:parts:{name}:{get_language() or ''}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PART_TIMEOUT)
    return value


# --- Signals ------------------------------------------------------------------------------------


def _paths(model) -> tuple[str | None, str | None] | None:
    from core.access import ScopedQuerySet

    if model._meta.label in IGNORED:
        return None
    queryset = model._default_manager.get_queryset()
    if not isinstance(queryset, ScopedQuerySet):
        return None
    return queryset.village_path, queryset.commune_path


def _scope_of(model, pk, paths) -> tuple[int | None, int | None]:
    village_path, commune_path = paths
    wanted = [p for p in (village_path, commune_path) if p]
    row = model._base_manager.filter(pk=pk).values_list(*wanted).first()
    if row is None:
        return None, None
    values = dict(zip(wanted, row, strict=True))
    village = values.get(village_path) if village_path else None
    commune = values.get(commune_path) if commune_path else None
    if model._meta.label == "villages.Village":
        village = pk
    elif commune is None and village is not None:
        # A model reached through its village only (plates.AddressCorrection): every cached
        # part is keyed by the commune's token, so the commune must move too (core imports no
        # app above it: the model by its label).
        villages = apps.get_model("villages", "Village")._base_manager
        commune = villages.filter(pk=village).values_list("commune_id", flat=True).first()
    return village, commune


def _on_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    paths = _paths(sender)
    if paths is None:
        return
    if sender._meta.label in ("villages.Commune", "villages.Village"):
        bump(everything=True)  # a new or moved village: the public pages' code -> commune map
    if sender._meta.label == "villages.Commune":
        return
    village, commune = _scope_of(sender, instance.pk, paths)
    moved_from = getattr(instance, "_dv_before", None)
    villages = [village, *(moved_from or (None, None))[:1]]
    communes = [commune, *(moved_from or (None, None))[1:]]
    bump(communes=communes, villages=villages)


def _before_save(sender, instance, raw=False, **kwargs):
    """Remember the scope of a row before an update (it may move to another village)."""
    if raw or instance.pk is None or instance._state.adding:
        return
    paths = _paths(sender)
    if paths is None or sender._meta.label == "villages.Commune":
        return
    instance._dv_before = _scope_of(sender, instance.pk, paths)


def _on_delete(sender, instance, **kwargs):
    paths = _paths(sender)
    if paths is None:
        return
    if sender._meta.label == "villages.Commune":
        bump(everything=True)
        return
    village, commune = _scope_of(sender, instance.pk, paths)
    bump(communes=[commune], villages=[village])


def _on_m2m(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        _on_save(type(instance), instance)


def _on_global(sender, raw=False, **kwargs):
    if not raw:
        bump(everything=True)


GLOBAL_MODELS = ("criteria.CriteriaSet", "criteria.Criterion")


def connect() -> None:
    """Called once from core.apps.CoreConfig.ready."""

    post_save.connect(_on_save, dispatch_uid="dataversion-save")
    pre_save.connect(_before_save, dispatch_uid="dataversion-pre-save")
    pre_delete.connect(_on_delete, dispatch_uid="dataversion-delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="dataversion-m2m")
    for label in GLOBAL_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(_on_global, sender=model, dispatch_uid=f"dataversion-g-{label}")
        pre_delete.connect(_on_global, sender=model, dispatch_uid=f"dataversion-gd-{label}")


# --- Listeners --------------------------------------------------------------------------------

# Called with the ids of the communes whose token moved (e.g. dashboards warms their public
# pages in the background); registered by the apps above core from their ready().
LISTENERS: list[Callable[[set[int]], None]] = []


def _warm_later(commune_ids: set[int]) -> None:
    if not commune_ids:
        return
    for listener in LISTENERS:
        try:
            listener(commune_ids)
        except Exception:  # a listener never turns a write into an error
            logger.exception("data version listener failed")
