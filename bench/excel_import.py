"""Benchmark case: Excel import of households vs reading the same file with openpyxl alone.

Run by bench/run.py in a subprocess (so that the peak memory is this case's own):

    python bench/excel_import.py make FILE --village CODE [--village CODE ...] --households N
    python bench/excel_import.py read FILE
    python bench/excel_import.py import FILE --user USERNAME

`import` calls households.importer.import_apply (the same check + write as the Celery job) inside a
transaction that is rolled back, so the database is left as it was. Each mode prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make(path: Path, villages: list[str], households: int) -> dict:
    """One row per resident; 3 or 4 residents per household (35,000 for 10,000 households)."""
    import random

    from openpyxl import Workbook

    rng = random.Random(10)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Hộ gia đình")
    sheet.append(
        ["village", "household_number", "house_no", "lane", "household_phone", "has_fibre",
         "has_4g", "full_name", "relation", "birth_date", "sex", "id_number", "legacy_id",
         "phone", "status", "has_smartphone", "vneid_level", "has_epayment",
         "uses_online_services"]
    )  # fmt: skip
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"]
    given = {"Nam": ["Văn An", "Đức Bình", "Minh Cường", "Quang Dũng"],
             "Nữ": ["Thị Hoa", "Thị Lan", "Ngọc Mai", "Thu Trang"]}  # fmt: skip
    today = dt.date.today()
    serial = 0
    rows = 0
    for h in range(households):
        village = villages[h % len(villages)]
        number = f"NK{h + 1:06d}"
        size = 3 if h % 2 == 0 else 4
        head_age = rng.randint(28, 70)
        fam = rng.choice(family)
        people = [("Chủ hộ", "Nam", head_age), ("Vợ", "Nữ", head_age - rng.randint(0, 5))]
        people += [("Con", rng.choice(["Nam", "Nữ"]), rng.randint(1, 25)) for _ in range(size - 2)]
        phone = f"09{rng.randrange(10**8):08d}"
        for relation, sex, age in people:
            birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            id_number = ""
            if age >= 14:
                serial += 1
                digit = (birth.year // 100 - 19) * 2 + (0 if sex == "Nam" else 1)
                id_number = f"096{digit}{birth.year % 100:02d}{serial:06d}"
            sheet.append(
                [village, number, str(rng.randint(1, 200)), "Xóm 1", phone,
                 "có" if rng.random() < 0.7 else "không", "có",
                 f"{fam} {rng.choice(given[sex])}", relation, birth.strftime("%d/%m/%Y"), sex,
                 id_number, "", "", "", "có" if age >= 18 else "không",
                 rng.choice([0, 1, 2]) if age >= 14 else 0, "không", "không"]
            )  # fmt: skip
            rows += 1
    workbook.save(path)
    return {"rows": rows, "households": households, "bytes": path.stat().st_size}


def read(path: Path) -> dict:
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    workbook.close()
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mb": peak_mb()}


def run_import(path: Path, username: str) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from households.importer import import_apply

    user = get_user_model().objects.get(username=username)
    baseline = peak_mb()
    started = time.perf_counter()
    with transaction.atomic(), path.open("rb") as fileobj:
        result = import_apply(fileobj, user=user)
        transaction.set_rollback(True)  # leave the benchmark data set as it was
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "ok": result.ok,
        "rows": result.total_rows,
        "counts": result.counts,
        "errors": result.row_errors[:5] + [(0, e) for e in result.file_errors],
        "baseline_mb": baseline,
        "peak_mb": peak_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["make", "read", "import"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--village", action="append", default=[])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--user")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    if args.mode == "make":
        out = make(args.file, args.village, args.households)
    elif args.mode == "read":
        out = read(args.file)
    else:
        out = run_import(args.file, args.user)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
