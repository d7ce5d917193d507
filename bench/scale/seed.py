"""A province-scale data set for benchmarks (`manage.py seed_scale`), generated fast.

Communes come from the official list (province 22, Quảng Ninh, first; then the others). Each gets
villages, households with residents (~3.7 per household), digital addresses, village assets, a
digital team with members and 12 months of activities, 12 months of cashless reports, OCOP
producers/products with a ready stamp batch, an official and one team leader per village.

How it stays fast and small (see docs/performance.md):
- rows are written with PostgreSQL `COPY ... FROM STDIN (FORMAT csv)` from an in-memory buffer per
  batch (SQLite: `executemany`), never through model instances; primary keys are reserved from
  the table's sequence per batch so children can point at their parents without a round trip;
- households are streamed in batches (`--batch`, default 5,000 households ≈ 18,500 residents):
  one batch is generated while a writer thread sends the previous one (`COPY` runs in the server
  process, i.e. on the other core), and at most two batches wait in memory;
- every resident aged 14 or more gets a valid-format 12-digit ID number, stored exactly as the
  application does (households.crypto: Fernet ciphertext, HMAC digest, masked form, tail). Fernet
  costs ~12 µs and the digest ~4 µs per number on this machine (≈ 20 s for 1.2 M numbers), which
  is affordable, so there is no "fast path" that would make the data less realistic;
- ID numbers are unique by construction: the 6-digit serial is the resident's primary key modulo
  10^6 and the birth-registration province code changes every 10^6 keys;
- history tables (django-simple-history) are not filled: this data is "as loaded", not edited.

Every commune is written in its own transactions (one per batch), so an interrupted run leaves
partial communes: run again with `--reset`, which deletes the data of the scale communes with one
DELETE per table (no per-row signals).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from villages.models import Commune, Village

from .generator import Generator
from .options import USER_PREFIX, Options, ScaleError
from .writer import Sink, Stats, peak_rss_mb


def scale_commune_codes() -> set[str]:
    """Communes holding scale data: those whose scale official exists."""
    User = get_user_model()
    names = User.objects.filter(
        username__startswith=USER_PREFIX, username__endswith="-official"
    ).values_list("username", flat=True)
    return {n[len(USER_PREFIX) : -len("-official")] for n in names}


def choose_communes(n: int, *, load: Callable[..., object] | None = None) -> list[Commune]:
    """The first n communes of province 22, then of the other provinces, that hold no other data.

    Communes with villages that are not scale data (e.g. the demo's) are skipped; scale communes
    are kept (the caller refuses them unless --reset).
    """
    from villages.services import communes_load

    load = load or communes_load
    if Commune.objects.filter(province_code="22").count() < n:
        load(province_code="22")
    if Commune.objects.count() < n + 200:
        load()
    scale = scale_commune_codes()
    busy = set(
        Village.objects.exclude(commune__code__in=scale).values_list("commune__code", flat=True)
    )
    chosen = []
    for qs in (
        Commune.objects.filter(province_code="22"),
        Commune.objects.exclude(province_code="22"),
    ):
        for commune in qs.order_by("province_code", "code").iterator():
            if commune.code in busy:
                continue
            chosen.append(commune)
            if len(chosen) == n:
                return chosen
    raise ScaleError(f"Only {len(chosen)} communes are free; asked for {n}.")


def _scoped_models() -> list[tuple[type[models.Model], str]]:
    """Every model reachable from a commune through its ScopedQuerySet path, deepest first."""
    from django.apps import apps

    from core.access import ScopedQuerySet

    found = []
    for model in apps.get_models():
        qs = model._default_manager.all()
        if not isinstance(qs, ScopedQuerySet) or model in (Commune,):
            continue
        path = qs.commune_path or (qs.village_path and f"{qs.village_path}__commune_id")
        if path:
            found.append((model, path))
    return sorted(found, key=lambda item: -item[1].count("__"))


def reset_communes(codes: Iterable[str], *, stdout=None) -> dict[str, int]:
    """Delete every row of these (scale) communes, one raw DELETE per table, and their users."""
    codes = list(codes)
    ids = list(Commune.objects.filter(code__in=codes).values_list("pk", flat=True))
    deleted: dict[str, int] = {}
    if not ids:
        return deleted
    started = time.perf_counter()
    with transaction.atomic():
        for model, path in _scoped_models():
            rows = model._default_manager.filter(**{f"{path}__in": ids})
            # Many-to-many rows and history rows first (no database cascade for them).
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through
                key = m2m.m2m_field_name()
                n = through.objects.filter(**{f"{key}__{path}__in": ids})._raw_delete(
                    through._default_manager.db
                )
                deleted[through._meta.db_table] = n
            history = getattr(model, "history", None)
            if history is not None and hasattr(history, "model"):
                n = history.model.objects.filter(id__in=rows.values("pk"))._raw_delete(history.db)
                deleted[history.model._meta.db_table] = n
            # Rows of other models pointing here without being scoped (e.g. SET_NULL links).
            for rel in model._meta.related_objects:
                if rel.many_to_many or rel.on_delete != models.SET_NULL:
                    continue
                rel.related_model._default_manager.filter(
                    **{f"{rel.field.name}__in": rows.values("pk")}
                ).update(**{rel.field.name: None})
            deleted[model._meta.db_table] = rows._raw_delete(model._default_manager.db)
        User = get_user_model()
        users = User.objects.filter(
            username__startswith=USER_PREFIX, username__regex=rf"^{USER_PREFIX}({'|'.join(codes)})"
        )
        deleted["auth_user"], _ = users.delete()
    if stdout:
        total = sum(deleted.values())
        stdout.write(f"reset: {total:,} rows deleted in {time.perf_counter() - started:.1f} s\n")
    return deleted


def seed_scale(options: Options, *, reset: bool = False, stdout=None) -> Stats:
    """Generate the data set; refuses communes that already hold scale data unless `reset`."""
    stdout = stdout or sys.stdout
    if not 1 <= options.villages_per_commune <= 99:
        raise ScaleError("--villages-per-commune must be between 1 and 99.")
    if options.households_per_village < 1 or options.communes < 1 or options.batch < 100:
        raise ScaleError("Counts must be positive and --batch at least 100.")
    communes = choose_communes(options.communes)
    existing = scale_commune_codes() & {c.code for c in communes}
    if existing:
        if not reset:
            raise ScaleError(
                f"{len(existing)} of these communes already hold scale data "
                f"(e.g. {sorted(existing)[0]}): run again with --reset to replace it."
            )
        reset_communes(existing, stdout=stdout)
    stats = Stats()
    sink = Sink(stats)
    generator = Generator(options, sink, stats, stdout=stdout)
    stdout.write(
        f"seed_scale: {options.communes} communes x {options.villages_per_commune} villages x "
        f"{options.households_per_village} households on {connection.vendor} "
        f"(communes {communes[0].code}..{communes[-1].code})\n"
    )
    try:
        for index, commune in enumerate(communes):
            generator.commune(index, commune)
    finally:
        sink.flush()
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in stats.rows:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        stdout.write(f"ANALYZE: {time.perf_counter() - started:.1f} s\n")
    generator.progress(final=True)
    elapsed = time.perf_counter() - stats.started
    stdout.write(
        f"done in {elapsed:.1f} s: {stats.households:,} households, {stats.residents:,} residents "
        f"({stats.ids:,} with an encrypted ID number), peak RSS {peak_rss_mb():.0f} MB\n"
    )
    for table, n in sorted(stats.rows.items()):
        stdout.write(f"  {table}: {n:,}\n")
    return stats
