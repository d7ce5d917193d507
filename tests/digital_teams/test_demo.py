"""Demo data: a team per village, 4-6 members led by the village leader, consistent history."""

import datetime

import pytest
from django.db.models import Count

from digital_teams import demo
from digital_teams.models import (
    AssistedChange,
    DigitalTeam,
    FollowUpAssignment,
    SupportActivity,
    TeamMember,
)
from households.models import Resident
from tests.factories import CommuneFactory, UserFactory, VillageFactory
from villages.roles import make_team_member

from .factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count()
        for m in (DigitalTeam, TeamMember, SupportActivity, AssistedChange, FollowUpAssignment)
    ]


@pytest.fixture
def demo_commune():
    commune = CommuneFactory(code="06913", name="Xã Quảng Tân")
    for n in (1, 2):
        village = VillageFactory(commune=commune, number=n, name=f"Tân {n}")
        user = UserFactory(username=f"leader{n:02d}", first_name="Văn Hùng", last_name="Nguyễn")
        make_team_member(user, village, leader=True)
    return commune


def test_seed_without_residents(demo_commune):
    demo.seed_demo(demo_commune, password="x")
    assert DigitalTeam.objects.count() == 2
    for team in DigitalTeam.objects.annotate(n=Count("members")):
        assert 4 <= team.n <= 6
        leader = team.members.get(role="leader")
        assert leader.position == "party_cell_secretary"
        assert leader.user.username == f"leader{team.village.number:02d}"
        assert team.decision_number.endswith("/QĐ-UBND") and team.decision_date.year == 2022
        # Active: an activity within the last 90 days.
        assert team.activities.filter(
            date__gte=datetime.date.today() - datetime.timedelta(days=90)
        ).exists()
    assert not AssistedChange.objects.exists()


def test_seed_with_residents_is_consistent_and_idempotent(demo_commune):
    for village in demo_commune.villages.all():
        for i in range(15):
            household = HouseholdFactory(village=village, number=f"{i + 1:03d}")
            ResidentFactory(household=household, relation="head")
            ResidentFactory(household=household, birth_date=datetime.date(2000, 1, 1))
    demo.seed_demo(demo_commune, password="x")
    first = counts()
    assert first[3] > 0  # some assisted changes
    # Every assisted change matches the registry now (nobody edited since).
    for change in AssistedChange.objects.select_related("resident"):
        value = getattr(change.resident, change.field)
        assert str(int(value)) == change.new_value
    assert (
        Resident.objects.filter(vneid_level=2).count()
        == AssistedChange.objects.filter(field="vneid_level").count()
    )
    demo.seed_demo(demo_commune, password="x")
    assert counts() == first
