"""Measured effect of the fixes the benchmark calls for, before they are merged into their apps.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartvillage_bench \\
        .venv/bin/python bench/experiments.py [household_list] [stamp_scan] [covering_index]

Each experiment swaps in the proposed code (monkeypatch, this process only) or creates the proposed
index on the benchmark database (dropped again afterwards), and times the same request with and
without it, alternating the two so that a load change on the shared machine hits both alike.
The proposed code is the code of bench/fixes.diff (the diff to apply; this file swaps it in
without touching the apps).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)

REPEAT = 15


# --- Proposed code (kept identical to docs/performance.md) -----------------------------------


def proposed_household_list_queryset(user, *, village_id=None, q="", flags=()):
    """households/views.py: per-household figures as correlated subqueries, computed only for the
    25 rows of the page (the paginator's COUNT no longer aggregates every resident in scope)."""
    from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce

    from households import crypto
    from households.models import DigitalAddress, Household, Resident, adult_born_before

    cut = adult_born_before()
    adults = Resident.objects.filter(
        household=OuterRef("pk"), status=Resident.Status.PRESENT, birth_date__lte=cut
    )
    of_household = Resident.objects.filter(household=OuterRef("pk")).order_by().values("household")
    present = of_household.filter(status=Resident.Status.PRESENT)
    adult = present.filter(birth_date__lte=cut)

    def count(residents):
        return Coalesce(
            Subquery(
                residents.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
            ),
            0,
        )

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
            adult_count=count(adult),
            adult_vneid2=count(adult.filter(vneid_level=2)),
            adult_epay=count(adult.filter(has_epayment=True)),
            has_address=Exists(DigitalAddress.objects.filter(household=OuterRef("pk"))),
        )
        .order_by("village__number", "number")
    )
    if village_id:
        qs = qs.filter(village_id=village_id)
    if q:
        cond = Q(number__iexact=q) | Q(house_no__iexact=q) | Q(lane__icontains=q)
        cond |= Exists(Resident.objects.filter(household=OuterRef("pk"), full_name__icontains=q))
        digits = q.replace(" ", "")
        if digits.isdigit() and len(digits) == 12:
            cond |= Exists(
                Resident.objects.filter(
                    household=OuterRef("pk"), id_number_digest=crypto.digest(digits)
                )
            )
        elif digits.isdigit() and len(digits) >= 3:
            cond |= Exists(
                Resident.objects.filter(household=OuterRef("pk"), id_number_tail=digits[-3:])
            )
        qs = qs.filter(cond)
    if "vneid" in flags:
        qs = qs.filter(Exists(adults.filter(vneid_level__lt=2)))
    if "epay" in flags:
        qs = qs.filter(Exists(adults.filter(has_epayment=False)))
    if "address" in flags:
        qs = qs.filter(~Exists(DigitalAddress.objects.filter(household=OuterRef("pk"))))
    if "fibre" in flags:
        qs = qs.filter(has_fibre=False)
    return qs


def proposed_stamp_scan_record(*, stamp, ip, user_agent) -> None:
    """ocop/services.py: the scan row and the counters in ONE transaction (one commit instead of
    two), committed without waiting for the WAL flush (PostgreSQL `synchronous_commit = off` for
    this transaction only: a crash may lose the last ~0.6 s of scan rows, never corrupt them)."""
    from django.db import connection, transaction
    from django.db.models import DateTimeField, F, Value
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from ocop.models import Stamp, StampScan
    from ocop.services import client_hash, ua_family

    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        StampScan.objects.create(
            stamp=stamp,
            scanned_at=now,
            client_hash=client_hash(ip),
            ua_family=ua_family(user_agent),
        )
        Stamp.objects.filter(pk=stamp.pk).update(
            scan_count=F("scan_count") + 1,
            last_scan_at=now,
            first_scan_at=Coalesce(F("first_scan_at"), Value(now, output_field=DateTimeField())),
        )


