"""The officials' dashboard: who may open it, which commune it shows, what it shows."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from criteria.models import Assessment
from criteria.services import rollup_commune
from dashboards import selectors
from households.models import Resident

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["leader_a1", "member_a1", "leader_a2"])
def test_team_members_get_403(client, world, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/dashboard/").status_code == 403


def test_user_without_role_gets_403(client, world):
    user = get_user_model().objects.create_user("nobody", password="x-Secret-123")
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 403


def test_official_sees_their_commune(client, world, official_a):
    client.force_login(official_a)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Xã An Phú" in html and "Thôn Một" in html and "Thôn Hai" in html
    assert "Thôn Bê Một" not in html
    # Links to the work pages.
    for link in ("/criteria/communes/90001/", "/payments/", "/dashboard/map/", "/admin/"):
        assert link in html
    # Charts (SVG with a table alternative) and the "what moves us most" list.
    assert html.count("<svg") >= 4
    assert "Số liệu dạng bảng" in html
    assert "Việc cần làm để tiến nhanh nhất" in html
    # Officials read residents' data elsewhere, but the dashboard shows figures only.
    for resident in Resident.objects.all()[:20]:
        assert resident.full_name not in html


def test_official_cannot_open_another_commune(client, world, official_a, official_b):
    client.force_login(official_a)
    assert client.get("/dashboard/?commune=90002").status_code == 404
    client.force_login(official_b)
    html = client.get("/dashboard/").content.decode()
    assert "Thôn Bê Một" in html and "Thôn Một" not in html


def test_superuser_chooses_a_commune(client, world):
    admin = get_user_model().objects.create_superuser("root", password="x-Secret-123")
    client.force_login(admin)
    html = client.get("/dashboard/?commune=90002").content.decode()
    assert '<select class="form-select" id="dash-commune"' in html
    assert "Thôn Bê Một" in html


def test_kpis_show_the_change_since_the_previous_rollup(client, world, official_a, commune_a):
    client.force_login(official_a)
    Resident.objects.filter(household__village__commune=commune_a).update(vneid_level=2)
    rollup_commune(commune=commune_a)
    data = selectors.commune_dashboard(commune_a)
    vneid = next(f for f in data["kpi_citizen"] if f.code == "TTM.05")
    assert vneid.value == 100
    assert vneid.change == 50  # from 50 % to 100 %
    # The commune figure is the villages' snapshots added up.
    rows = Assessment.objects.filter(
        commune=commune_a, latest=True, criterion__indicator_key="vneid_level2"
    )
    assert vneid.numerator == sum(a.numerator for a in rows)
    assert vneid.denominator == sum(a.denominator for a in rows)
    html = client.get("/dashboard/").content.decode()
    assert "+50,0" in html


def test_dashboard_without_rollup(client, official_a):
    client.force_login(official_a)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert "Chưa tổng hợp" in response.content.decode()


def test_official_home_after_login(client, world, official_a):
    client.force_login(official_a)
    response = client.get("/after-login/")
    assert response["Location"] == "/dashboard/"
