"""The province overview on hand-counted snapshots: communes A and B of province 22, commune C
of province 33 (another office's)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from criteria.models import Assessment, CommuneGroup, CriteriaSet, RollupRun
from tests.factories import CommuneFactory, UserFactory, VillageFactory
from villages.roles import make_province_office


def _snapshot(commune, on, results):
    """A done run of `commune` on `on` with commune-level assessments {criterion: met}."""
    now = timezone.now()
    run = RollupRun.objects.create(
        commune=commune, on=on, started_at=now, finished_at=now, status="done"
    )
    for criterion, met in results.items():
        Assessment.objects.create(
            run=run,
            commune=commune,
            criterion=criterion,
            status="met" if met else "not_met",
            met=met,
            value=1 if met else 0,
            computed_at=now,
        )
    return run


@pytest.fixture
def province(db, commune_a, commune_b):
    crit = list(
        CriteriaSet.objects.get(code="QD319-2021-2025", is_active=True).criteria.order_by("order")[
            :3
        ]
    )
    commune_c = CommuneFactory(code="90003", name="Xã Cẩm Hà", province_code="33")
    for commune in (commune_a, commune_b, commune_c):
        VillageFactory(commune=commune, number=9)
    _snapshot(commune_a, dt.date(2025, 12, 1), {crit[0]: True, crit[1]: True, crit[2]: True})
    _snapshot(commune_b, dt.date(2025, 11, 1), {crit[0]: True, crit[1]: False, crit[2]: False})
    _snapshot(commune_c, dt.date(2025, 10, 1), {crit[0]: True, crit[1]: True, crit[2]: True})
    CommuneGroup.objects.create(
        commune=commune_a,
        period="2021-2025",
        group=1,
        decision_number="1/QĐ-UBND",
        decision_date=dt.date(2025, 1, 2),
    )
    office = UserFactory(username="vp_ntm_22")
    make_province_office(office, "22")
    return {"office": office, "criteria": crit, "c": commune_c}


def _lines(response):
    return [(line.commune.code, line.met, line.total) for line in response.context["lines"]]


def test_overview_counts_each_commune_and_each_criterion(province, client, commune_a):
    client.force_login(province["office"])
    response = client.get(reverse("provinces:overview", args=["22"]))
    assert response.status_code == 200
    assert _lines(response) == [("90001", 3, 3), ("90002", 1, 3)]  # not 90003 (province 33)
    lines = response.context["lines"]
    assert lines[0].group == 1 and lines[1].group is None
    assert lines[0].period == "2021-2025"
    assert lines[0].rolled_up_on == dt.date(2025, 12, 1)
    per = {c.code: (c.met, c.assessed) for c in response.context["criteria"]}
    c0, c1, c2 = (c.code for c in province["criteria"])
    assert per == {c0: (2, 2), c1: (1, 2), c2: (1, 2)}
    body = response.content.decode()
    assert reverse("provinces:commune_checklist", args=["22", "90001"]) in body
    assert "Xã Cẩm Hà" not in body


def test_overview_filters_and_sorts(province, client):
    client.force_login(province["office"])
    url = reverse("provinces:overview", args=["22"])
    c1 = province["criteria"][1].code
    assert _lines(client.get(url, {"status": "met"})) == [("90001", 3, 3)]
    assert _lines(client.get(url, {"status": "not_met"})) == [("90002", 1, 3)]
    assert _lines(client.get(url, {"group": "1"})) == [("90001", 3, 3)]
    assert _lines(client.get(url, {"group": "none"})) == [("90002", 1, 3)]
    assert _lines(client.get(url, {"criterion": c1, "status": "not_met"})) == [("90002", 1, 3)]
    assert [c for c, *_ in _lines(client.get(url, {"sort": "name"}))] == ["90001", "90002"]
    assert [c for c, *_ in _lines(client.get(url, {"sort": "date"}))] == ["90001", "90002"]


def test_another_province_and_other_roles_are_refused(province, client, official_a):
    client.force_login(province["office"])
    assert client.get(reverse("provinces:overview", args=["33"])).status_code == 404
    url = reverse("provinces:commune_checklist", args=["22", "90003"])  # C is in 33
    assert client.get(url).status_code == 404
    ok = client.get(reverse("provinces:commune_checklist", args=["22", "90002"]))
    assert ok.status_code == 200 and "Bình Minh" in ok.content.decode()
    client.force_login(official_a)  # a commune official follows no province
    response = client.get(reverse("provinces:overview", args=["22"]))
    assert response.status_code == 403


def test_province_scope_reaches_figures_never_people(province, world_free_household):
    """for_reader: the office reads assessments of both communes and no household at all."""
    from households.models import Household

    office = province["office"]
    assert Assessment.objects.for_reader(office).count() == 6
    assert Household.objects.for_reader(office).count() == 0
    assert Household.objects.for_user(office).count() == 0


@pytest.fixture
def world_free_household(commune_a):
    from households.models import Household

    return Household.objects.create(village=commune_a.villages.first(), number="1")


@pytest.mark.parametrize("extra", [0, 12])
def test_overview_queries_do_not_grow_with_communes(
    province, client, extra, django_assert_max_num_queries
):
    crit = province["criteria"]
    for n in range(extra):
        commune = CommuneFactory(code=f"91{n:03d}", name=f"Xã Số {n}", province_code="22")
        VillageFactory(commune=commune, number=1)
        _snapshot(commune, dt.date(2025, 9, 1), {crit[0]: bool(n % 2), crit[1]: True})
    client.force_login(province["office"])
    with django_assert_max_num_queries(17):
        response = client.get(reverse("provinces:overview", args=["22"]))
    assert len(response.context["lines"]) == 2 + extra


def test_demo_has_the_quang_ninh_office(db):
    from villages import demo
    from villages.models import ProvinceMembership

    demo.seed_demo(password="pw-demo-1")
    office = ProvinceMembership.objects.get(user__username="province")
    assert office.province_code == "22" and office.user.check_password("pw-demo-1")
    assert not office.user.is_staff


def test_a_merged_commune_is_marked_and_not_counted_per_criterion(
    province, client, commune_a, commune_b
):
    from villages.models import CommunePredecessor

    CommunePredecessor.objects.create(
        successor=commune_a,
        predecessor=commune_b,
        code=commune_b.code,
        name=commune_b.name,
        until=dt.date(2025, 12, 31),
        decision="1682/NQ-UBTVQH15",
    )
    client.force_login(province["office"])
    response = client.get(reverse("provinces:overview", args=["22"]))
    # Still listed with its last figures (history) ...
    assert _lines(response) == [("90001", 3, 3), ("90002", 1, 3)]
    body = response.content.decode()
    assert f"Đã sáp nhập vào {commune_a.name} sau 31/12/2025" in body
    # ... but each criterion counts only the communes that exist today.
    per = {c.code: (c.met, c.assessed) for c in response.context["criteria"]}
    assert set(per.values()) == {(1, 1)}