def proposed_check_against_database(groups: dict, result, user) -> None:
    """households/importer.py `_check_against_database`: the ID numbers of the file are looked up
    in chunks of 1,000 digests (about 30 queries for 35,000 residents) instead of one
    `id_number_conflict` query per resident; the conflict message is built only for the numbers
    that really are taken."""
    from collections import defaultdict

    from django.utils.translation import gettext

    from households import crypto
    from households.importer import _fold
    from households.models import Household, Resident
    from households.services import id_number_conflict

    village_ids = {key[0] for key in groups}
    existing = {
        (h.village_id, h.number): h.pk
        for h in Household.objects.filter(village_id__in=village_ids).only(
            "id", "village_id", "number"
        )
    }
    residents_by_household = defaultdict(list)
    for r in Resident.objects.filter(household__village_id__in=village_ids).only(
        "id", "household_id", "full_name", "birth_date", "relation", "id_number_digest"
    ):
        residents_by_household[r.household_id].append(r)
    digests = sorted(
        {
            crypto.digest(row.values["id_clean"])
            for group in groups.values()
            for row in group.rows
            if row.values["id_clean"]
        }
    )
    taken: dict[str, int] = {}
    for start in range(0, len(digests), 1000):
        taken.update(
            Resident.objects.filter(id_number_digest__in=digests[start : start + 1000]).values_list(
                "id_number_digest", "pk"
            )
        )
    seen_ids: dict[str, int] = {}
    counts = dict.fromkeys(
        ("households_new", "households_updated", "residents_new", "residents_updated"), 0
    )
    for key, group in groups.items():
        group.household_id = existing.get(key)
        current = residents_by_household.get(group.household_id, [])
        by_digest = {r.id_number_digest: r for r in current if r.id_number_digest}
        by_name = {(_fold(r.full_name), r.birth_date): r for r in current}
        final_relation = {r.pk: r.relation for r in current}
        new_heads = 0
        matched: set[int] = set()
        for row in group.rows:
            v = row.values
            d = crypto.digest(v["id_clean"]) if v["id_clean"] else None
            v["digest"] = d
            match = by_digest.get(d) if d else None
            match = match or by_name.get((_fold(v["full_name"]), v["birth"]))
            if match is not None and match.pk in matched:
                row.errors.append(gettext("This resident appears twice in the file."))
                continue
            if d:
                if d in seen_ids:
                    row.errors.append(
                        gettext("This ID number is also on row %(row)s.") % {"row": seen_ids[d]}
                    )
                seen_ids.setdefault(d, row.number)
                owner = taken.get(d)
                if owner is not None and (match is None or owner != match.pk):
                    message = id_number_conflict(
                        number=v["id_clean"], user=user, exclude_pk=match.pk if match else None
                    )
                    if message:
                        row.errors.append(message)
            v["match_pk"] = match.pk if match else None
            if match is not None:
                matched.add(match.pk)
                final_relation[match.pk] = v["relation_key"]
                counts["residents_updated"] += 1
            else:
                counts["residents_new"] += 1
                if v["relation_key"] == "head":
                    new_heads += 1
        heads = new_heads + sum(1 for rel in final_relation.values() if rel == "head")
        if heads != 1:
            message = (
                gettext("Household %(number)s has no head of household.")
                if heads == 0
                else gettext(
                    "Household %(number)s has %(count)s heads; a household has exactly one."
                )
            ) % {"number": group.number, "count": heads}
            group.rows[0].errors.append(message)
        counts["households_updated" if group.household_id else "households_new"] += 1
    result.counts = counts


