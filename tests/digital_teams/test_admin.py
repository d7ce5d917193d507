"""Admin: officials see only their commune's teams; assisted changes are read-only."""

import pytest
from django.urls import reverse

from digital_teams.models import Outcome
from digital_teams.services import support_activity_record

pytestmark = pytest.mark.django_db


def test_official_sees_commune_teams_only(login, official_a, team_a1, team_a2, team_b1):
    page = login(official_a).get(reverse("admin:digital_teams_digitalteam_changelist"))
    assert page.status_code == 200
    teams = list(page.context["cl"].queryset)
    assert set(teams) == {team_a1, team_a2}


def test_official_b_gets_nothing_of_commune_a(login, official_b, team_a1, tm_leader_a1):
    client = login(official_b)
    change = reverse("admin:digital_teams_digitalteam_change", args=[team_a1.pk])
    assert client.get(change).status_code in (302, 404)
    dash = reverse("admin:digital_teams_digitalteam_dashboard", args=[team_a1.pk])
    assert client.get(dash).status_code == 404


def test_assisted_changes_are_read_only(login, official_a, team_a1, leader_a1, resident_a1):
    activity = support_activity_record(
        team=team_a1,
        user=leader_a1,
        date=team_a1.founded_on,
        kind="home_visit",
        outcomes={resident_a1: [Outcome.EPAYMENT]},
    )
    change = activity.changes.get()
    client = login(official_a)
    url = reverse("admin:digital_teams_assistedchange_change", args=[change.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert (
        client.post(
            reverse("admin:digital_teams_assistedchange_delete", args=[change.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    listing = client.get(reverse("admin:digital_teams_assistedchange_changelist"))
    assert resident_a1.full_name in listing.content.decode()


def test_team_change_page_with_members_inline(login, official_a, team_a1, tm_leader_a1):
    response = login(official_a).get(
        reverse("admin:digital_teams_digitalteam_change", args=[team_a1.pk])
    )
    assert response.status_code == 200
    assert "Trưởng Tổ Một" in response.content.decode()
