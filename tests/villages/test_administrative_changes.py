"""Administrative changes (issue 17 item 6): a village moved to another commune and communes
merged into one keep their history. Hand-made fixtures: commune A (villages A1, A2) and
commune B (village B1) of province 22; a roll-up of A before the move, the move of A1 to B, a
roll-up of B after it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from criteria.models import Assessment, RollupRun
from criteria.services import rollup_commune
from households.models import Household
from tests.factories import CommuneFactory, UserFactory
from tests.households.factories import HouseholdFactory
from villages import services
from villages.models import CommunePredecessor, Membership, Village, VillageAffiliation
from villages.roles import make_province_office

BEFORE = dt.date(2026, 6, 15)  # A's roll-up, A1 still in A
MOVE = dt.date(2026, 7, 1)  # A1 belongs to B from this day
AFTER = dt.date(2026, 7, 15)  # B's roll-up, A1 in B
TODAY = dt.date(2026, 8, 1)


@pytest.fixture
def households(village_a1, village_a2, village_b1):
    return {
        "a1": HouseholdFactory(village=village_a1, number="1", note="Hộ thôn Một bí mật"),
        "a2": HouseholdFactory(village=village_a2, number="1"),
        "b1": HouseholdFactory(village=village_b1, number="1"),
    }


def _move(village, to, **kwargs):
    args = {"on_date": MOVE, "decision": "12/NQ-HĐND", "today": TODAY}
    return services.village_move(village=village, to_commune=to, **(args | kwargs))


@pytest.fixture
def moved(commune_a, commune_b, village_a1, village_a2, village_b1, households, leader_a1):
    """A rolled up, A1 moved to B, B rolled up."""
    rollup_commune(commune=commune_a, on=BEFORE)
    plan = _move(village_a1, commune_b)
    rollup_commune(commune=commune_b, on=AFTER)
    village_a1.refresh_from_db()
    return plan


def test_a_moved_village_keeps_its_earlier_results_under_the_earlier_commune(
    moved, commune_a, commune_b, village_a1
):
    before = Assessment.objects.filter(village=village_a1, run__on=BEFORE)
    after = Assessment.objects.filter(village=village_a1, run__on=AFTER)
    assert before.exists() and after.exists()
    assert set(before.values_list("commune_id", flat=True)) == {commune_a.pk}
    assert set(after.values_list("commune_id", flat=True)) == {commune_b.pk}
    # B has village 1 already: A1 takes the lowest free number there; its code follows.
    assert (village_a1.commune, village_a1.number, village_a1.code) == (commune_b, 2, "90002-02")
    assert moved.old_code == "90001-01"
    assert village_a1.commune_at(BEFORE) == commune_a
    assert village_a1.commune_at(MOVE) == commune_b
    assert village_a1.commune_at(TODAY) == commune_b
    history = sorted(village_a1.affiliations.all(), key=lambda h: h.valid_from or dt.date.min)
    assert [(h.commune, h.code, h.valid_from, h.valid_until) for h in history] == [
        (commune_a, "90001-01", None, dt.date(2026, 6, 30)),
        (commune_b, "90002-02", MOVE, None),
    ]
    # The team's role follows its village.
    assert set(
        Membership.objects.filter(village=village_a1).values_list("commune_id", flat=True)
    ) == {commune_b.pk}


def test_checklists_of_both_communes_show_the_village_under_the_commune_of_the_day(
    moved, login, official_a, official_b, commune_a, commune_b, village_a1
):
    # A's latest roll-up (15/06) is from before the move: A1 is in it, marked, without links
    # to its current checklist or households.
    body = login(official_a).get(reverse("criteria:commune_checklist", args=["90001"]))
    text = body.content.decode()
    assert "Thôn Một" in text and "nay thuộc Xã Bình Minh" in text
    assert reverse("criteria:village_checklist", args=[village_a1.code]) not in text
    assert "/criteria/gaps/" not in text.split("Thôn Một")[1].split("</tr>")[0]
    assert "Lịch sử địa giới hành chính" in text
    assert "thuộc xã này đến hết ngày 30/06/2026" in text
    # B's roll-up (15/07) counts A1 as B's, linked.
    text = login(official_b).get(reverse("criteria:commune_checklist", args=["90002"]))
    text = text.content.decode()
    assert reverse("criteria:village_checklist", args=["90002-02"]) in text
    assert "Thôn Một về xã từ ngày 01/07/2026" in text
    # The trend of a criterion for A1 (B's official): B's snapshot only, with the earlier
    # commune named.
    a = Assessment.objects.filter(village=village_a1, commune=commune_b).first()
    page = login(official_b).get(reverse("criteria:trend", args=[a.criterion_id, village_a1.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Đến hết ngày 30/06/2026 thôn này thuộc Xã An Phú (mã 90001-01)" in text
    assert page.context["rows"] == [a]


def test_public_pages_and_open_data_list_results_per_commune_of_the_day(
    moved, client, commune_a, village_a1
):
    text = client.get(reverse("criteria:commune_public", args=["90001"])).content.decode()
    assert "Thôn Một" in text and "nay thuộc Xã Bình Minh" in text
    assert "/villages/90002-02/" not in text
    data = client.get(reverse("api:open_commune_json", args=["90001"])).json()
    assert data["computed_at"].startswith("2026-") and data["rows"]
    assert {r["commune"] for r in data["rows"]} == {"90001"}
    run_a = RollupRun.objects.get(commune=commune_a)
    assert data["computed_at"] == run_a.assessments.first().computed_at.isoformat()


def test_the_api_lists_the_village_under_the_commune_of_each_roll_up(
    moved, client, commune_a, commune_b, village_a1
):
    from rest_framework.authtoken.models import Token

    system = UserFactory(username="he_thong_22")
    make_province_office(system, "22")
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=system).key}"}

    def rows(commune):
        found, url = [], reverse("api:assessment-list") + f"?commune={commune}"
        while url:
            page = client.get(url, **headers).json()
            found += page["results"]
            url = page["next"]
        return found

    rows_a, rows_b = rows("90001"), rows("90002")
    assert {r["commune"] for r in rows_a} == {"90001"}
    assert {r["commune"] for r in rows_b} == {"90002"}
    # A1 shows in both, each time with the code it had in that commune.
    assert "90001-01" in {r["village"] for r in rows_a}
    assert "90002-02" in {r["village"] for r in rows_b}
    assert "90002-02" not in {r["village"] for r in rows_a}


def test_after_a_move_the_old_official_no_longer_reaches_the_households(
    moved, login, official_a, official_b, households, village_a1
):
    household = households["a1"]
    old = login(official_a)
    assert old.get(reverse("households:household_detail", args=[household.pk])).status_code == 404
    assert household not in Household.objects.for_user(official_a)
    assert old.get(reverse("criteria:village_checklist", args=[village_a1.code])).status_code == 404
    listing = old.get(reverse("households:household_list")).content.decode()
    assert "Hộ thôn Một bí mật" not in listing
    # ...but still its own results for that village, as figures (the snapshot of 15/06).
    assert Assessment.objects.for_user(official_a).filter(village=village_a1).exists()
    new = login(official_b)
    assert new.get(reverse("households:household_detail", args=[household.pk])).status_code == 200
    assert new.get(reverse("criteria:village_checklist", args=[village_a1.code])).status_code == 200
    assert not Assessment.objects.for_user(official_b).filter(commune__code="90001").exists()


def test_the_team_keeps_its_village_after_the_move(moved, login, leader_a1, village_a1):
    client = login(leader_a1)
    assert (
        client.get(reverse("criteria:village_checklist", args=[village_a1.code])).status_code == 200
    )


def test_merging_records_predecessors_shown_on_the_commune_pages(
    db, commune_a, commune_b, village_a1, village_a2, village_b1, households, client, official_b
):
    rollup_commune(commune=commune_a, on=BEFORE)
    plan = services.communes_merge(
        successor=commune_b,
        predecessors=[commune_a],
        on_date=MOVE,
        decision="1682/NQ-UBTVQH15",
        today=TODAY,
    )
    assert [m.new_code for m in plan.moves] == ["90002-03", "90002-02"]  # A1 (1 taken), A2
    record = CommunePredecessor.objects.get(successor=commune_b)
    assert (record.predecessor, record.code, record.name, record.until, record.decision) == (
        commune_a,
        "90001",
        "Xã An Phú",
        dt.date(2026, 6, 30),
        "1682/NQ-UBTVQH15",
    )
    assert not Village.objects.filter(commune=commune_a).exists()
    public_b = client.get(reverse("criteria:commune_public", args=["90002"])).content.decode()
    assert "Hình thành từ" in public_b
    assert "Xã An Phú (mã 90001), đến hết ngày 30/06/2026, 1682/NQ-UBTVQH15" in public_b
    public_a = client.get(reverse("criteria:commune_public", args=["90001"])).content.decode()
    assert "Đã sáp nhập vào Xã Bình Minh sau ngày 30/06/2026." in public_a
    # A's own results stay on its page (its roll-up of 15/06, both villages).
    assert "Thôn Một" in public_a and "Thôn Hai" in public_a
    officials = client
    officials.force_login(official_b)
    page = officials.get(reverse("criteria:commune_checklist", args=["90002"])).content.decode()
    assert "Xã An Phú (mã 90001)" in page
    # A commune that was merged is not merged (or moved into) again.
    with pytest.raises(ValidationError, match="đã được sáp nhập vào Xã Bình Minh"):
        services.communes_merge_plan(
            successor=commune_b, predecessors=[commune_a], on_date=TODAY, decision="x", today=TODAY
        )
    with pytest.raises(ValidationError, match="đã sáp nhập vào Xã Bình Minh"):
        services.village_move_plan(
            village=village_b1, to_commune=commune_a, on_date=TODAY, decision="x", today=TODAY
        )


def test_the_province_page_of_a_commune_shows_its_predecessors(
    db, commune_a, commune_b, village_a1, province_office, login
):
    services.communes_merge(
        successor=commune_b, predecessors=[commune_a], on_date=MOVE, decision="5/NQ", today=TODAY
    )
    url = reverse("provinces:commune_checklist", args=["22", "90002"])
    text = login(province_office).get(url).content.decode()
    assert "Xã An Phú (mã 90001), đến hết ngày 30/06/2026" in text


# --- Refused input: a Vietnamese message, nothing written ------------------------------------


def _nothing_moved(village, commune):
    village.refresh_from_db()
    assert village.commune == commune and village.code.startswith(commune.code)
    assert not VillageAffiliation.objects.exists()
    assert not CommunePredecessor.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"to": "a"}, "Thôn Một đã thuộc Xã An Phú: hãy chọn xã khác."),
        (
            {"on_date": BEFORE},
            "phải sau số liệu cuối cùng của Thôn Một thuộc xã hiện tại "
            "(đợt đánh giá tiêu chí ngày 15/06/2026)",
        ),
        ({"on_date": dt.date(2026, 6, 1)}, "đợt đánh giá tiêu chí ngày 15/06/2026"),
        ({"on_date": dt.date(2026, 9, 1)}, "Thay đổi có hiệu lực trong tương lai (01/09/2026)"),
        ({"on_date": None}, "Nhập ngày thay đổi có hiệu lực."),
        ({"decision": "  "}, "Nhập số quyết định về việc thay đổi."),
        ({"number": 1}, "Xã Bình Minh đã có thôn số 1: hãy chọn số khác."),
        ({"to": "other_province"}, "Thôn chỉ được chuyển trong cùng tỉnh (Tỉnh Quảng Ninh)."),
    ],
)
def test_a_bad_move_is_refused_with_a_vietnamese_message(
    commune_a, commune_b, village_a1, village_b1, change, message
):
    rollup_commune(commune=commune_a, on=BEFORE)
    targets = {
        "a": commune_a,
        "other_province": CommuneFactory(code="90009", province_code="33", name="Xã Khác"),
    }
    to = targets.get(change.pop("to", None), commune_b)
    with pytest.raises(ValidationError) as refused:
        _move(village_a1, to, **change)
    assert message in refused.value.messages[0]
    _nothing_moved(village_a1, commune_a)


def test_a_cashless_report_dated_after_the_change_refuses_it(commune_a, commune_b, village_a1):
    from payments.models import CashlessReport

    CashlessReport.objects.create(
        commune=commune_a, village=village_a1, period=dt.date(2026, 7, 1), category="electricity"
    )
    with pytest.raises(ValidationError) as refused:
        _move(village_a1, commune_b)
    assert "báo cáo thanh toán không dùng tiền mặt tháng 07/2026" in refused.value.messages[0]
    _nothing_moved(village_a1, commune_a)


def test_a_second_move_must_come_after_the_first(commune_a, commune_b, village_a1):
    _move(village_a1, commune_b)
    with pytest.raises(ValidationError, match="về xã hiện tại từ ngày 01/07/2026"):
        _move(village_a1, commune_a, on_date=MOVE)


@pytest.mark.parametrize(
    ("predecessors", "successor", "message"),
    [
        ([], "b", "Chọn các xã được sáp nhập."),
        (["a", "b"], "b", "là xã sau sáp nhập: không thể sáp nhập xã vào chính nó"),
        (["c"], "b", "Chỉ sáp nhập các xã trong cùng một tỉnh: Xã Khác thuộc Tỉnh Khác."),
        (["a"], "b", "đợt đánh giá tiêu chí ngày 01/07/2026"),
    ],
)
def test_a_bad_merger_is_refused(
    commune_a, commune_b, village_a1, village_b1, predecessors, successor, message
):
    rollup_commune(commune=commune_a, on=dt.date(2026, 7, 1))
    other = CommuneFactory(
        code="90009", province_code="33", name="Xã Khác", province_name="Tỉnh Khác"
    )
    units = {"a": commune_a, "b": commune_b, "c": other}
    on_date = BEFORE if predecessors == ["a"] else MOVE
    with pytest.raises(ValidationError) as refused:
        services.communes_merge(
            successor=units[successor],
            predecessors=[units[p] for p in predecessors],
            on_date=on_date,
            decision="1/NQ",
            today=TODAY,
        )
    assert message in refused.value.messages[0]
    _nothing_moved(village_a1, commune_a)


def test_a_failure_half_way_rolls_the_whole_change_back(
    commune_a, commune_b, village_a1, village_a2, monkeypatch
):
    def broken(_ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_bump", broken)
    with pytest.raises(RuntimeError):
        services.communes_merge(
            successor=commune_b, predecessors=[commune_a], on_date=MOVE, decision="1", today=TODAY
        )
    _nothing_moved(village_a1, commune_a)
    village_a2.refresh_from_db()
    assert village_a2.commune == commune_a


# --- The pages: province office only, preview then confirm -----------------------------------


def test_change_pages_are_for_the_province_office(
    client, login, commune_a, village_a1, official_a, leader_a1, province_office
):
    urls = [
        reverse(name, args=["22"])
        for name in ("units:changes", "units:village_move", "units:commune_merge")
    ]
    for url in urls:
        client.logout()
        assert client.get(url).status_code == 302  # anonymous: log in
        assert login(official_a).get(url).status_code == 403
        assert login(leader_a1).get(url).status_code == 403
        assert login(province_office).get(url).status_code == 200
        assert login(province_office).get(url.replace("/22/", "/33/")).status_code == 404
    post = {"village": village_a1.pk, "to_commune": commune_a.pk, "on_date": "01/07/2026"}
    assert login(official_a).post(urls[1], post | {"confirm": "1"}).status_code == 403
    _nothing_moved(village_a1, commune_a)


def test_move_form_previews_then_confirms(
    login, province_office, commune_a, commune_b, village_a1, village_b1, households
):
    client = login(province_office)
    url = reverse("units:village_move", args=["22"])
    data = {
        "village": village_a1.pk,
        "to_commune": commune_b.pk,
        "on_date": "01/07/2026",
        "decision": "12/NQ-HĐND",
    }
    preview = client.post(url, data)
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "Xem trước: chưa có gì được lưu" in text and "90002-02" in text
    assert "Hộ thôn Một bí mật" not in text  # counts only
    _nothing_moved(village_a1, commune_a)
    done = client.post(url, data | {"confirm": "1"}, follow=True)
    text = done.content.decode()
    assert "Thôn Một nay thuộc Xã Bình Minh (mã 90002-02)" in text
    assert "Các kết quả trước đó vẫn thuộc Xã An Phú." in text
    assert "Các thôn đã chuyển xã" in text and "12/NQ-HĐND" in text
    village_a1.refresh_from_db()
    assert village_a1.commune == commune_b


def test_move_form_shows_the_refusal_and_saves_nothing(
    login, province_office, commune_a, commune_b, village_a1
):
    rollup_commune(commune=commune_a, on=BEFORE)
    data = {
        "village": village_a1.pk,
        "to_commune": commune_b.pk,
        "on_date": "10/06/2026",
        "decision": "12/NQ-HĐND",
        "confirm": "1",
    }
    response = login(province_office).post(reverse("units:village_move", args=["22"]), data)
    assert response.status_code == 200
    assert "đợt đánh giá tiêu chí ngày 15/06/2026" in response.content.decode()
    _nothing_moved(village_a1, commune_a)


def test_merge_form_refuses_a_commune_of_another_province(
    login, province_office, commune_a, commune_b, village_a1
):
    other = CommuneFactory(code="90009", province_code="33", name="Xã Khác")
    data = {
        "predecessors": [other.pk],
        "successor": commune_b.pk,
        "on_date": "01/07/2026",
        "decision": "1/NQ",
        "confirm": "1",
    }
    response = login(province_office).post(reverse("units:commune_merge", args=["22"]), data)
    assert response.status_code == 200 and response.context["form"].errors["predecessors"]
    assert not CommunePredecessor.objects.exists()


def test_merge_form_merges(login, province_office, commune_a, commune_b, village_a1, village_a2):
    data = {
        "predecessors": [commune_a.pk],
        "successor": commune_b.pk,
        "on_date": "01/07/2026",
        "decision": "1682/NQ-UBTVQH15",
        "confirm": "1",
    }
    url = reverse("units:commune_merge", args=["22"])
    text = login(province_office).post(url, data, follow=True).content.decode()
    assert "Đã sáp nhập Xã An Phú vào Xã Bình Minh: đã chuyển 2 thôn" in text
    assert "Xã An Phú (90001)" in text
    assert CommunePredecessor.objects.get().successor == commune_b


def test_admin_actions_are_superuser_only(client, login, official_a, commune_a, village_a1):
    changelist = reverse("admin:villages_village_changelist")
    page = login(official_a).get(changelist)
    assert "move_village" not in page.content.decode()
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = login(admin).post(
        changelist, {"action": "move_village", "_selected_action": [village_a1.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/province/22/changes/move/?village={village_a1.pk}"
    response = login(admin).post(
        reverse("admin:villages_commune_changelist"),
        {"action": "merge_communes", "_selected_action": [commune_a.pk]},
    )
    assert response["Location"] == f"/province/22/changes/merge/?predecessor={commune_a.pk}"


def test_officials_dashboard_and_dossier_name_the_predecessors(
    db, commune_a, commune_b, village_a1, official_b, login
):
    services.communes_merge(
        successor=commune_b, predecessors=[commune_a], on_date=MOVE, decision="5/NQ", today=TODAY
    )
    client = login(official_b)
    for url in (
        reverse("dashboards:official") + "?commune=90002",
        reverse("criteria:dossier_print", args=["90002"]),
    ):
        text = client.get(url).content.decode()
        assert "Xã An Phú (mã 90001), đến hết ngày 30/06/2026, 5/NQ" in text, url


def test_a_commune_with_no_change_reads_no_history(
    commune_a, village_a1, client, django_assert_num_queries
):
    from django.template import Context, Template

    template = Template("{% load unit_history %}{% commune_history commune %}")
    with django_assert_num_queries(0):
        assert "Lịch sử" not in template.render(Context({"commune": commune_a}))


def test_pages_cached_before_a_change_show_it_at_once(
    commune_a, commune_b, village_a1, village_b1, client, login, official_a
):
    rollup_commune(commune=commune_a, on=BEFORE)
    public = reverse("criteria:commune_public", args=["90001"])
    checklist = reverse("criteria:commune_checklist", args=["90001"])
    assert "nay thuộc" not in client.get(public).content.decode()
    assert "nay thuộc" not in login(official_a).get(checklist).content.decode()
    _move(village_a1, commune_b)
    assert "nay thuộc Xã Bình Minh" in login(official_a).get(checklist).content.decode()
    client.logout()
    assert "nay thuộc Xã Bình Minh" in client.get(public).content.decode()
