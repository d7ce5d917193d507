import datetime

import pytest

from digital_teams.models import TeamMember

from .factories import DigitalTeamFactory, HouseholdFactory, ResidentFactory, TeamMemberFactory


@pytest.fixture
def team_a1(village_a1):
    return DigitalTeamFactory(village=village_a1)


@pytest.fixture
def team_a2(village_a2):
    return DigitalTeamFactory(village=village_a2)


@pytest.fixture
def team_b1(village_b1):
    return DigitalTeamFactory(village=village_b1)


@pytest.fixture
def tm_leader_a1(team_a1, leader_a1):
    return TeamMemberFactory(
        team=team_a1,
        user=leader_a1,
        full_name="Trưởng Tổ Một",
        role=TeamMember.Role.LEADER,
        position=TeamMember.Position.PARTY_CELL_SECRETARY,
    )


@pytest.fixture
def tm_member_a1(team_a1, member_a1):
    return TeamMemberFactory(
        team=team_a1,
        user=member_a1,
        full_name="Đoàn Viên Một",
        position=TeamMember.Position.YOUTH_UNION_SECRETARY,
    )


@pytest.fixture
def household_a1(village_a1):
    return HouseholdFactory(village=village_a1, number="001", phone="0912345678")


@pytest.fixture
def resident_a1(household_a1):
    """An adult in village A1 without VNeID level 2 nor e-payment."""
    return ResidentFactory(
        household=household_a1,
        full_name="Nguyễn Văn Cần",
        relation="head",
        birth_date=datetime.date(1975, 3, 2),
        vneid_level=1,
    )


@pytest.fixture
def household_b1(village_b1):
    return HouseholdFactory(village=village_b1, number="001")


@pytest.fixture
def resident_b1(household_b1):
    return ResidentFactory(household=household_b1, relation="head")
