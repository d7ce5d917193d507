"""Field pages: who sees and manages what, follow-up lists, home visits, print, dashboard."""

import datetime

import pytest
from django.urls import reverse

from digital_teams.models import AssistedChange, FollowUpAssignment, SupportActivity, TeamMember
from households.models import DigitalAddress, Resident

from .factories import HouseholdFactory, ResidentFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

TEAM = reverse("digital_teams:team_detail")
FOLLOWUP = reverse("digital_teams:followup_list")
MINE = reverse("digital_teams:followup_mine")
PRINT = reverse("digital_teams:followup_print")
ASSIGN = reverse("digital_teams:followup_assign")
DASHBOARD = reverse("digital_teams:team_dashboard")


def visit_url(household):
    return reverse("digital_teams:followup_visit", args=[household.pk])


# --- login and scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [TEAM, FOLLOWUP, MINE, PRINT, DASHBOARD, reverse("digital_teams:activity_create")]
)
def test_pages_require_login(client, url, team_a1):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_member_sees_own_village_team(login, team_a1, tm_leader_a1, member_a1, team_a2):
    page = login(member_a1).get(TEAM).content.decode()
    assert "Thôn Một" in page and "Trưởng Tổ Một" in page
    assert "Thôn Hai" not in page
    # A member sees the team but no management buttons.
    assert reverse("digital_teams:teammember_create") not in page


def test_member_cannot_pick_another_village(login, team_a1, team_a2, member_a1, village_a2):
    client = login(member_a1)
    assert client.get(TEAM, {"village": village_a2.pk}).status_code == 404
    assert client.get(FOLLOWUP, {"village": village_a2.pk}).status_code == 404
    assert client.get(TEAM, {"village": "x' OR 1=1"}).status_code == 404


def test_official_sees_all_teams_of_the_commune(login, official_a, team_a1, team_a2, village_a2):
    client = login(official_a)
    page = client.get(TEAM, {"village": village_a2.pk}).content.decode()
    assert "Thôn Hai" in page
    assert reverse("digital_teams:teammember_create") in page
    # The village picker offers both villages of commune A only.
    picker = client.get(TEAM).content.decode()
    assert "Thôn Một" in picker and "Thôn Hai" in picker and "Thôn Bê Một" not in picker


def test_other_commune_gets_404(
    login,
    official_b,
    leader_a2,
    team_a1,
    tm_leader_a1,
    village_a1,
    household_a1,
    resident_a1,
    leader_a1,
):
    activity = SupportActivity.objects.create(
        team=team_a1, date=datetime.date(2024, 1, 5), kind="group_session"
    )
    for user in (official_b, leader_a2):
        client = login(user)
        assert client.get(TEAM, {"village": village_a1.pk}).status_code == 404
        assert client.get(FOLLOWUP, {"village": village_a1.pk}).status_code == 404
        assert client.get(visit_url(household_a1)).status_code == 404
        assert (
            client.get(
                reverse("digital_teams:teammember_update", args=[tm_leader_a1.pk])
            ).status_code
            == 404
        )
        assert (
            client.get(reverse("digital_teams:activity_detail", args=[activity.pk])).status_code
            == 404
        )
        assert (
            client.post(reverse("digital_teams:activity_undo", args=[activity.pk])).status_code
            == 404
        )
    assert SupportActivity.objects.filter(pk=activity.pk).exists()


# --- managing members --------------------------------------------------------------------------


