"""Read-side of the dashboards, by concern: figures (shared), the public village page, the
officials' commune dashboard and the village map.

Every function here runs a fixed number of queries whatever the number of residents,
households or villages (tests/dashboards/test_queries.py).
"""

from __future__ import annotations

from .figures import (
    CITIZEN_KEYS,
    NOT_ABOUT_PEOPLE,
    SHORT_NAMES,
    SMALL_COUNT,
    Figure,
    combined_figure,
    figure_from_assessment,
)
from .map import HouseholdStatus, map_points
from .official import VillageLine, commune_dashboard, scans_figure
from .public import (
    SetSummary,
    asset_counts,
    latest_run_subquery,
    team_members,
    village_cashless,
    village_for_public,
    village_products,
    village_public,
)

__all__ = [
    "CITIZEN_KEYS",
    "NOT_ABOUT_PEOPLE",
    "SHORT_NAMES",
    "SMALL_COUNT",
    "Figure",
    "HouseholdStatus",
    "SetSummary",
    "VillageLine",
    "asset_counts",
    "combined_figure",
    "commune_dashboard",
    "figure_from_assessment",
    "latest_run_subquery",
    "map_points",
    "scans_figure",
    "team_members",
    "village_cashless",
    "village_for_public",
    "village_products",
    "village_public",
]
