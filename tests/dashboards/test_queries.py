"""Query budgets: the dashboards read snapshots, so page costs do not grow with the data."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from criteria.services import rollup_commune

pytestmark = pytest.mark.django_db

PUBLIC_BUDGET = 7  # + the cache version (latest roll-up id) of the whole-page cache
CACHED_BUDGET = 1
OFFICIAL_BUDGET = 11


def grow(world, commune_a, village_a1, village_a2):
    world.households(village_a1, 40, start=100)
    world.households(village_a2, 25, start=100)
    world.infrastructure(village_a2)
    rollup_commune(commune=commune_a)
    cache.clear()


def test_public_page_constant_queries(
    client, world, commune_a, village_a1, village_a2, django_assert_max_num_queries
):
    url = reverse("dashboards:village_public", args=[village_a1.code])
    with django_assert_max_num_queries(PUBLIC_BUDGET):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(CACHED_BUDGET):
        assert client.get(url).status_code == 200
    grow(world, commune_a, village_a1, village_a2)
    with django_assert_max_num_queries(PUBLIC_BUDGET):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(CACHED_BUDGET):
        assert client.get(url).status_code == 200


def test_cached_page_costs_no_query(client, world, village_a1, django_assert_num_queries):
    url = reverse("dashboards:village_public", args=[village_a1.code])
    client.get(url)
    with django_assert_num_queries(0):  # its key: the commune's data version, from the cache
        client.get(url)


def test_official_dashboard_constant_queries(
    client, world, official_a, commune_a, village_a1, village_a2, django_assert_max_num_queries
):
    client.force_login(official_a)
    with django_assert_max_num_queries(OFFICIAL_BUDGET):
        assert client.get("/dashboard/").status_code == 200
    grow(world, commune_a, village_a1, village_a2)
    with django_assert_max_num_queries(OFFICIAL_BUDGET):
        assert client.get("/dashboard/").status_code == 200
