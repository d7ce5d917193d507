"""A team leader on a phone: "my households", a home visit that activates VNeID level 2, and
the follow-up list that shrinks by one."""

import datetime

import pytest
from playwright.sync_api import expect

from digital_teams.models import AssistedChange, FollowUpAssignment, TeamMember
from households.models import Resident
from tests.digital_teams.factories import (
    DigitalTeamFactory,
    HouseholdFactory,
    ResidentFactory,
    TeamMemberFactory,
)


@pytest.fixture
def assigned_households(village_a1, leader_a1):
    team = DigitalTeamFactory(village=village_a1)
    leader = TeamMemberFactory(
        team=team,
        user=leader_a1,
        full_name="Nguyễn Văn Hùng",
        role=TeamMember.Role.LEADER,
        position=TeamMember.Position.PARTY_CELL_SECRETARY,
    )
    households = []
    for i, name in enumerate(["Trần Văn Bình", "Lê Thị Hoa", "Phạm Văn Nam"], start=1):
        household = HouseholdFactory(village=village_a1, number=f"{i:03d}", lane="Xóm Đông")
        ResidentFactory(
            household=household,
            full_name=name,
            relation="head",
            birth_date=datetime.date(1970 + i, 4, 1),
            vneid_level=1,
        )
        households.append(household)
    for household in households[:2]:
        FollowUpAssignment.objects.create(household=household, member=leader, topic="vneid2")
    return households


@pytest.mark.django_db(transaction=True)
def test_leader_records_home_visit_and_list_shrinks(
    live_server, phone_page, live_login, leader_a1, assigned_households, screenshot
):
    page = phone_page
    live_login(page, "leader_a1")
    page.goto(f"{live_server.url}/field/followup/mine/")
    expect(page.get_by_role("heading", name="Hộ tôi phụ trách")).to_be_visible()
    count = page.locator("#mine-count-vneid2")
    expect(count).to_have_text("2")
    expect(page.get_by_text("Trần Văn Bình")).to_be_visible()
    expect(page.get_by_text("Phạm Văn Nam")).to_have_count(0)  # not assigned to me
    screenshot(page, "digital-teams-mine-before")

    first = page.locator(f'[data-household="{assigned_households[0].pk}"]')
    first.get_by_role("link", name="Ghi nhận đến nhà").click()
    expect(page.get_by_role("heading", name="Ghi nhận đến nhà")).to_be_visible()
    resident = Resident.objects.get(full_name="Trần Văn Bình")
    page.locator(f'[data-resident="{resident.pk}"]').get_by_label("Kích hoạt VNeID mức 2").check()
    screenshot(page, "digital-teams-visit-form")
    page.get_by_role("button", name="Lưu buổi đến nhà").click()

    expect(page.get_by_text("Đã ghi nhận đến nhà")).to_be_visible()
    expect(count).to_have_text("1")
    expect(page.get_by_text("Trần Văn Bình")).to_have_count(0)
    expect(page.get_by_text("Lê Thị Hoa")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "digital-teams-mine-after")

    resident.refresh_from_db()
    assert resident.vneid_level == 2
    change = AssistedChange.objects.get(resident=resident)
    assert change.changed_by == leader_a1

    # The village's follow-up list shrank by one as well.
    page.goto(f"{live_server.url}/field/followup/?topic=vneid2")
    expect(page.locator("#followup-summary")).to_contain_text("Còn 2 người ở 2 hộ")
    screenshot(page, "digital-teams-followup")

    # The team page and its dashboard show the visit; the printable sheet has no navigation.
    page.goto(f"{live_server.url}/field/team/")
    expect(page.locator("#activities")).to_contain_text("Đến tận nhà")
    screenshot(page, "digital-teams-team")
    page.goto(f"{live_server.url}/field/team/dashboard/")
    expect(page.locator("#dash-members")).to_contain_text("Nguyễn Văn Hùng")
    screenshot(page, "digital-teams-dashboard")
    page.goto(f"{live_server.url}/field/followup/print/?topic=vneid2")
    expect(page.locator(".field-nav")).to_have_count(0)
    expect(page.locator(".box")).to_have_count(2)
    screenshot(page, "digital-teams-print")
