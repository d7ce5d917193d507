"""Import caps (issue 22, finding 2: import denial of service), measured and printed.

    .venv/bin/python bench/import_caps.py [--keep DIR]

Builds the issue's workbook (2.9 MB on disk, a sheet of one-cell rows unpacking to 980 MB, no
<dimension> tag), 200,000 small rows (180 KB: checked in the request) and payments' 300 MB /
blank-rows sheets, then runs the worker's first step on each in a fresh process (peak resident
memory from /proc/self/status VmHWM, Django and the project included): the time until the
refusal and the peak memory, against the issue's target (< 2 s, < 150 MB). The tests assert
the behaviour (tests/security/test_import_caps.py: refused at the row cap after unpacking at
most the cap's rows, < 150 MB); the time is only measured here, never asserted.
No database is needed (nothing is written).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.security.xlsx_bombs import BOMB_UNPACKED, MEASURE, ONE_CELL, write_workbook  # noqa: E402

TARGET_SECONDS, TARGET_MB = 2.0, 150.0
MB = 1024 * 1024


def household_header() -> list[str]:
    """The household template's Vietnamese header (so that the rows are what is refused)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings_test")
    import django

    django.setup()
    from django.utils import translation

    from households.importer import COLUMNS

    with translation.override("vi"):
        return [str(label) for _key, label, _required in COLUMNS]


def measure(script: Path, path: Path, unpacked_cap: int, importer: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smartvillage.settings_test",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, str(script), str(path), str(unpacked_cap), importer],
        capture_output=True, text=True, timeout=600, env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="write the workbooks here (default: a temporary folder)")
    options = parser.parse_args()
    folder = Path(options.keep or tempfile.mkdtemp(prefix="sv-import-caps-"))
    folder.mkdir(parents=True, exist_ok=True)
    header = household_header()
    default_cap = 50 * MB  # IMPORT_MAX_UNPACKED_SIZE's default
    bomb = write_workbook(folder / "bomb.xlsx", unpacked=BOMB_UNPACKED, header=header)
    rows = write_workbook(folder / "rows.xlsx", unpacked=200_000 * len(ONE_CELL), header=header)
    pay_big = write_workbook(folder / "pay-300mb.xlsx", unpacked=300 * MB, header=["x"])
    pay_blank = write_workbook(
        folder / "pay-blank.xlsx", unpacked=15 * MB, header=["x"], row=b"<row/>"
    )
    cases = [
        ("households: 980 MB sheet, default caps (archive check)", bomb, default_cap, "households"),
        ("households: 980 MB sheet, archive cap lifted (row cap while streaming)", bomb,
         2 * BOMB_UNPACKED, "households"),
        ("households: 200,000 small rows (inline size: in the request)", rows, default_cap,
         "households"),
        ("payments: 300 MB sheet (archive check, 20 MB)", pay_big, default_cap, "payments"),
        ("payments: 15 MB of blank rows (row cap 10,000)", pay_blank, default_cap, "payments"),
    ]  # fmt: skip
    script = folder / "measure.py"
    script.write_text(MEASURE)
    print(f"target: refused in < {TARGET_SECONDS:g} s with peak memory < {TARGET_MB:g} MB")
    print("| case | file | seconds | peak MB | met | outcome |\n|---|---:|---:|---:|---|---|")
    for label, path, cap, importer in cases:
        figures = measure(script, path, cap, importer)
        met = figures["seconds"] < TARGET_SECONDS and figures["peak_mb"] < TARGET_MB
        size = path.stat().st_size
        size = f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB"
        outcome = figures["outcome"].replace("\xa0", " ")[:70]
        print(
            f"| {label} | {size} | {figures['seconds']:.3f} | {figures['peak_mb']:.0f} | "
            f"{'yes' if met else '**no**'} | {outcome} |"
        )


if __name__ == "__main__":
    main()
