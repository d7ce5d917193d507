"""A village A1 with plated, unverified and code-less households; a team in A1 and in A2."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from digital_teams.models import DigitalTeam, TeamMember
from households.models import DigitalAddress
from tests.households.factories import HouseholdFactory, ResidentFactory

NAMES = ["Phạm Thị Riêng Tư", "Đỗ Văn Kín Đáo", "Hoàng Bí Mật"]
PHONES = ["0911222333", "0988777666", "0355444111"]


@pytest.fixture(autouse=True)
def _media(request, settings, tmp_path):
    if request.node.get_closest_marker("worker"):
        return  # the real worker writes where .ci/run told both of them, with its SITE_URL
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.SITE_URL = "https://thon.example.vn"


def make_household(village, number, *, code=None, verified=True, house_no="", lane="Xóm Đông"):
    household = HouseholdFactory(
        village=village, number=str(number), house_no=house_no, lane=lane, phone=PHONES[0]
    )
    for i, (name, phone) in enumerate(zip(NAMES, PHONES, strict=True)):
        ResidentFactory(
            household=household,
            full_name=f"{name} {number}",
            phone=phone,
            relation="head" if i == 0 else "child",
        )
    if code is not False:
        DigitalAddress.objects.create(
            household=household,
            location_code=code,
            latitude="21.355123",
            longitude="107.595456",
            source="police",
            verified_on=dt.date(2026, 3, 2) if verified else None,
            postcode="01915",
        )
    return household


def _team(village, user, role):
    team = DigitalTeam.objects.create(
        village=village,
        decision_number="1/QĐ-UBND",
        decision_date=dt.date(2022, 1, 1),
        founded_on=dt.date(2022, 1, 1),
    )
    TeamMember.objects.create(team=team, user=user, full_name=f"Tổ {user.username}", role=role)
    return team


@pytest.fixture
def plated(village_a1, village_a2, official_a, leader_a1, member_a1, leader_a2):
    h1 = make_household(village_a1, 1, code="QT0100001", house_no="12")
    h2 = make_household(village_a1, 2, code="QT0100002", house_no="14B", lane="Ngõ 3 Xóm Tây")
    h3 = make_household(village_a1, 3, code="QT0100003", verified=False)
    h4 = make_household(village_a1, 4, code=None)
    h5 = make_household(village_a1, 5, code=False)
    other = make_household(village_a2, 9, code="QT0200009", house_no="7")
    team_a1 = _team(village_a1, leader_a1, "leader")
    TeamMember.objects.create(team=team_a1, user=member_a1, full_name="Tổ viên A1")
    team_a2 = _team(village_a2, leader_a2, "leader")
    return SimpleNamespace(
        h1=h1, h2=h2, h3=h3, h4=h4, h5=h5, other=other, team_a1=team_a1, team_a2=team_a2
    )


@pytest.fixture
def order(django_capture_on_commit_callbacks):
    """order(village=..., user=..., ...) -> the batch, rendered (eager task run on commit)."""
    from plates.services import plate_batch_create

    def _order(**kwargs):
        kwargs.setdefault("size", "300x200")
        with django_capture_on_commit_callbacks(execute=True):
            batch = plate_batch_create(**kwargs)
        batch.refresh_from_db()
        return batch

    return _order
