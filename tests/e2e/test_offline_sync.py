"""Field work without silent loss (issue 24): stale edits merged field by field, an outbox that
belongs to its account, a logout that holds without a signal, sending without an `online` event.
Each test checks the database."""

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.db.models import F
from playwright.sync_api import expect

from households.models import Household
from tests.e2e.audit import AXE, AXE_JS, OVERFLOW_JS
from tests.e2e.test_offline import go_online_first, outbox_items
from tests.households.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def server_edit(household, **values):
    """An official saves the household meanwhile (a new version)."""
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1, **values)


def edit_offline(page, live_server, household, **values):
    edit = f"/field/households/{household.pk}/edit/"
    go_online_first(page, live_server, edit)
    page.context.set_offline(True)
    page.goto(live_server.url + edit)
    for name, value in values.items():
        page.fill(f"#id_{name}", value)
    page.get_by_role("button", name="Lưu").click()
    expect(outbox_items(page)).to_have_count(1)


def sessions_of(user):
    sessions = Session.objects.all()
    return [s for s in sessions if s.get_decoded().get("_auth_user_id") == str(user.pk)]


@pytest.fixture
def household(village_a1):
    household = HouseholdFactory(
        village=village_a1, number="5", lane="Xóm Cũ", house_no="1", phone="", note=""
    )
    ResidentFactory(household=household, relation="head")
    return household


def test_disjoint_fields_merge_without_a_question_and_untouched_fields_stay(
    live_server, phone_page, live_login, leader_a1, household, screenshot
):
    page = phone_page
    live_login(page, "leader_a1")
    edit_offline(page, live_server, household, lane="Xóm Của Tôi")
    server_edit(household, phone="0912345678", house_no="9A", has_fibre=True)

    page.context.set_offline(False)
    expect(page.locator("[data-status=saved]")).to_have_count(1, timeout=20_000)
    expect(page.locator("[data-merge-box]:visible")).to_have_count(0)
    screenshot(page, "offline-merge-disjoint")
    household.refresh_from_db()
    assert household.lane == "Xóm Của Tôi"
    # The fields the phone did not touch keep the official's values.
    assert (household.phone, household.house_no, household.has_fibre) == ("0912345678", "9A", True)
    assert household.version == 3


def test_same_field_is_asked_side_by_side_and_the_choice_kept(
    live_server, phone_page, live_login, leader_a1, household, screenshot
):
    page = phone_page
    live_login(page, "leader_a1")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    edit_offline(page, live_server, household, lane="Xóm Của Tôi", note="Đã thăm nhà")
    assert errors == []  # offline pages, manifest included, log no error
    server_edit(household, lane="Xóm Của Xã", house_no="9A")

    page.context.set_offline(False)
    item = page.locator("[data-status=conflict]")
    expect(item).to_have_count(1, timeout=20_000)
    box = item.locator("[data-merge-box]")
    expect(box.locator("fieldset")).to_have_count(1)  # only the field both changed is asked
    expect(box.locator("[data-original]")).to_have_text("Xóm Cũ")
    expect(box.locator("[data-theirs]")).to_have_text("Xóm Của Xã")
    expect(box.locator("[data-yours]")).to_have_text("Xóm Của Tôi")
    expect(item.locator("[data-message]")).not_to_contain_text("Mở hộp thư đi")
    expect(page.locator("#sv-outbox-status")).not_to_contain_text("chờ gửi")
    screenshot(page, "offline-merge-conflict")
    # The choice at 360 px: no overflow, no serious axe-core violation (as the page audit checks).
    assert page.evaluate(OVERFLOW_JS) == []
    page.evaluate(AXE)
    assert page.evaluate(AXE_JS, None) == []
    household.refresh_from_db()
    assert (household.lane, household.note) == ("Xóm Của Xã", "")  # nothing written yet

    box.get_by_label("Giữ của tôi").check()
    box.get_by_role("button", name="Gửi với các lựa chọn này").click()
    expect(page.locator("[data-status=saved]")).to_have_count(1, timeout=20_000)
    household.refresh_from_db()
    assert (household.lane, household.note, household.house_no) == (
        "Xóm Của Tôi",
        "Đã thăm nhà",
        "9A",
    )
    # Shown as sent, then cleared at a later page load.
    page.evaluate(
        "() => SVOutbox.all().then((items) => Promise.all(items.map((i) => "
        "{ i.sentAt = Date.now() - 3600000; return SVOutbox.put(i); })))"
    )
    page.reload()
    expect(outbox_items(page)).to_have_count(0)


