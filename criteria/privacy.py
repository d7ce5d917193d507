"""Small counts on public pages (docs/dashboards.md, "Small counts"): one rule for every page.

A count of fewer than 5 people or households can point at someone. On a public page no such
count may come back from what the page shows: the numerator, its complement (denominator minus
numerator), the percentage, the progress bar or the totals. A small numerator or complement is
printed as a bound ("< 5", "> 558") and so is the percentage ("< 0,9%", "> 99,1%"); a
denominator below 5 hides everything but the met / not met status. Counts of things (wifi
spots, cameras, OCOP products, villages) and officials' manual entries point at nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from criteria.formatting import format_value

SMALL_COUNT = 5

# Indicators that count things, not people or households: shown even when small.
NOT_ABOUT_PEOPLE = {
    "wifi_cultural_house",
    "cameras_connected",
    "cameras_connected_share",
    "digital_team_active",
    "ocop_products_estamp",
    "villages_meeting_smart_set",
}


def about_people(indicator_key: str) -> bool:
    """Manual criteria (no indicator) are an official's entry, not a count of people."""
    return bool(indicator_key) and indicator_key not in NOT_ABOUT_PEOPLE


def small_part(numerator, denominator) -> str:
    """ "all" (denominator < 5), "numerator" (< 5 counted), "complement" (< 5 not counted)."""
    if numerator is None or denominator is None:
        return ""
    if denominator < SMALL_COUNT:
        return "all"
    if numerator < SMALL_COUNT:
        return "numerator"
    if denominator - numerator < SMALL_COUNT:
        return "complement"
    return ""


@dataclass(frozen=True)
class PublicCounts:
    """What a public page prints of one figure: texts, never a small count of people."""

    value: str
    numerator: str
    denominator: str
    progress: int
    suppressed: bool


def _bound(percent: Decimal, *, up: bool) -> str:
    """A percentage bound with one decimal, rounded away from the true value."""
    step = Decimal("0.1")
    rounded = (percent / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return format_value(rounded * step, "percent")


def _count(value) -> str:
    return format_value(value, "count")


def public_counts(
    *, value, numerator, denominator, unit: str, indicator_key: str, met: bool, progress: int
) -> PublicCounts:
    """The public texts of a figure (see the module docstring)."""
    shown = format_value(value, unit)
    num = _count(numerator) if numerator is not None else ""
    den = _count(denominator) if denominator is not None else ""
    if not about_people(indicator_key):
        return PublicCounts(shown, num, den, progress, False)
    part = small_part(numerator, denominator)
    if not part:
        if unit == "count" and value is not None and value < SMALL_COUNT:
            return PublicCounts(f"< {SMALL_COUNT}", num, den, progress, True)
        return PublicCounts(shown, num, den, progress, False)
    small = f"< {SMALL_COUNT}"
    if part == "all":
        return PublicCounts("", small, small, 100 if met else 0, True)
    share = Decimal(SMALL_COUNT) * 100 / Decimal(denominator)
    if part == "numerator":
        shown = f"< {_bound(share, up=True)}" if unit == "percent" else small
        return PublicCounts(shown, small, den, 100 if met else 0, True)
    shown = f"> {_bound(100 - share, up=False)}" if unit == "percent" else shown
    bar = 100 if met else int(min(progress, 95) // 5 * 5)
    return PublicCounts(shown, f"> {_count(Decimal(denominator) - SMALL_COUNT)}", den, bar, True)


def public_pair(numerator, denominator) -> tuple[str, str]:
    """'n of d' people for a public page: a small n, a small d − n or a small d as a bound."""
    if numerator is None or denominator is None:
        return "–", "–"
    part = small_part(numerator, denominator)
    if part == "all":
        return f"< {SMALL_COUNT}", f"< {SMALL_COUNT}"
    if part == "numerator":
        return f"< {SMALL_COUNT}", _count(denominator)
    if part == "complement":
        return f"> {_count(denominator - SMALL_COUNT)}", _count(denominator)
    return _count(numerator), _count(denominator)
