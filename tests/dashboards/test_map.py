"""The map: officials of the commune and the village's own team only; no names on points."""

from __future__ import annotations

import json

import pytest

from households.models import Resident

pytestmark = pytest.mark.django_db


def data_url(village):
    return f"/dashboard/map/data.json?village={village.code}"


def test_anonymous_is_redirected(client, world, village_a1):
    for url in ("/dashboard/map/", data_url(village_a1)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["official_b", "leader_a2"])
def test_others_get_nothing_of_a1(client, world, request, persona, village_a1):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(data_url(village_a1)).status_code == 404
    assert client.get(f"/dashboard/map/?village={village_a1.code}").status_code == 404


@pytest.mark.parametrize("persona", ["official_a", "leader_a1", "member_a1"])
def test_officials_and_the_team_see_a1(client, world, request, persona, village_a1):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(data_url(village_a1))
    assert response.status_code == 200
    data = response.json()
    # 10 households, every third without a digital address.
    assert data["counts"]["no_address"] == 3
    assert len(data["households"]) == 7
    assert len(data["assets"]) == 9


def test_points_carry_no_names(client, world, official_a, village_a1):
    client.force_login(official_a)
    data = client.get(data_url(village_a1)).json()
    assert {tuple(sorted(h)) for h in data["households"]} == {("lat", "lon", "number", "status")}
    text = json.dumps(data, ensure_ascii=False)
    for resident in Resident.objects.filter(household__village=village_a1):
        assert resident.full_name not in text
        assert resident.phone not in text
        assert resident.id_number_masked not in text


def test_status_colours(client, world, official_a, village_a1):
    Resident.objects.filter(household__village=village_a1, household__number="1").update(
        vneid_level=2
    )
    client.force_login(official_a)
    data = client.get(data_url(village_a1)).json()
    status = {h["number"]: h["status"] for h in data["households"]}
    assert status["1"] == "complete"
    assert status["2"] == "missing"


def test_team_map_page_lists_only_their_village(client, world, leader_a1, village_a2):
    client.force_login(leader_a1)
    html = client.get("/dashboard/map/").content.decode()
    assert "Thôn Một" in html
    assert "Thôn Hai" not in html
    assert 'id="dash-map-config"' in html
    assert "<script>" not in html  # CSP: data passed as JSON, code in a static file


def test_official_map_page_offers_commune_villages(client, world, official_a, settings):
    settings.MAP_TILE_URL = ""
    client.force_login(official_a)
    html = client.get("/dashboard/map/").content.decode()
    assert "Thôn Một" in html and "Thôn Hai" in html and "Thôn Bê Một" not in html
    assert "dash-map-plain" in html


def test_tile_url_is_passed_to_the_map(client, world, official_a, settings):
    settings.MAP_TILE_URL = "https://tile.example.org/{z}/{x}/{y}.png"
    client.force_login(official_a)
    html = client.get("/dashboard/map/").content.decode()
    assert "https://tile.example.org/{z}/{x}/{y}.png" in html
    assert "dash-map-plain" not in html


def test_user_without_role_gets_403(client, world, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-Secret-123")
    client.force_login(user)
    assert client.get("/dashboard/map/").status_code == 403
    assert client.get("/dashboard/map/data.json?village=90001-01").status_code == 404


def test_map_data_carries_named_village_areas_for_a_background(client, world, official_a):
    """Without tiles the map drew dots on a blank square: each village's settled area, named."""
    from villages.models import Village

    village = Village.objects.filter(households__digital_address__isnull=False).first()
    client.force_login(official_a)
    data = client.get(f"/dashboard/map/data.json?village={village.code}").json()
    assert data["areas"], data.keys()
    current = [a for a in data["areas"] if a["current"]]
    assert len(current) == 1 and current[0]["name"] == village.name
    assert all(len(a["outline"]) >= 3 for a in data["areas"])


def test_a_leaders_map_links_back_to_the_field_portal_not_the_dashboard(
    client, world, leader_a1, village_a1
):
    client.force_login(leader_a1)
    html = client.get(f"/dashboard/map/?village={village_a1.code}").content.decode()
    assert 'href="/dashboard/"' not in html and 'href="/field/"' in html
