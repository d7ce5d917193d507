"""Print a results file of bench/run.py as the Markdown table of bench/README.md.

.venv/bin/python bench/report.py [bench/results/latest.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def fmt(value, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    return str(value)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results/latest.json")
    data = json.loads(path.read_text())
    scale = data["scale"]
    print(
        f"Run {data['date']} on {data['machine']['cpus']} CPUs ({data['machine']['platform']}, "
        f"Python {data['machine']['python']}), cache {data['cache']}: {scale['communes']} "
        f"communes, {scale['households']:,} households, {scale['residents']:,} residents; "
        f"whole run {data['seconds']:.0f} s.\n"
    )
    print("| case | median | reference | ratio | target | met | queries | notes |")
    print("|---|---:|---:|---:|---|---|---:|---|")
    for row in data["rows"]:
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        ratio = f"{row['ratio']:.2f}" if row.get("ratio") is not None else "–"
        notes = []
        spread = row.get("spread")
        if spread:
            notes.append(
                f"{spread['samples']} samples {fmt(spread['min'], row['unit'])}–"
                f"{fmt(spread['max'], row['unit'])}"
            )
        if row.get("scan_rows_written") is not None:
            notes.append(f"{row['scan_rows_written']:,} scan rows for {row['requests']:,} requests")
        if row.get("ratio_to_layout") is not None:
            notes.append(f"{row['ratio_to_layout']:.1f}x a tiny page in base.html")
        if row.get("p95") is not None:
            notes.append(f"p95 {row['p95'] * 1000:.1f} ms, {row.get('errors', 0)} errors")
        if row.get("note"):
            notes.append(row["note"])
        queries = "" if row.get("queries") is None else row["queries"]
        print(
            f"| {row['case']} | {fmt(row['value'], row['unit'])} | "
            f"{fmt(row.get('reference'), row['unit'])} | {ratio} | {row.get('target', '')} | "
            f"{met} | {queries} | {'; '.join(notes)} |"
        )


if __name__ == "__main__":
    main()
