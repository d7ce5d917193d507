"""The household list renders with a constant number of queries, whatever the village size."""

import datetime as dt

import pytest
from django.urls import reverse

from core import dataversion
from households.models import Household, Resident


def _fill(village, n, start=1):
    households = Household.objects.bulk_create(
        Household(village=village, number=str(i), lane="Xóm 2") for i in range(start, start + n)
    )
    residents = []
    for h in households:
        residents.append(
            Resident(
                household=h,
                full_name="Chủ Hộ",
                relation="head",
                sex="M",
                birth_date=dt.date(1970, 1, 1),
                vneid_level=2,
            )
        )
        residents.append(
            Resident(
                household=h,
                full_name="Con",
                relation="child",
                sex="F",
                birth_date=dt.date(2015, 1, 1),
            )
        )
    Resident.objects.bulk_create(residents)
    # bulk_create sends no signal: announce the write as the import does (core.dataversion).
    dataversion.bump(communes=[village.commune_id], villages=[village.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{}, {"q": "Chủ"}, {"f": ["vneid2", "epayment", "address"]}, {"page": "3"}]
)
def test_constant_queries_at_20_and_200_households(
    login, leader_a1, official_a, village_a1, django_assert_max_num_queries, params
):
    _fill(village_a1, 20)
    url = reverse("households:household_list")
    counts = {}
    for size_label, extra in (("small", 0), ("large", 180)):
        if extra:
            _fill(village_a1, extra, start=21)
        for user in (leader_a1, official_a):
            client = login(user)
            with django_assert_max_num_queries(12) as ctx:
                response = client.get(url, params)
            assert response.status_code == 200
            counts[(size_label, user.username)] = len(ctx.captured_queries)
    assert counts[("small", "leader_a1")] == counts[("large", "leader_a1")]
    assert counts[("small", "official_a")] == counts[("large", "official_a")]


@pytest.mark.django_db
def test_list_is_paginated(login, leader_a1, village_a1):
    _fill(village_a1, 60)
    client = login(leader_a1)
    first = client.get(reverse("households:household_list")).content.decode()
    assert "1/3" in first
    assert client.get(reverse("households:household_list"), {"page": "3"}).status_code == 200