def test_another_account_keeps_the_item_hidden_and_cannot_send_it(
    live_server, phone_page, live_login, leader_a1, leader_a2, village_a1
):
    page = phone_page
    live_login(page, "leader_a1")
    go_online_first(page, live_server, "/field/households/new/")
    page.context.set_offline(True)
    page.goto(live_server.url + "/field/households/new/")
    page.fill("#id_number", "77")
    page.fill("#id_residents-0-full_name", "Đinh Văn Chờ Gửi")
    page.select_option("#id_residents-0-relation", "head")
    page.fill("#id_residents-0-birth_date", "1975-04-02")
    page.select_option("#id_residents-0-sex", "M")
    page.get_by_role("button", name="Lưu").click()
    expect(outbox_items(page)).to_have_count(1)

    # The server cannot be reached when the signal returns; then leader_a2 logs in on the same
    # phone (leader_a1's session ended meanwhile).
    page.context.route("**/field/households/new/", lambda route: route.abort())
    page.route("**/field/households/new/", lambda route: route.abort())
    page.context.set_offline(False)
    expect(page.locator("[data-status=pending]")).to_have_count(1)
    page.context.clear_cookies()
    live_login(page, "leader_a2")
    page.unroute("**/field/households/new/")
    page.context.unroute("**/field/households/new/")
    page.goto(live_server.url + "/field/outbox/")
    expect(page.locator("#sv-outbox-others")).to_be_visible()
    expect(page.locator("#sv-outbox-others")).to_contain_text("1")
    expect(outbox_items(page)).to_have_count(0)
    page.get_by_role("button", name="Gửi ngay").click()
    page.wait_for_timeout(2000)
    assert page.evaluate("() => SVOutbox.all().then((items) => items.length)") == 1
    assert not Household.objects.filter(number="77").exists()
    # Even sent by hand with leader_a2's session, the server refuses leader_a1's item.
    answer = page.evaluate(
        "() => SVOutbox.all().then((items) => SVOutbox.send(items[0], "
        "document.cookie.match(/csrftoken=([^;]+)/)[1], (n) => n)).then(() => 'sent', () => 'kept')"
    )
    assert answer == "kept"
    assert not Household.objects.filter(number="77").exists()

    # Its owner logs in again: it is sent.
    page.context.clear_cookies()
    live_login(page, "leader_a1")
    page.goto(live_server.url + "/field/outbox/")
    expect(page.locator("[data-status=saved]")).to_have_count(1, timeout=20_000)
    assert Household.objects.filter(number="77").count() == 1
    assert Household.objects.get(number="77").village == village_a1


def test_offline_logout_leaves_no_usable_session(
    live_server, phone_page, live_login, leader_a1, household, screenshot
):
    page = phone_page
    live_login(page, "leader_a1")
    go_online_first(page, live_server, f"/field/households/{household.pk}/")
    assert len(sessions_of(leader_a1)) == 1
    page.context.set_offline(True)
    page.goto(live_server.url + "/field/")
    page.locator("form[action$='/accounts/logout/']").evaluate("f => f.requestSubmit()")
    expect(page.locator("#sv-logged-out")).to_be_visible()
    screenshot(page, "offline-logged-out")
    # No page of the portal opens on the phone any more, cached or not.
    for path in ("/field/", f"/field/households/{household.pk}/", "/field/outbox/"):
        page.goto(live_server.url + path)
        expect(page.locator("#sv-logged-out")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Xóm Cũ")
    assert len(sessions_of(leader_a1)) == 1  # the server was not reached yet

    page.context.set_offline(False)
    page.goto(live_server.url + "/field/")
    page.wait_for_load_state("networkidle")
    assert sessions_of(leader_a1) == []  # completed on the server
    page.goto(live_server.url + f"/field/households/{household.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_queued_item_is_sent_without_an_online_event(
    live_server, phone_page, live_login, leader_a1, household
):
    page = phone_page
    live_login(page, "leader_a1")
    edit_offline(page, live_server, household, lane="Xóm Sau Cơn Bão")
    # The signal returns (the `online` event fires) but the server cannot be reached.
    edit_url = f"**/field/households/{household.pk}/edit/"
    page.context.route(edit_url, lambda route: route.abort())
    page.route(edit_url, lambda route: route.abort())
    page.context.set_offline(False)
    page.wait_for_timeout(8000)
    expect(page.locator("[data-status=pending]")).to_have_count(1)
    household.refresh_from_db()
    assert household.lane == "Xóm Cũ"

    # The server comes back: no event at all. The outbox retries by itself.
    page.unroute(edit_url)
    page.context.unroute(edit_url)
    back = time.monotonic()
    expect(page.locator("[data-status=saved]")).to_have_count(1, timeout=60_000)
    waited = time.monotonic() - back
    household.refresh_from_db()
    assert household.lane == "Xóm Sau Cơn Bão"
    # Sent by the outbox's own retry (no event): the wait above bounds it; the time is printed,
    # not asserted (house rule: no timed asserts).
    print(f"sent {waited:.1f} s after the server came back")
