"""Field work without a signal: the outbox keeps submissions and sends each exactly once."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from digital_teams.models import SupportActivity
from households.models import Household, Resident
from tests.digital_teams.factories import DigitalTeamFactory, TeamMemberFactory
from tests.households.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_FOR_CONTROL = """async () => {
  await navigator.serviceWorker.ready;
  for (let i = 0; i < 100 && !navigator.serviceWorker.controller; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return !!navigator.serviceWorker.controller;
}"""


def go_online_first(page, live_server, *paths):
    """Open the pages with a signal, so the service worker keeps a copy of each."""
    page.goto(live_server.url + "/field/")
    assert page.evaluate(WAIT_FOR_CONTROL)
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")


def outbox_items(page):
    return page.locator("#sv-outbox-list [data-item]")


@pytest.fixture
def team_a1(village_a1, leader_a1):
    team = DigitalTeamFactory(village=village_a1)
    TeamMemberFactory(team=team, user=leader_a1, full_name="Trưởng Tổ Một", role="leader")
    return team


def test_offline_household_and_activity_are_saved_exactly_once(
    live_server, phone_page, live_login, leader_a1, team_a1, screenshot
):
    page = phone_page
    live_login(page, "leader_a1")
    go_online_first(page, live_server, "/field/households/new/", "/field/team/activities/add/")

    page.context.set_offline(True)
    page.goto(live_server.url + "/field/households/new/")
    page.fill("#id_number", "77")
    page.fill("#id_lane", "Xóm Mất Sóng")
    page.fill("#id_residents-0-full_name", "Đinh Văn Ngoại Tuyến")
    page.select_option("#id_residents-0-relation", "head")
    page.fill("#id_residents-0-birth_date", "1975-04-02")
    page.select_option("#id_residents-0-sex", "M")
    page.get_by_role("button", name="Lưu").click()
    expect(page).to_have_url(re.compile(r"/field/outbox/\?saved="))
    expect(outbox_items(page)).to_have_count(1)

    page.goto(live_server.url + "/field/team/activities/add/")
    page.fill("#id_date", datetime.date.today().isoformat())
    page.select_option("#id_kind", "group_session")
    page.locator("input[name=topics][value=vneid]").check()
    page.fill("#id_participants", "12")
    page.get_by_role("button", name="Ghi nhận hoạt động").click()
    expect(outbox_items(page)).to_have_count(2)

    # Still offline: a reload (or closing the browser) keeps both waiting.
    page.reload()
    expect(outbox_items(page)).to_have_count(2)
    expect(page.locator("[data-status=pending]")).to_have_count(2)
    expect(page.locator("#sv-outbox-status")).to_contain_text("2")
    screenshot(page, "offline-outbox-waiting")
    assert not Household.objects.filter(number="77").exists()
    assert not SupportActivity.objects.exists()

    page.context.set_offline(False)
    expect(page.locator("[data-status=saved]")).to_have_count(2, timeout=20_000)
    screenshot(page, "offline-outbox-saved")
    assert Household.objects.filter(number="77").count() == 1
    assert Resident.objects.filter(full_name="Đinh Văn Ngoại Tuyến").count() == 1
    assert SupportActivity.objects.count() == 1

    # The phone resends everything (as after a lost answer): nothing is applied twice.
    page.evaluate(
        "() => SVOutbox.all().then((items) => Promise.all(items.map((i) => "
        "{ i.status = 'pending'; return SVOutbox.put(i); })))"
    )
    page.get_by_role("button", name="Gửi ngay").click()
    expect(page.locator("[data-status=saved]")).to_have_count(2, timeout=20_000)
    assert Household.objects.filter(number="77").count() == 1
    assert SupportActivity.objects.count() == 1


def test_validation_error_is_shown_with_the_values_to_fix(
    live_server, phone_page, live_login, leader_a1, village_a1
):
    household = HouseholdFactory(village=village_a1, number="5")
    ResidentFactory(household=household, relation="head")
    page = phone_page
    live_login(page, "leader_a1")
    new_resident = f"/field/households/{household.pk}/residents/new/"
    go_online_first(page, live_server, new_resident)

    page.context.set_offline(True)
    page.goto(live_server.url + new_resident)
    page.fill("#id_full_name", "Hà Thị Sai Số")
    page.select_option("#id_relation", "child")
    page.fill("#id_birth_date", "2001-03-04")
    page.select_option("#id_sex", "F")
    page.fill("#id_id_number", "999301123456")  # 999 is no province code
    page.get_by_role("button", name="Lưu").click()
    expect(outbox_items(page)).to_have_count(1)

    page.context.set_offline(False)
    item = page.locator("[data-status=invalid]")
    expect(item).to_have_count(1, timeout=20_000)
    expect(item.locator("[data-message]")).to_contain_text("tỉnh")
    assert not Resident.objects.filter(full_name="Hà Thị Sai Số").exists()

    item.get_by_role("link", name="Sửa và gửi lại").click()
    expect(page.locator("#id_full_name")).to_have_value("Hà Thị Sai Số")
    page.fill("#id_id_number", "022301123456")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state("networkidle")
    assert Resident.objects.filter(full_name="Hà Thị Sai Số").count() == 1


def test_logout_clears_the_outbox(live_server, phone_page, live_login, leader_a1, village_a1):
    page = phone_page
    live_login(page, "leader_a1")
    go_online_first(page, live_server, "/field/households/new/")
    page.context.set_offline(True)
    page.goto(live_server.url + "/field/households/new/")
    page.fill("#id_number", "88")
    page.fill("#id_residents-0-full_name", "Bí Mật Riêng")
    page.select_option("#id_residents-0-relation", "head")
    page.fill("#id_residents-0-birth_date", "1990-01-01")
    page.select_option("#id_residents-0-sex", "M")
    page.get_by_role("button", name="Lưu").click()
    expect(outbox_items(page)).to_have_count(1)
    # The signal returns but the server cannot be reached yet: the item stays waiting.
    page.route("**/field/households/new/", lambda route: route.abort())
    page.context.route("**/field/households/new/", lambda route: route.abort())
    page.context.set_offline(False)
    expect(page.locator("[data-status=pending]")).to_have_count(1)
    # Logging out warns that one item is unsent; accepted, the outbox is emptied.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.locator("form[action$='/accounts/logout/']").evaluate("f => f.requestSubmit()")
    page.wait_for_url(live_server.url + "/")
    assert dialogs and "1" in dialogs[0]
    page.goto(live_server.url + "/field/outbox/")
    expect(outbox_items(page)).to_have_count(0)
    assert page.evaluate("() => SVOutbox.all().then((items) => items.length)") == 0
    assert not Household.objects.filter(number="88").exists()