def test_leader_adds_edits_and_deactivates_members(login, leader_a1, member_a1, team_a1):
    client = login(leader_a1)
    response = client.post(
        reverse("digital_teams:teammember_create") + f"?village={team_a1.village_id}",
        {
            "full_name": "Phạm Thị Hội",
            "role": "member",
            "position": "womens_union",
            "phone": "0912 000 111",
            "user": member_a1.pk,
            "active_from": "2023-01-01",
        },
    )
    assert response.status_code == 302
    member = TeamMember.objects.get(full_name="Phạm Thị Hội")
    assert member.phone == "0912000111" and member.user == member_a1
    response = client.post(
        reverse("digital_teams:teammember_update", args=[member.pk]),
        {
            "full_name": "Phạm Thị Hội",
            "role": "member",
            "position": "farmers_association",
            "phone": "",
            "user": "",
            "active_from": "2023-01-01",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.position == "farmers_association"
    client.post(reverse("digital_teams:teammember_deactivate", args=[member.pk]))
    member.refresh_from_db()
    assert not member.is_active


def test_member_form_refuses_foreign_account_and_bad_phone(login, leader_a1, leader_a2, team_a1):
    response = login(leader_a1).post(
        reverse("digital_teams:teammember_create") + f"?village={team_a1.village_id}",
        {
            "full_name": "X",
            "role": "member",
            "position": "other",
            "phone": "12345",
            "user": leader_a2.pk,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "user" in form.errors and "phone" in form.errors
    assert not TeamMember.objects.filter(full_name="X").exists()


def test_member_cannot_manage_team(login, member_a1, team_a1, tm_leader_a1):
    client = login(member_a1)
    add = reverse("digital_teams:teammember_create")
    assert client.get(add).status_code == 403
    assert (
        client.post(add, {"full_name": "Y", "role": "member", "position": "other"}).status_code
        == 403
    )
    assert (
        client.get(reverse("digital_teams:teammember_update", args=[tm_leader_a1.pk])).status_code
        == 403
    )
    assert (
        client.post(
            reverse("digital_teams:teammember_deactivate", args=[tm_leader_a1.pk])
        ).status_code
        == 403
    )
    assert client.get(reverse("digital_teams:team_edit")).status_code == 403
    tm_leader_a1.refresh_from_db()
    assert tm_leader_a1.is_active


def test_official_sets_up_a_team(login, official_a, village_a2):
    url = reverse("digital_teams:team_edit") + f"?village={village_a2.pk}"
    response = login(official_a).post(
        url,
        {
            "decision_number": "45/QĐ-UBND",
            "decision_date": "2022-09-01",
            "founded_on": "2022-09-05",
        },
    )
    assert response.status_code == 302
    assert village_a2.digital_team.decision_number == "45/QĐ-UBND"


# --- activities ----------------------------------------------------------------------------------


def test_record_group_session_and_undo_from_the_page(login, leader_a1, team_a1, tm_leader_a1):
    client = login(leader_a1)
    response = client.post(
        reverse("digital_teams:activity_create") + f"?village={team_a1.village_id}",
        {
            "date": "2024-03-02",
            "kind": "group_session",
            "topics": ["vneid", "online_safety"],
            "members": [tm_leader_a1.pk],
            "participants": 35,
            "notes": "Nhà văn hóa",
        },
    )
    assert response.status_code == 302
    activity = SupportActivity.objects.get()
    assert activity.participants == 35 and activity.topic_online_safety
    page = client.get(TEAM).content.decode()
    listed = page.split('id="activities"', 1)[1]
    assert "Sinh hoạt nhóm" in listed and "02/03/2024" in listed
    assert "35 người tham dự" in listed and tm_leader_a1.full_name in listed
    client.post(reverse("digital_teams:activity_undo", args=[activity.pk]))
    assert not SupportActivity.objects.exists()
    assert "35 người tham dự" not in client.get(TEAM).content.decode()


def test_activity_form_refuses_member_of_another_team(login, leader_a1, team_a1, team_a2):
    other = TeamMemberFactory(team=team_a2)
    response = login(leader_a1).post(
        reverse("digital_teams:activity_create"),
        {
            "date": "2024-03-02",
            "kind": "group_session",
            "topics": ["vneid"],
            "members": [other.pk],
            "participants": 3,
        },
    )
    assert response.status_code == 200 and "members" in response.context["form"].errors
    assert not SupportActivity.objects.exists()


# --- follow-up lists -----------------------------------------------------------------------------


def make_village(village, n_households, *, start=0):
    """n households, each with a head missing VNeID 2 and a 10-year-old child (not eligible)."""
    for i in range(n_households):
        household = HouseholdFactory(village=village, number=f"{start + i + 1:03d}")
        ResidentFactory(household=household, relation="head", full_name=f"Chủ Hộ {start + i}")
        ResidentFactory(
            household=household,
            full_name=f"Cháu {start + i}",
            birth_date=datetime.date.today() - datetime.timedelta(days=3650),
        )


def test_followup_list_shows_only_missing_eligible_residents(login, leader_a1, team_a1, village_a1):
    make_village(village_a1, 3)
    household = HouseholdFactory(village=village_a1, number="900")
    ResidentFactory(household=household, relation="head", full_name="Đã Có Mức Hai", vneid_level=2)
    ResidentFactory(household=household, full_name="Đã Chuyển Đi", status=Resident.Status.MOVED)
    page = login(leader_a1).get(FOLLOWUP, {"topic": "vneid2"}).content.decode()
    assert "Chủ Hộ 0" in page and "Chủ Hộ 2" in page
    assert "Cháu 0" not in page  # under 14
    assert "Đã Có Mức Hai" not in page and "Đã Chuyển Đi" not in page
    assert "Xóm Đông" in page  # the address is there for the team
    assert f'data-household="{household.pk}"' not in page


def test_followup_list_shrinks_as_statuses_change(login, leader_a1, team_a1, village_a1):
    make_village(village_a1, 3)
    client = login(leader_a1)
    before = client.get(FOLLOWUP, {"topic": "vneid2"}).context["rows"]
    assert len(before) == 3
    target = before[0].residents[0]
    client.post(
        visit_url(target.household) + "?topic=vneid2",
        {
            "date": datetime.date.today().isoformat(),
            f"outcomes_{target.pk}": ["vneid_level2"],
            "topic": "vneid2",
        },
    )
    after = client.get(FOLLOWUP, {"topic": "vneid2"}).context["rows"]
    assert len(after) == 2
    assert target.household.pk not in {r.household.pk for r in after}
    # The e-payment list (adults) still shows that head: only VNeID changed.
    assert len(client.get(FOLLOWUP, {"topic": "epayment"}).context["rows"]) == 3


def test_digital_address_topic_lists_households(login, leader_a1, team_a1, village_a1):
    make_village(village_a1, 2)
    first = village_a1.households.order_by("number").first()
    DigitalAddress.objects.create(household=first, latitude=21.4, longitude=107.6, source="team")
    rows = login(leader_a1).get(FOLLOWUP, {"topic": "digital_address"}).context["rows"]
    assert [r.household.number for r in rows] == ["002"]


def test_unknown_topic_is_404(login, leader_a1, team_a1):
    assert login(leader_a1).get(FOLLOWUP, {"topic": "nope"}).status_code == 404


@pytest.mark.parametrize("url", [FOLLOWUP, PRINT])
def test_followup_query_count_is_constant(
    login, leader_a1, team_a1, village_a1, tm_leader_a1, django_assert_max_num_queries, url
):
    client = login(leader_a1)
    make_village(village_a1, 3)
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"topic": "vneid2"})
    make_village(village_a1, 40, start=3)
    for household in village_a1.households.all()[:20]:
        FollowUpAssignment.objects.create(household=household, member=tm_leader_a1, topic="vneid2")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url, {"topic": "vneid2"})
    assert len(response.context["rows"]) == 43
    assert len(large.captured_queries) == len(small.captured_queries)


def test_mine_query_count_is_constant(
    login, leader_a1, team_a1, village_a1, tm_leader_a1, django_assert_max_num_queries
):
    client = login(leader_a1)
    make_village(village_a1, 2)
    for household in village_a1.households.all():
        FollowUpAssignment.objects.create(household=household, member=tm_leader_a1, topic="vneid2")
    with django_assert_max_num_queries(15) as small:
        client.get(MINE)
    make_village(village_a1, 30, start=2)
    for household in village_a1.households.filter(followup_assignments__isnull=True):
        FollowUpAssignment.objects.create(household=household, member=tm_leader_a1, topic="vneid2")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(MINE)
    assert len(response.context["sections"][0]["rows"]) == 32


def test_leader_assigns_households_and_member_sees_them(
    login, leader_a1, member_a1, team_a1, tm_member_a1, village_a1, client
):
    make_village(village_a1, 3)
    households = list(village_a1.households.order_by("number"))
    response = login(leader_a1).post(
        ASSIGN,
        {
            "village": village_a1.pk,
            "topic": "vneid2",
            "member": tm_member_a1.pk,
            "household": [households[0].pk, households[2].pk],
        },
    )
    assert response.status_code == 302
    assert FollowUpAssignment.objects.filter(member=tm_member_a1).count() == 2
    client.force_login(member_a1)
    rows = client.get(MINE).context["sections"][0]["rows"]
    assert [r.household.number for r in rows] == ["001", "003"]
    page = client.get(MINE).content.decode()
    assert "Chủ Hộ 0" in page and "Chủ Hộ 1" not in page


def test_assign_refuses_members_tampered_ids_and_foreign_households(
    login, leader_a1, member_a1, team_a1, tm_member_a1, village_a1, team_b1, household_b1
):
    make_village(village_a1, 1)
    household = village_a1.households.get()
    data = {
        "village": village_a1.pk,
        "topic": "vneid2",
        "member": tm_member_a1.pk,
        "household": [household.pk],
    }
    assert login(member_a1).post(ASSIGN, data).status_code == 403
    client = login(leader_a1)
    assert client.post(ASSIGN, {**data, "household": [household_b1.pk]}).status_code == 404
    assert client.post(ASSIGN, {**data, "household": ["1 or 1"]}).status_code == 404
    other = TeamMemberFactory(team=team_b1)
    assert client.post(ASSIGN, {**data, "member": other.pk}).status_code == 404
    assert not FollowUpAssignment.objects.exists()


def test_visit_form_ignores_tampered_resident_ids(
    login, leader_a1, team_a1, resident_a1, resident_b1
):
    client = login(leader_a1)
    response = client.post(
        visit_url(resident_a1.household),
        {
            "date": datetime.date.today().isoformat(),
            f"outcomes_{resident_b1.pk}": ["vneid_level2"],
            "notes": "",
        },
    )
    assert response.status_code == 200  # nothing ticked for this household's residents
    resident_b1.refresh_from_db()
    assert resident_b1.vneid_level == 0
    assert not SupportActivity.objects.exists()


def test_visit_redirects_only_to_local_next(login, leader_a1, team_a1, resident_a1):
    response = login(leader_a1).post(
        visit_url(resident_a1.household),
        {
            "date": datetime.date.today().isoformat(),
            f"outcomes_{resident_a1.pk}": ["epayment"],
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(FOLLOWUP)
    assert AssistedChange.objects.get().field == "has_epayment"


def test_print_page_is_a4_vietnamese_with_checkboxes(login, leader_a1, team_a1, village_a1):
    make_village(village_a1, 2)
    response = login(leader_a1).get(PRINT, {"topic": "epayment"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "print.css" in page and 'class="box"' in page
    assert "field-nav" not in page and "navbar" not in page
    assert "Danh sách" in page or "DANH SÁCH" in page.upper()
    assert "Chủ Hộ 1" in page and "Cháu 1" not in page


def test_public_pages_never_show_phone_or_address(client, team_a1, household_a1, resident_a1):
    page = client.get("/").content.decode()
    assert household_a1.phone not in page


def test_dashboard_counts_assisted_work(
    login, leader_a1, official_a, team_a1, tm_leader_a1, village_a1, django_assert_max_num_queries
):
    make_village(village_a1, 4)
    client = login(leader_a1)
    heads = Resident.objects.filter(relation="head").order_by("id")[:2]
    for head in heads:
        client.post(
            visit_url(head.household),
            {
                "date": datetime.date.today().isoformat(),
                f"outcomes_{head.pk}": ["vneid_level2"],
                "members": [tm_leader_a1.pk],
            },
        )
    with django_assert_max_num_queries(20):
        response = client.get(DASHBOARD)
    dash = response.context["dash"]
    assert dash["n_activities"] == 2 and dash["n_changes"] == 2
    vneid = dash["progress"][0]
    assert (vneid["done"], vneid["total"], vneid["assisted"]) == (2, 4, 2)
    assert vneid["pct"] == 50 and vneid["pct_before"] == 0
    leader_row = next(m for m in dash["members"] if m.pk == tm_leader_a1.pk)
    assert (leader_row.n_activities, leader_row.n_outcomes) == (2, 2)
    assert "dt-w-50" in response.content.decode()
    # Officials open the same dashboard in the admin.
    admin_url = reverse("admin:digital_teams_digitalteam_dashboard", args=[team_a1.pk])
    assert login(official_a).get(admin_url).status_code == 200


def test_followup_list_is_paginated_but_counts_everyone(login, leader_a1, team_a1, village_a1):
    make_village(village_a1, 60)
    client = login(leader_a1)
    first = client.get(FOLLOWUP, {"topic": "vneid2"})
    assert len(first.context["rows"]) == 50
    assert first.context["n_households"] == 60
    assert "1/2" in first.text and "page=2" in first.text
    second = client.get(FOLLOWUP, {"topic": "vneid2", "page": 2})
    assert len(second.context["rows"]) == 10
    shown = {r.household.pk for r in first.context["rows"]} | {
        r.household.pk for r in second.context["rows"]
    }
    assert len(shown) == 60
    # The printable list keeps every household on paper.
    printed = client.get("/field/followup/print/", {"topic": "vneid2"})
    assert len(printed.context["rows"]) == 60
