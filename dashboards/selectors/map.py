"""The village map: households (number and status only) and assets, for users in scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from criteria import indicators
from villages.models import Village, VillageAsset


class HouseholdStatus:
    COMPLETE = "complete"  # every resident 14+ has VNeID level 2
    MISSING = "missing"  # someone 14+ still lacks VNeID level 2
    NO_ADDRESS = "no_address"


def map_points(user, village: Village, *, today: dt.date | None = None) -> dict:
    """Households (number and status only) and assets of a village the user may see.

    Status follows the criterion's step (indicators.vneid_level2): residents living here, 14+.
    """
    from households.models import Household

    today = today or timezone.localdate()
    step = indicators.get("vneid_level2").step
    eligible = step.population.q(today, prefix="residents__")
    rows = (
        Household.objects.for_user(user)
        .filter(village=village)
        .order_by("number_sort", "number")
        .values("number", "digital_address__latitude", "digital_address__longitude")
        .annotate(
            eligible=Count("residents", filter=eligible),
            done=Count("residents", filter=eligible & step.done_q(prefix="residents__")),
        )
    )
    households, counts = [], {HouseholdStatus.COMPLETE: 0, HouseholdStatus.MISSING: 0,
                              HouseholdStatus.NO_ADDRESS: 0}  # fmt: skip
    for r in rows:
        lat, lon = r["digital_address__latitude"], r["digital_address__longitude"]
        if lat is None or lon is None:
            counts[HouseholdStatus.NO_ADDRESS] += 1
            continue
        status = HouseholdStatus.COMPLETE if r["done"] >= r["eligible"] else HouseholdStatus.MISSING
        counts[status] += 1
        households.append(
            {"number": r["number"], "lat": float(lat), "lon": float(lon), "status": status}
        )
    labels = dict(VillageAsset.Kind.choices)
    assets = [
        {
            "kind": a["kind"],
            "label": str(labels.get(a["kind"], a["kind"])),
            "name": a["name"],
            "working": a["status"] == VillageAsset.Status.WORKING,
            "lat": float(a["latitude"]),
            "lon": float(a["longitude"]),
        }
        for a in VillageAsset.objects.for_user(user)
        .filter(village=village, latitude__isnull=False, longitude__isnull=False)
        .values("kind", "name", "status", "latitude", "longitude")
    ]
    return {
        "village": village.code,
        "households": households,
        "assets": assets,
        "counts": counts,
        "areas": village_areas(user, village),
    }


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain), counter-clockwise, of (lat, lon) points."""
    points = sorted(set(points))
    if len(points) < 3:
        return points

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in points:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(points):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def village_areas(user, village: Village) -> list[dict]:
    """The settled area of every village of the commune the user may see: the outline around
    its digital addresses (no boundary data ships with the portal, and none is needed offline),
    so the map has a background of named villages even without tiles. Outlines only: no point
    of another village's household is sent."""
    from households.models import DigitalAddress

    villages = {v.pk: v for v in Village.objects.for_user(user).filter(commune=village.commune_id)}
    points: dict[int, list[tuple[float, float]]] = {pk: [] for pk in villages}
    rows = DigitalAddress.objects.filter(
        household__village__in=list(villages), latitude__isnull=False, longitude__isnull=False
    ).values_list("household__village_id", "latitude", "longitude")
    for village_id, lat, lon in rows:
        points[village_id].append((round(float(lat), 4), round(float(lon), 4)))
    areas = []
    for pk, v in sorted(villages.items(), key=lambda item: item[1].number):
        outline = _hull(points[pk])
        if len(outline) >= 3:
            areas.append(
                {"name": v.name, "current": pk == village.pk, "outline": [list(p) for p in outline]}
            )
    return areas
