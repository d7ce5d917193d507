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
    return {"village": village.code, "households": households, "assets": assets, "counts": counts}