def proposed_import_apply(fileobj, *, user, progress=None):
    """households/importer.py `import_apply`: new households and their residents are written with
    `bulk_create_with_history` (1,000 rows per INSERT, history rows included) instead of two
    INSERTs (row + history) per household and per resident; households already in the register
    keep the row-by-row path (select_for_update, version + 1). Same checks, one transaction."""
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from households import importer
    from households.models import Household, Resident

    chunk = 1000
    done = 0
    with transaction.atomic():
        result = importer.import_check(fileobj, user=user)
        if not result.ok:
            return result
        new_groups = []
        for group in result.groups.values():
            if not group.household_id:
                new_groups.append(group)
                continue
            # Existing household: unchanged row-by-row code (see the current import_apply).
            first = group.rows[0].values
            household = Household.objects.select_for_update().get(pk=group.household_id)
            household.version += 1
            _fill_household(household, first)
            household._history_user = user
            household.save()
            for row in sorted(group.rows, key=lambda r: r.values["relation_key"] == "head"):
                v = row.values
                resident = (
                    Resident.objects.get(pk=v["match_pk"])
                    if v["match_pk"]
                    else Resident(household=household)
                )
                if resident.pk:
                    resident.version += 1
                _fill_resident(resident, v)
                resident._history_user = user
                resident.save()
                done += 1
        for start in range(0, len(new_groups), chunk):
            groups = new_groups[start : start + chunk]
            households = []
            for group in groups:
                household = Household(village=group.village, number=group.number)
                _fill_household(household, group.rows[0].values)
                households.append(household)
            bulk_create_with_history(households, Household, batch_size=chunk, default_user=user)
            residents = []
            for group, household in zip(groups, households, strict=True):
                for row in group.rows:
                    resident = Resident(household=household)
                    _fill_resident(resident, row.values)
                    residents.append(resident)
            bulk_create_with_history(residents, Resident, batch_size=chunk, default_user=user)
            done += len(residents)
            if progress:
                progress(done)
    if progress:
        progress(result.total_rows)
    return result


def _fill_household(household, first: dict) -> None:
    for key, attr in (("house_no", "house_no"), ("lane", "lane"), ("household_phone", "phone")):
        if first.get(key):
            setattr(household, attr, first[key])
    household.has_fibre = first["has_fibre"]
    household.has_4g = first["has_4g"]


def _fill_resident(resident, v: dict) -> None:
    resident.full_name = v["full_name"]
    resident.relation = v["relation_key"]
    resident.birth_date = v["birth"]
    resident.sex = v["sex_key"]
    if resident.status != v["status_key"] or (resident.pk is None and v["status_key"] != "present"):
        from django.utils import timezone

        resident.status_changed_on = timezone.localdate()  # retention starts here
    resident.status = v["status_key"]
    if v["id_clean"]:
        resident.set_id_number(v["id_clean"])
    if v["legacy_clean"]:
        resident.set_legacy_id(v["legacy_clean"])
    if v["phone"]:
        resident.phone = v["phone"]
    resident.has_smartphone = v["has_smartphone"]
    resident.vneid_level = v["vneid"]
    resident.has_epayment = v["has_epayment"]
    resident.uses_online_services = v["uses_online_services"]


_live_adults_epayment = None


def proposed_adults_epayment(*, commune, today=None):
    """payments/services.py `adults_epayment`: the live aggregate over every adult of the commune
    (~40 ms for 8,000 households) is cached, keyed by the commune's latest roll-up run and the day
    (a new roll-up, nightly or "Roll up now", gives a new key; at most a day old otherwise).
    In payments/services.py: rename the current function `_adults_epayment_live` and add this."""
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    from criteria.models import RollupRun

    day = today or timezone.localdate()
    run = (
        RollupRun.objects.filter(commune=commune)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    key = f"payments:adults-epayment:{commune.pk}:{run}:{day:%Y%m%d}"
    value = cache.get(key)
    if value is None:
        value = _live_adults_epayment(commune=commune, today=today)
        cache.set(key, value, int(dt.timedelta(days=1).total_seconds()))
    return value


COVERING_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS resident_household_cover "
    "ON households_resident (household_id) INCLUDE (status, birth_date, relation, "
    "has_smartphone, vneid_level, has_epayment)"
)


# --- Measuring ------------------------------------------------------------------------------


