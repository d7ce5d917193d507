"""Query budgets: every list, dashboard and public page costs the same number of queries at two
data sizes (small, then ~5x: 5x the households of a village, 5x the villages of the commune, more
OCOP products, stamps, assets and activities), and stays within its budget.

Every page listed must exist (a URL that no longer resolves fails: a renamed page must not drop
out of its budget silently) and answer 200. Public pages are measured with the cache emptied
first (the cold path is the one that could grow with the data).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from criteria.services import rollup_commune
from ocop.models import Stamp

# (id, persona fixture or None for anonymous, url template, budget). Budget = the queries measured
# on 2026-11-29 + 2 of headroom (apps still moving); the real check is "no growth with the data".
PAGES = [
    ("home", None, "/", 4),
    ("field_leader", "leader_a1", "/field/", 8),
    ("field_official", "official_a", "/field/", 8),
    ("field_village_filter", "official_a", "/field/?village={village_a1}", 8),
    ("followup", "leader_a1", "/field/followup/", 10),
    ("assets", "leader_a1", "/field/assets/", 7),
    ("team", "leader_a1", "/field/team/", 10),
    ("team_dashboard", "leader_a1", "/field/team/dashboard/", 17),
    ("payments", "official_a", "/payments/", 10),
    ("criteria_commune", "official_a", "/criteria/communes/{commune}/", 9),
    ("criteria_village", "official_a", "/criteria/villages/{village_code}/", 9),
    ("commune_public", None, "/communes/{commune}/", 6),
    ("ocop_catalogue", None, "/ocop/", 5),
    ("stamp_page", None, "/s/{serial}", 5),
    ("village_public", None, "/villages/{village_code}/", 8),
    ("dashboard", "official_a", "/dashboard/", 13),
    # The provincial office (issue 17): overview, its map's points, the A4 summary. Communes
    # growing in number: tests/provinces/test_overview.py (2 and 14 communes).
    ("province_overview", "province_office", "/province/22/", 17),
    ("province_map", "province_office", "/province/22/map.json", 15),
    ("province_report", "province_office", "/province/22/report/", 14),
]


def _url(template: str, data) -> str:
    stamp = (
        Stamp.objects.filter(batch__product__producer__village__commune=data.commune)
        .order_by("pk")
        .first()
    )
    a1 = data.villages[0]
    return template.format(
        commune=data.commune.code,
        village_a1=a1.pk,
        village_code=a1.code,
        serial=stamp.serial if stamp else "NONE",
    )


def _count(client, url: str) -> tuple[int, int]:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response.status_code, len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "persona", "template", "budget"), PAGES, ids=[p[0] for p in PAGES]
)
def test_queries_do_not_grow_with_data(
    request, client, perf_data, name, persona, template, budget, official_a, leader_a1
):
    path = template.split("?")[0].format(
        commune="00000", village_a1=1, village_code="00000-01", serial="X"
    )
    try:
        resolve(path)
    except Resolver404:
        pytest.fail(f"{path} does not resolve: update the page list (its budget is not checked)")
    if persona is not None:
        client.force_login(request.getfixturevalue(persona))
    rollup_commune(commune=perf_data.commune)
    url = _url(template, perf_data)
    client.get(url)  # warm-up: first-request caches (content types, translations, sessions)
    status, small = _count(client, url)
    assert status == 200, f"{url} answered {status}"

    perf_data.grow()
    rollup_commune(commune=perf_data.commune)
    url = _url(template, perf_data)
    client.get(url)
    status, large = _count(client, url)
    assert status == 200, f"{url} answered {status} after growing the data"

    assert large <= small, f"{url}: {small} queries on the small data set, {large} at ~5x"
    assert small <= budget, f"{url}: {small} queries, budget {budget}"


def test_the_data_set_really_grows(perf_data):
    from households.models import Household, Resident

    a1 = perf_data.villages[0]
    before = Household.objects.filter(village=a1).count()
    villages_before = len(perf_data.villages)
    perf_data.grow()
    assert Household.objects.filter(village=a1).count() == 5 * before
    assert len(perf_data.villages) == 5 * villages_before
    assert Resident.objects.filter(household__village=a1).count() > 3 * 5 * before
