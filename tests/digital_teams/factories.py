"""Factories for the digital-team tests (households and residents kept minimal here)."""

import datetime

import factory

from digital_teams.models import DigitalTeam, TeamMember
from households.models import Household, Resident
from tests.factories import VillageFactory


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: f"{n + 1:03d}")
    house_no = factory.Sequence(lambda n: f"Số {n + 1}")
    lane = "Xóm Đông"
    phone = factory.Sequence(lambda n: f"09{n:08d}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.Sequence(lambda n: f"Người Dân {n}")
    birth_date = datetime.date(1980, 5, 17)
    sex = Resident.Sex.MALE
    relation = Resident.Relation.CHILD


class DigitalTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigitalTeam
        django_get_or_create = ("village",)

    village = factory.SubFactory(VillageFactory)
    decision_number = factory.Sequence(lambda n: f"{100 + n}/QĐ-UBND")
    decision_date = datetime.date(2022, 9, 20)
    founded_on = datetime.date(2022, 10, 1)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(DigitalTeamFactory)
    full_name = factory.Sequence(lambda n: f"Thành Viên {n}")
    role = TeamMember.Role.MEMBER
    position = TeamMember.Position.OTHER
    active_from = datetime.date(2022, 10, 1)
