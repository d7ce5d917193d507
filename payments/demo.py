"""Demo cashless reports for Quảng Tân: 12 months ending last month, rising to the 2022
Quảng Ninh figures (electricity 85.75 % of payers / 97.2 % of value, water 77.7 % / 87.44 %,
state budget 98.4 % of value; DOMAIN.md §11). Deterministic and idempotent."""

from __future__ import annotations

import random

from villages.models import Commune

from .models import DEFAULT_SOURCE, CashlessReport, Category, current_period, month_start

MONTHS = 12
# category: (payers total, average VND per payer, payers % start -> end, value % start -> end)
PROFILE = {
    Category.ELECTRICITY: (2050, 460_000, (70.0, 85.75), (88.0, 97.2)),
    Category.WATER: (1380, 180_000, (62.0, 77.7), (76.0, 87.44)),
    Category.PUBLIC_FEES: (420, 95_000, (48.0, 61.5), (52.0, 65.77)),
    Category.HEALTH: (610, 320_000, (40.0, 58.0), (55.0, 72.5)),
    Category.SCHOOL_FEES: (930, 650_000, (72.0, 88.0), (80.0, 92.0)),
    Category.TAXES: (760, 2_400_000, (80.0, 92.5), (93.0, 98.4)),
    Category.SOCIAL_INSURANCE: (540, 1_100_000, (55.0, 70.0), (66.0, 81.0)),
    Category.RETAIL: (1800, 150_000, (22.0, 36.0), (30.0, 45.0)),
}
VILLAGE_CATEGORIES = [Category.ELECTRICITY, Category.WATER]
VILLAGE_NUMBERS = [1, 2, 3, 4, 5, 10]  # Tân Thanh (01) and five others


def _share(rng: random.Random, start: float, end: float, i: int) -> float:
    """Linear rise with a little noise; the last month lands exactly on `end`."""
    base = start + (end - start) * i / (MONTHS - 1)
    noise = 0.0 if i == MONTHS - 1 else rng.uniform(-1.2, 1.2)
    return max(0.0, min(100.0, base + noise)) / 100


def _figures(rng: random.Random, payers: int, per_payer: int, p_range, v_range, i: int) -> dict:
    payers_total = max(1, round(payers * rng.uniform(0.97, 1.03)))
    amount_total = round(payers_total * per_payer * rng.uniform(0.9, 1.15), -3)
    return {
        "payers_total": payers_total,
        "payers_cashless": round(payers_total * _share(rng, *p_range, i)),
        "amount_total": int(amount_total),
        "amount_cashless": int(round(amount_total * _share(rng, *v_range, i))),
    }


def seed_demo(commune: Commune, *, password: str = "", stdout=None) -> None:
    rng = random.Random(6913)
    end = month_start(current_period(), -1)
    months = [month_start(end, i - MONTHS + 1) for i in range(MONTHS)]
    villages = list(commune.villages.filter(number__in=VILLAGE_NUMBERS).order_by("number"))
    count = 0
    for category, (payers, per_payer, p_range, v_range) in PROFILE.items():
        for i, period in enumerate(months):
            CashlessReport.objects.update_or_create(
                commune=commune,
                village=None,
                period=period,
                category=category,
                defaults={
                    **_figures(rng, payers, per_payer, p_range, v_range, i),
                    "source": DEFAULT_SOURCE[category],
                    "note": "Demo",
                },
            )
            count += 1
        if category not in VILLAGE_CATEGORIES:
            continue
        for village in villages:
            # Each village ends a few points either side of the commune.
            offset = rng.uniform(-5, 3) if village.number != 1 else 3.0  # Tân Thanh leads
            village_p = (p_range[0] + offset, min(99.0, p_range[1] + offset))
            village_v = (v_range[0] + offset, min(99.5, v_range[1] + offset / 2))
            for i, period in enumerate(months):
                CashlessReport.objects.update_or_create(
                    commune=commune,
                    village=village,
                    period=period,
                    category=category,
                    defaults={
                        **_figures(rng, payers // 10, per_payer, village_p, village_v, i),
                        "source": DEFAULT_SOURCE[category],
                        "note": "Demo",
                    },
                )
                count += 1
    if stdout is not None:
        stdout.write(f"  cashless reports: {count} ({months[0]:%m/%Y}–{end:%m/%Y})")