@contextmanager
def patched(module, name, value):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def alternate(request, patch) -> tuple[float, float]:
    """Median time of `request()` without and with `patch` (a context manager factory)."""
    before, after = [], []
    request()
    with patch():
        request()
    for _ in range(REPEAT):
        started = time.perf_counter()
        request()
        before.append(time.perf_counter() - started)
        with patch():
            started = time.perf_counter()
            request()
            after.append(time.perf_counter() - started)
    return statistics.median(before), statistics.median(after)


def queries_of(request) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        request()
    return len(ctx.captured_queries)


def show(label: str, before: float, after: float) -> None:
    print(f"{label:58} {before * 1000:8.1f} ms -> {after * 1000:8.1f} ms  ({before / after:.1f}x)")


def client_for(username: str | None):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_FOR="10.7.7.7")
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def first_scale():
    from villages.models import Commune, Village
    from villages.scale import scale_commune_codes

    commune = Commune.objects.filter(code__in=scale_commune_codes()).order_by("code").first()
    village = Village.objects.filter(commune=commune).order_by("number").first()
    return commune, village


def household_list() -> None:
    import households.views as views
    from villages.scale import official_username

    commune, village = first_scale()
    for who, username in (
        ("official, commune", official_username(commune.code)),
        ("leader, one village", f"scale-{village.code}-leader"),
    ):
        client = client_for(username)
        for url in ("/field/", "/field/?page=40", "/field/?f=epay"):

            def request(client=client, url=url):
                assert client.get(url).status_code == 200

            before, after = alternate(
                request,
                lambda: patched(
                    views, "_household_list_queryset", proposed_household_list_queryset
                ),
            )
            show(f"{url} ({who})", before, after)


class _UnorderedStamp:
    """ocop/views.py: `Stamp.objects.select_related(...).filter(serial=...).order_by().first()`
    (the Meta ordering batch -> StampBatch.ordering adds joins and compile time)."""

    class objects:  # noqa: N801
        @staticmethod
        def select_related(*fields):
            from ocop.models import Stamp

            return Stamp.objects.order_by().select_related(*fields)


def stamp_scan() -> None:
    import ocop.views as views
    from ocop.models import Stamp

    serial = Stamp.objects.filter(revoked=False).order_by("pk").values_list("serial", flat=True)[1]
    counter = [0]
    client = client_for(None)

    def request():
        counter[0] += 1
        n = counter[0]
        response = client.get(f"/s/{serial}", HTTP_X_FORWARDED_FOR=f"10.8.{n >> 8 & 255}.{n & 255}")
        assert response.status_code == 200, response.status_code

    before, after = alternate(
        request, lambda: patched(views, "stamp_scan_record", proposed_stamp_scan_record)
    )
    show("/s/<serial>: scan writes in one transaction, async commit", before, after)
    before, after = alternate(request, lambda: patched(views, "Stamp", _UnorderedStamp))
    show("/s/<serial>: stamp lookup without Meta ordering", before, after)
    trivial = statistics.median(_time(lambda: client.get("/bench/trivial/")) for _ in range(REPEAT))
    print(f"{'  trivial view, same client':58} {trivial * 1000:8.1f} ms")


