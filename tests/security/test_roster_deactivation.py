"""Finding 5 (docs/security.md): "deactivate" on the team roster ends the member's access,
by the same rule as the admin's membership action (villages.services.team_accounts_deactivate).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from digital_teams.models import TeamMember
from tests.digital_teams.factories import DigitalTeamFactory, TeamMemberFactory
from villages import services
from villages.models import Membership

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-123"


def log_in(username: str) -> Client:
    device = Client()
    response = device.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login refused"
    return device


@pytest.fixture
def roster(village_a1, member_a1):
    team = DigitalTeamFactory(village=village_a1)
    return TeamMemberFactory(
        team=team, user=member_a1, full_name="Đoàn Viên Một", role=TeamMember.Role.MEMBER
    )


def test_deactivated_member_loses_session_and_login(login, leader_a1, member_a1, roster):
    phone = log_in("member_a1")  # before: the member works in the field portal
    assert phone.get("/field/").status_code == 200

    response = login(leader_a1).post(
        reverse("digital_teams:teammember_deactivate", args=[roster.pk])
    )
    assert response.status_code == 302

    # After: the open session is gone...
    response = phone.get("/field/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # ...and a fresh login with the right password is refused.
    response = Client().post("/accounts/login/", {"username": "member_a1", "password": PASSWORD})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert get_user_model().objects.get(pk=member_a1.pk).is_active is False
    roster.refresh_from_db()
    assert not roster.is_active


def test_roster_and_admin_use_one_rule(
    login, official_a, leader_a1, member_a1, roster, monkeypatch
):
    calls = []
    real = services.team_accounts_deactivate

    def spy(*, memberships):
        calls.append(sorted(memberships.values_list("user_id", flat=True)))
        return real(memberships=memberships)

    monkeypatch.setattr(services, "team_accounts_deactivate", spy)
    monkeypatch.setattr("villages.admin.team_accounts_deactivate", spy)
    monkeypatch.setattr("digital_teams.views.team_accounts_deactivate", spy)
    login(leader_a1).post(reverse("digital_teams:teammember_deactivate", args=[roster.pk]))
    membership = Membership.objects.get(user=member_a1)
    login(official_a).post(
        reverse("admin:villages_membership_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [membership.pk]},
    )
    assert calls == [[member_a1.pk], [member_a1.pk]]


def test_roster_never_deactivates_officials(login, official_a, leader_a1, village_a1):
    """An official linked to a roster row (as a superuser could do) keeps their account."""
    team = DigitalTeamFactory(village=village_a1)
    row = TeamMemberFactory(team=team, user=official_a, full_name="Cán Bộ", role="member")
    Membership.objects.create(user=official_a, commune=village_a1.commune, village=village_a1,
                              role="member")  # fmt: skip
    login(leader_a1).post(reverse("digital_teams:teammember_deactivate", args=[row.pk]))
    assert get_user_model().objects.get(pk=official_a.pk).is_active is True


def test_a_roster_row_without_account_is_only_marked(login, leader_a1, village_a1, member_a1):
    team = DigitalTeamFactory(village=village_a1)
    row = TeamMemberFactory(team=team, user=None, full_name="Không Tài Khoản")
    login(leader_a1).post(reverse("digital_teams:teammember_deactivate", args=[row.pk]))
    row.refresh_from_db()
    assert not row.is_active
    assert get_user_model().objects.get(pk=member_a1.pk).is_active is True
