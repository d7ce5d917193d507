"""Benchmark: the criteria roll-up vs one hand-written SQL query per indicator.

Usage (uses whatever data is in the configured database; never part of the test run):

    DEBUG=true .venv/bin/python bench/criteria_rollup.py [--commune CODE] [--repeat N]
    DATABASE_URL=postgres://... .venv/bin/python bench/criteria_rollup.py --commune 06913

Default commune: the one with the most households (load a large data set first, e.g. the demo
or the performance issue's generator). The roll-up runs inside a transaction that is rolled
back, so the database is left as it was. Prints both timings (best of N) and their ratio, and the
number of queries of one roll-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.dates import month_start, years_before  # noqa: E402
from criteria.services import rollup_commune  # noqa: E402
from villages.models import Commune  # noqa: E402

# One grouped query per indicator, as a person would write it by hand (%(...)s parameters).
HAND_SQL = {
    "households_fibre": """
        SELECT h.village_id, COUNT(*), SUM(CASE WHEN h.has_fibre THEN 1 ELSE 0 END)
        FROM households_household h JOIN villages_village v ON v.id = h.village_id
        WHERE v.commune_id = %(commune)s GROUP BY h.village_id""",
    "households_digital_address": """
        SELECT h.village_id, COUNT(*), COUNT(a.id)
        FROM households_household h JOIN villages_village v ON v.id = h.village_id
        LEFT JOIN households_digitaladdress a ON a.household_id = h.id
        WHERE v.commune_id = %(commune)s GROUP BY h.village_id""",
    "adults_smartphone": """
        SELECT h.village_id, COUNT(*), SUM(CASE WHEN r.has_smartphone THEN 1 ELSE 0 END)
        FROM households_resident r JOIN households_household h ON h.id = r.household_id
        JOIN villages_village v ON v.id = h.village_id
        WHERE v.commune_id = %(commune)s AND r.status = 'present' AND r.birth_date <= %(adult)s
        GROUP BY h.village_id""",
    "vneid_level2": """
        SELECT h.village_id, COUNT(*), SUM(CASE WHEN r.vneid_level = 2 THEN 1 ELSE 0 END)
        FROM households_resident r JOIN households_household h ON h.id = r.household_id
        JOIN villages_village v ON v.id = h.village_id
        WHERE v.commune_id = %(commune)s AND r.status = 'present' AND r.birth_date <= %(teen)s
        GROUP BY h.village_id""",
    "adults_epayment": """
        SELECT h.village_id, COUNT(*), SUM(CASE WHEN r.has_epayment THEN 1 ELSE 0 END)
        FROM households_resident r JOIN households_household h ON h.id = r.household_id
        JOIN villages_village v ON v.id = h.village_id
        WHERE v.commune_id = %(commune)s AND r.status = 'present' AND r.birth_date <= %(adult)s
        GROUP BY h.village_id""",
    "wifi_cultural_house": """
        SELECT a.village_id, COUNT(*) FROM villages_villageasset a
        JOIN villages_village v ON v.id = a.village_id
        WHERE v.commune_id = %(commune)s AND a.kind = 'wifi' AND a.at_cultural_house
          AND a.status = 'working' GROUP BY a.village_id""",
    "cameras_connected": """
        SELECT a.village_id, COUNT(*),
               SUM(CASE WHEN a.connected AND a.status = 'working' THEN 1 ELSE 0 END)
        FROM villages_villageasset a JOIN villages_village v ON v.id = a.village_id
        WHERE v.commune_id = %(commune)s AND a.kind = 'camera' GROUP BY a.village_id""",
    "digital_team_active": """
        SELECT t.village_id, COUNT(s.id) FROM digital_teams_digitalteam t
        JOIN villages_village v ON v.id = t.village_id
        LEFT JOIN digital_teams_supportactivity s
          ON s.team_id = t.id AND s.date > %(since)s AND s.date <= %(on)s
        WHERE v.commune_id = %(commune)s GROUP BY t.village_id""",
    "ocop_products_estamp": """
        SELECT pr.village_id, COUNT(*), SUM(CASE WHEN EXISTS (
                 SELECT 1 FROM ocop_stampbatch b WHERE b.product_id = p.id
                 AND b.status = 'ready' AND b.revoked_at IS NULL) THEN 1 ELSE 0 END)
        FROM ocop_product p JOIN ocop_producer pr ON pr.id = p.producer_id
        JOIN villages_village v ON v.id = pr.village_id
        WHERE v.commune_id = %(commune)s AND p.stars >= 3
        GROUP BY pr.village_id""",
    "electricity_cashless_payers": """
        SELECT c.village_id, c.payers_total, c.payers_cashless FROM payments_cashlessreport c
        WHERE c.commune_id = %(commune)s AND c.category = 'electricity'
          AND c.village_id IS NOT NULL AND c.period = (
            SELECT MAX(c2.period) FROM payments_cashlessreport c2
            WHERE c2.village_id = c.village_id AND c2.category = 'electricity'
              AND c2.period <= %(on)s AND c2.period >= %(since_month)s)""",
}


def hand_written(commune: Commune, on: dt.date) -> int:
    params = {
        "commune": commune.pk,
        "on": on,
        "adult": years_before(on, 18),
        "teen": years_before(on, 14),
        "since": on - dt.timedelta(days=90),
        "since_month": month_start(on, -12),
    }
    rows = 0
    with connection.cursor() as cursor:
        for sql in HAND_SQL.values():
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


def orm_rollup(commune: Commune, on: dt.date) -> int:
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            rollup_commune(commune=commune, on=on, trigger="bench")
        transaction.set_rollback(True)
    return len(ctx.captured_queries)


def best_of(repeat: int, function) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commune", help="commune code (default: the most households)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.commune:
        commune = Commune.objects.get(code=args.commune)
    else:
        commune = (
            Commune.objects.annotate(n=Count("villages__households"))
            .filter(n__gt=0)
            .order_by("-n")
            .first()
        )
        if commune is None:
            sys.exit("No commune with households: load data first (manage.py seed_demo).")
    on = timezone.localdate()
    households = commune.villages.aggregate(n=Count("households"))["n"]
    print(f"commune {commune.code} {commune.name}: {households} households, "
          f"{commune.villages.count()} villages, database {connection.vendor}")  # fmt: skip
    queries = orm_rollup(commune, on)  # warm-up, and the query count
    orm = best_of(args.repeat, lambda: orm_rollup(commune, on))
    sql = best_of(args.repeat, lambda: hand_written(commune, on))
    print(f"roll-up (ORM, computes + writes snapshots): {orm * 1000:.1f} ms, {queries} queries")
    print(f"hand-written SQL, {len(HAND_SQL)} queries (counts only):  {sql * 1000:.1f} ms")
    print(f"ratio roll-up / hand-written SQL: {orm / sql:.2f}")


if __name__ == "__main__":
    main()
