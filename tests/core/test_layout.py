"""The shared layout: installable field portal, favicon, skip link, the team's own menu entries."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

MANIFEST = '<link rel="manifest" href="/field/manifest.webmanifest">'


@pytest.mark.parametrize("path", ["/field/", "/field/followup/", "/field/team/", "/field/assets/"])
def test_every_field_page_carries_the_manifest_and_theme_colour(path, leader_a1, login):
    page = login(leader_a1).get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert MANIFEST in html and '<meta name="theme-color"' in html
    assert "js/field-offline.js" in html


def test_favicon_and_skip_link_on_public_pages(client):
    html = client.get("/").content.decode()
    assert re.search(r'<link rel="icon"[^>]+favicon-32\.png', html)
    skip = html.index('href="#main"')
    assert skip < html.index("<nav") and 'id="main"' in html


def test_leader_menu_has_their_village_map_and_checklist(leader_a1, village_a1, login):
    client = login(leader_a1)
    html = client.get("/field/").content.decode()
    map_url = f"{reverse('dashboards:map')}?village={village_a1.code}"
    checklist = reverse("criteria:village_checklist", args=[village_a1.code])
    assert f'href="{map_url}"' in html and f'href="{checklist}"' in html
    assert client.get(map_url).status_code == 200
    assert client.get(checklist).status_code == 200


def test_anonymous_menu_has_no_team_entries(client):
    html = client.get("/").content.decode()
    assert "/dashboard/map/" not in html and "/criteria/villages/" not in html


@pytest.mark.parametrize(
    "path",
    ["/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/",
     "/accounts/reset/MQ/set-password/"],
)  # fmt: skip
def test_password_reset_pages_use_the_portal_layout_in_vietnamese(client, path):
    html = client.get(path).content.decode()
    assert "Django" not in html and "admin/css" not in html  # was the admin's look and CSS
    assert 'id="main"' in html and "Thôn thông minh" in html


def test_row_number_and_household_number_are_different_words(
    client, commune_a, village_a1, leader_a1, login
):
    """'No.' is 'STT' in a table's first column and 'Hộ số' before a household number."""
    from criteria.services import rollup_commune
    from tests.criteria.factories import HouseholdFactory

    rollup_commune(commune=commune_a)
    table = client.get(f"/communes/{commune_a.code}/").content.decode()
    assert ">STT</th>" in table and "Hộ số" not in table
    HouseholdFactory(village=village_a1, number="12")
    assert "Hộ số 12" in login(leader_a1).get("/field/").content.decode()