def _time(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def covering_index() -> None:
    import datetime as dt

    from django.db import connection, transaction

    from bench.criteria_rollup import hand_written
    from criteria.services import rollup_commune
    from villages.scale import official_username

    commune, _village = first_scale()
    on = dt.date.today()
    client = client_for(official_username(commune.code))

    def rollup():
        with transaction.atomic():
            rollup_commune(commune=commune, on=on, trigger="bench")
            transaction.set_rollback(True)

    cases = [
        ("roll-up, one commune", rollup),
        ("hand-written SQL, one commune", lambda: hand_written(commune, on)),
        ("/payments/ (official)", lambda: client.get("/payments/")),
    ]
    timings = {}
    for label, function in cases:
        function()
        timings[label] = [statistics.median(_time(function) for _ in range(7))]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(COVERING_INDEX)
        cursor.execute("VACUUM (ANALYZE) households_resident")
    print(f"covering index + VACUUM: {time.perf_counter() - started:.1f} s")
    try:
        for label, function in cases:
            function()
            timings[label].append(statistics.median(_time(function) for _ in range(7)))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS resident_household_cover")
    for label, (before, after) in timings.items():
        show(label, before, after)


def import_check() -> None:
    """Checking the 10,000-household file (no writes): one query per ID number vs chunks."""
    import subprocess
    import tempfile

    from django.contrib.auth import get_user_model

    import households.importer as importer
    from households.importer import import_check as check
    from villages.models import Village
    from villages.scale import official_username

    commune, _village = first_scale()
    codes = list(Village.objects.filter(commune=commune).values_list("code", flat=True))
    path = Path(tempfile.mkdtemp()) / "import.xlsx"
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "excel_import.py"),
            "make",
            str(path),
            *sum((["--village", c] for c in codes), []),
            "--households",
            "10000",
        ],
        check=True,
        capture_output=True,
    )
    user = get_user_model().objects.get(username=official_username(commune.code))
    timings = []
    for patch in (False, True):
        started = time.perf_counter()
        with path.open("rb") as fileobj:
            if patch:
                with patched(importer, "_check_against_database", proposed_check_against_database):
                    result = check(fileobj, user=user)
            else:
                result = check(fileobj, user=user)
        timings.append(time.perf_counter() - started)
        print(f"  {'proposed' if patch else 'current '}: ok={result.ok} {result.counts}")
    show("import_check, 10,000 households / 35,000 residents", *timings)
    path.unlink()


def import_apply() -> None:
    """The whole import (check + write) of the 10,000-household file, rolled back: current code vs
    proposed (chunked ID look-ups + bulk writes with history)."""
    import subprocess
    import tempfile

    from django.contrib.auth import get_user_model
    from django.db import transaction

    import households.importer as importer
    from villages.models import Village
    from villages.scale import official_username

    commune, _village = first_scale()
    codes = list(Village.objects.filter(commune=commune).values_list("code", flat=True))
    path = Path(tempfile.mkdtemp()) / "import.xlsx"
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "excel_import.py"),
            "make",
            str(path),
            *sum((["--village", c] for c in codes), []),
            "--households",
            "10000",
        ],
        check=True,
        capture_output=True,
    )
    user = get_user_model().objects.get(username=official_username(commune.code))
    timings = []
    for patch in (False, True):
        started = time.perf_counter()
        with transaction.atomic(), path.open("rb") as fileobj:
            if patch:
                with patched(importer, "_check_against_database", proposed_check_against_database):
                    result = proposed_import_apply(fileobj, user=user)
            else:
                result = importer.import_apply(fileobj, user=user)
            from households.models import Resident

            written = Resident.objects.filter(household__number__startswith="NK").count()
            transaction.set_rollback(True)
        timings.append(time.perf_counter() - started)
        print(
            f"  {'proposed' if patch else 'current '}: ok={result.ok}, {written} residents written"
        )
    show("import_apply, 10,000 households / 35,000 residents", *timings)
    path.unlink()


def payments_overview() -> None:
    global _live_adults_epayment
    import payments.services as services
    from villages.scale import official_username

    commune, _village = first_scale()
    _live_adults_epayment = services.adults_epayment
    client = client_for(official_username(commune.code))

    def request():
        assert client.get("/payments/").status_code == 200

    before, after = alternate(
        request, lambda: patched(services, "adults_epayment", proposed_adults_epayment)
    )
    show("/payments/ (official): adults with e-payment cached", before, after)


def main() -> None:
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    chosen = sys.argv[1:] or ["household_list", "stamp_scan", "covering_index"]
    for name in chosen:
        print(f"== {name}")
        globals()[name]()


if __name__ == "__main__":
    main()
