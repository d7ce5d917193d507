"""Growth of every case with the data (issue 21.5): the same cases at several sizes.

    .venv/bin/python bench/growth.py                       # from the results already written
    .venv/bin/python bench/growth.py --run 5,20            # first run the smaller sizes

Sizes: bench/results/growth-<n>.json written by `bench/run.py --database smartvillage_bench_<n>
--scale <n>x10x800 --only rollup,pages --out growth-<n>` (--run does exactly this, seeding a
size's database once), and the full run's bench/results/latest.json. Prints a Markdown table
(median per size, and the ratio to the same run's reference, which cancels the load of a shared
machine) and draws bench/growth.png. A page "grows" when its ratio at the largest size is more
than 1.5x its ratio at the smallest: nothing on a page should depend on the number of
households of the province (per-commune and per-village work is constant per page).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PLOT = ROOT / "bench" / "growth.png"
GROWS = 1.5
# Cases whose work is the whole province by definition (every commune on one page or run).
PER_PROVINCE = ("all communes", "province overview", "/api/v1/communes/")


def run_sizes(sizes: list[int], redis_url: str) -> None:
    for n in sizes:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "run.py"), "--database",
             f"smartvillage_bench_{n}", "--scale", f"{n}x10x800", "--only", "rollup,pages",
             "--out", f"growth-{n}", "--redis-url", redis_url],
            check=True, cwd=ROOT,
        )  # fmt: skip


def load() -> dict[int, dict]:
    """{households: report} of every size found."""
    reports = {}
    for path in [*RESULTS.glob("growth-*.json"), RESULTS / "latest.json"]:
        if path.exists():
            report = json.loads(path.read_text())
            reports[report["scale"]["households"]] = report
    return dict(sorted(reports.items()))


def case_name(row: dict) -> str:
    return re.sub(r"all \d+ communes", "all communes", row["case"]).strip()


def table(reports: dict[int, dict]) -> tuple[str, dict[str, dict[int, dict]]]:
    series: dict[str, dict[int, dict]] = {}
    for households, report in reports.items():
        parent = ""
        for row in report["rows"]:
            name = case_name(row)
            if not row["case"].startswith(" "):
                parent = name
            elif name.startswith("same,"):  # "  same, cache cold" belongs to the row above
                name = f"{parent}, cache cold"
            if row["unit"] != "s" or row["value"] is None or "seed" in row["case"]:
                continue
            series.setdefault(name, {})[households] = row
    sizes = list(reports)
    head = " | ".join(f"{reports[h]['scale']['communes']} communes ({h:,} hh)" for h in sizes)
    lines = [
        f"| case | {head} | ratio to reference, smallest → largest | grows |",
        "|---|" + "---:|" * len(sizes) + "---|---|",
    ]
    for name, by_size in series.items():
        cells = []
        for h in sizes:
            row = by_size.get(h)
            if row is None:
                cells.append("–")
                continue
            ms = row["value"] * 1000
            ratio = f" ({row['ratio']:.1f}x)" if row.get("ratio") else ""
            cells.append(f"{ms:,.1f} ms{ratio}")
        ratios = [by_size[h]["ratio"] for h in sizes if h in by_size and by_size[h].get("ratio")]
        grows = ""
        if any(word in name for word in PER_PROVINCE):
            grows = "with the communes (expected)"
        elif len(ratios) >= 2:
            grows = "**yes**" if ratios[-1] > GROWS * ratios[0] else "no"
        trend = f"{ratios[0]:.2f} → {ratios[-1]:.2f}" if len(ratios) >= 2 else ""
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {trend} | {grows} |")
    return "\n".join(lines), series


def plot(reports, series) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    sizes = list(reports)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 6.5))
    for name, by_size in series.items():
        xs = [h for h in sizes if h in by_size]
        if len(xs) < 2 or name.startswith(("trivial", "tiny", "info")):
            continue
        left.plot(xs, [by_size[h]["value"] * 1000 for h in xs], marker="o", label=name[:40])
        ratios = [by_size[h].get("ratio") for h in xs]
        if all(ratios):
            right.plot(xs, ratios, marker="o", label=name[:40])
    left.set(
        xscale="log", yscale="log", xlabel="households in the data set", ylabel="median (ms)",
        title="Time per case",
    )  # fmt: skip
    right.set(
        xscale="log", yscale="log", xlabel="households in the data set",
        ylabel="ratio to the same run's reference", title="Ratio to reference (load cancels)",
    )  # fmt: skip
    right.axhline(4, color="grey", linestyle="--", linewidth=0.8)
    right.axhline(2, color="grey", linestyle=":", linewidth=0.8)
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)
    print(f"written {PLOT.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="", help="comma list of commune counts to run first")
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    args = parser.parse_args()
    if args.run:
        run_sizes([int(x) for x in args.run.split(",")], args.redis_url)
    reports = load()
    if len(reports) < 2:
        sys.exit("bench: fewer than two sizes in bench/results (run with --run 5,20)")
    text, series = table(reports)
    print(text)
    (RESULTS / "growth.md").write_text(text + "\n", encoding="utf-8")
    plot(reports, series)


if __name__ == "__main__":
    main()
