"""No page shows stale data after a write (core.dataversion): one test per write path.

Each test renders a page whose parts are cached per commune or village, writes through one path
(a save through the services, a delete, the Excel import, an assisted change, a roll-up, a
report, a queryset UPDATE), renders again and sees the change. The cache is the test settings'
LocMemCache, emptied before each test (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core import dataversion
from criteria.services import rollup_commune
from digital_teams.models import Outcome, SupportActivity, TeamMember
from digital_teams.services import support_activity_record
from households import services as household_services
from households.models import Resident
from tests.digital_teams.factories import (
    DigitalTeamFactory,
    HouseholdFactory,
    ResidentFactory,
    TeamMemberFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
FOLLOWUP = "/field/followup/?topic=vneid2"


@pytest.fixture
def team_a1(village_a1):
    return DigitalTeamFactory(village=village_a1)


@pytest.fixture
def lan(village_a1):
    """An adult of village A1 still without VNeID level 2 (on the follow-up list)."""
    household = HouseholdFactory(village=village_a1)
    return ResidentFactory(
        household=household, full_name="Phạm Thị Lan", relation="head", vneid_level=1
    )


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Households: services, delete, import, retention -----------------------------------------


def test_followup_list_after_a_resident_is_saved(login, leader_a1, lan):
    client = login(leader_a1)
    assert "Phạm Thị Lan" in page(client, FOLLOWUP)
    assert "Phạm Thị Lan" in page(client, FOLLOWUP)  # served from the cached rows
    lan.vneid_level = 2
    household_services.resident_save(resident=lan, user=leader_a1, expected_version=lan.version)
    assert "Phạm Thị Lan" not in page(client, FOLLOWUP)


def test_followup_list_after_a_resident_is_deleted(login, leader_a1, lan):
    client = login(leader_a1)
    assert "Phạm Thị Lan" in page(client, FOLLOWUP)
    Resident.objects.get(pk=lan.pk).delete()
    assert "Phạm Thị Lan" not in page(client, FOLLOWUP)


def test_followup_list_after_an_excel_import(login, leader_a1, village_a1, lan):
    from households.models import HouseholdImport
    from tests.households.test_import import row, upload

    client = login(leader_a1)
    assert "Trần Văn Mới" not in page(client, FOLLOWUP)
    job, _ = upload(client, [row(village_a1.code, 77, "Trần Văn Mới", vneid="1")])
    client.post(reverse("households:import_confirm", args=[job.pk]))
    assert HouseholdImport.objects.get(pk=job.pk).status == "done"
    assert "Trần Văn Mới" in page(client, FOLLOWUP)  # written by bulk_create: no signal


def test_payments_adults_share_after_a_resident_changes(login, official_a, lan):
    client = login(official_a)
    before = client.get("/payments/").context["body"]
    lan.has_epayment = True
    household_services.resident_save(resident=lan, user=official_a, expected_version=lan.version)
    after = client.get("/payments/").context["body"]
    assert before != after
    assert "100" in after and "(1 / 1" in after.replace("\n", " ")


def test_retention_update_moves_the_version(village_a1, lan):
    from households.retention import anonymise

    lan.status = Resident.Status.MOVED
    lan.save()
    token = dataversion.commune_token(village_a1.commune_id)
    village_token = dataversion.village_tokens([village_a1.pk])[village_a1.pk]
    assert anonymise(Resident.objects.filter(pk=lan.pk)) == 1  # queryset UPDATEs, no signal
    assert dataversion.commune_token(village_a1.commune_id) != token
    assert dataversion.village_tokens([village_a1.pk])[village_a1.pk] != village_token


# --- Digital teams: assisted changes, team dashboard ----------------------------------------------


def test_followup_and_team_dashboard_after_an_assisted_change(login, leader_a1, team_a1, lan):
    TeamMemberFactory(team=team_a1, user=leader_a1, role=TeamMember.Role.LEADER)
    client = login(leader_a1)
    assert "Phạm Thị Lan" in page(client, FOLLOWUP)
    dash = client.get("/field/team/dashboard/").context["dash"]
    helped = {f["label"]: f["residents"] for f in dash["per_field"]}
    support_activity_record(
        team=team_a1,
        user=leader_a1,
        date=TODAY,
        kind=SupportActivity.Kind.HOME_VISIT,
        outcomes={lan: [Outcome.VNEID_LEVEL2]},
    )
    assert "Phạm Thị Lan" not in page(client, FOLLOWUP)
    dash = client.get("/field/team/dashboard/").context["dash"]
    helped_now = {f["label"]: f["residents"] for f in dash["per_field"]}
    assert sum(helped_now.values()) == sum(helped.values()) + 1


def test_followup_assign_list_after_a_team_member_is_added(login, leader_a1, team_a1, lan):
    client = login(leader_a1)
    assert "Võ Thị Mới" not in page(client, FOLLOWUP)
    TeamMemberFactory(team=team_a1, full_name="Võ Thị Mới")
    assert "Võ Thị Mới" in page(client, FOLLOWUP)  # now in the "assign to" list


def test_followup_corrections_section_after_a_report_and_its_resolution(
    login, leader_a1, team_a1, lan
):
    from plates.models import AddressCorrection
    from plates.services import correction_create, correction_resolve
    from tests.households.factories import DigitalAddressFactory

    address = DigitalAddressFactory(household=lan.household, location_code="QN-0001")
    client = login(leader_a1)
    assert 'id="plate-corrections"' not in page(client, FOLLOWUP)
    correction_create(address=address, code="QN-0001", message="Sai số nhà, nhà ở ngõ 3")
    body = page(client, FOLLOWUP)
    assert 'id="plate-corrections"' in body and "Sai số nhà, nhà ở ngõ 3" in body
    correction_resolve(correction=AddressCorrection.objects.get(), user=leader_a1, fixed=False)
    assert 'id="plate-corrections"' not in page(client, FOLLOWUP)


# --- Criteria: roll-ups; officials' dashboard; public pages -------------------------------------


def test_checklists_and_dashboard_after_a_rollup(login, official_a, commune_a, village_a1, lan):
    client = login(official_a)
    checklist = f"/criteria/communes/{commune_a.code}/"
    village_page = f"/criteria/villages/{village_a1.code}/"
    before = {url: page(client, url) for url in (checklist, village_page, "/dashboard/")}
    rollup_commune(commune=commune_a)  # assessments by bulk_create: no signal
    for url, html in before.items():
        assert page(client, url) != html, url
    assert "<time datetime=" not in before[checklist]  # "not computed yet"
    assert "<time datetime=" in page(client, checklist)  # the roll-up's date


def test_public_pages_after_a_team_member_is_added(client, commune_a, village_a1, team_a1):
    village_url = f"/villages/{village_a1.code}/"
    assert "Hoàng Văn Tổ" not in page(client, village_url)
    TeamMemberFactory(team=team_a1, full_name="Hoàng Văn Tổ", role=TeamMember.Role.LEADER)
    assert "Hoàng Văn Tổ" in page(client, village_url)


def test_public_commune_page_after_a_rollup(client, commune_a, village_a1, lan):
    url = f"/communes/{commune_a.code}/"
    before = page(client, url)
    assert before == page(client, url)  # cached whole
    rollup_commune(commune=commune_a)
    assert page(client, url) != before


# --- Payments ----------------------------------------------------------------------------------


def test_payments_page_after_a_report_is_saved(login, official_a, commune_a):
    from payments.services import cashless_reports_save

    client = login(official_a)
    period = dt.date(TODAY.year, TODAY.month, 1)
    before = page(client, "/payments/")
    cashless_reports_save(
        commune=commune_a,
        rows=[
            {
                "village": None,
                "period": period,
                "category": "electricity",
                "payers_total": 400,
                "payers_cashless": 123,
                "amount_total": 1000,
                "amount_cashless": 500,
            }
        ],
        user=official_a,
    )
    after = page(client, "/payments/")
    assert after != before
    assert "30,8" in after  # 123 / 400 payers


# --- Scoping, commit, lost tokens -----------------------------------------------------------------


def test_parts_are_never_shared_across_communes(login, official_a, official_b, commune_a, lan):
    rollup_commune(commune=commune_a)
    client = login(official_a)
    assert commune_a.name in page(client, "/dashboard/")
    client = login(official_b)
    assert client.get(f"/criteria/communes/{commune_a.code}/").status_code == 404
    assert commune_a.name not in page(client, "/dashboard/")
    assert client.get("/payments/?commune=" + commune_a.code).status_code == 404


def test_the_token_moves_again_when_the_write_commits(
    village_a1, lan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lan.vneid_level = 2
        lan.save()
        after_write = dataversion.commune_token(village_a1.commune_id)
    for callback in callbacks:
        callback()
    # A reader who rendered the old rows before the commit stored them under `after_write`.
    assert dataversion.commune_token(village_a1.commune_id) != after_write


def test_a_lost_token_is_a_miss_never_a_stale_hit(login, leader_a1, lan):
    client = login(leader_a1)
    assert "Phạm Thị Lan" in page(client, FOLLOWUP)
    cache.delete(f"dv:c:{lan.household.village.commune_id}")  # evicted, Redis restarted
    Resident.objects.filter(pk=lan.pk).update(vneid_level=2)  # a write nobody announced
    assert "Phạm Thị Lan" not in page(client, FOLLOWUP)


def test_an_unannounced_update_is_what_bump_is_for(login, leader_a1, village_a1, lan):
    client = login(leader_a1)
    assert "Phạm Thị Lan" in page(client, FOLLOWUP)
    Resident.objects.filter(pk=lan.pk).update(vneid_level=2)
    dataversion.bump(communes=[village_a1.commune_id], villages=[village_a1.pk])
    assert "Phạm Thị Lan" not in page(client, FOLLOWUP)


# --- No cold first visitor ------------------------------------------------------------------------


def test_a_burst_of_writes_sends_one_warm_job(
    settings, village_a1, village_b1, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DATAVERSION_WARM = True
    sent = []
    monkeypatch.setattr("core.jobs.enqueue", lambda task, *args, **kw: sent.append(args) or True)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            ResidentFactory(household=HouseholdFactory(village=village_a1, number=str(100 + n)))
    with django_capture_on_commit_callbacks(execute=True):
        ResidentFactory(household=HouseholdFactory(village=village_a1, number="200"))
        ResidentFactory(household=HouseholdFactory(village=village_b1, number="1"))
    # One job for commune A (still pending: the later writes only mark it), one for B.
    assert sent == [(village_a1.commune_id,), (village_b1.commune_id,)]


def test_the_warm_job_fills_the_public_pages(
    client, commune_a, village_a1, lan, django_assert_max_num_queries
):
    from dashboards.warm import warm_public_pages

    rollup_commune(commune=commune_a)
    assert warm_public_pages(commune_a.pk) >= 4  # commune, village, home, catalogue (each language)
    with django_assert_max_num_queries(0):
        client.get(f"/villages/{village_a1.code}/")
        client.get(f"/communes/{commune_a.code}/")


# --- Province overview, read API, field list (issue 21 item 2, second part) ---------------------


def _province_line(html: str, commune) -> str:
    """The commune's row of the overview's communes table."""
    start = html.index(f"<td>{commune.code}</td>")
    return html[start : html.index("</tr>", start)]


def test_province_overview_after_a_rollup(login, province_office, commune_a, lan):
    client = login(province_office)
    url = f"/province/{commune_a.province_code}/"
    before = page(client, url)
    body = client.get(url).context["body"]
    assert body == client.get(url).context["body"]  # the province's part, from the cache
    assert TODAY.strftime("%d/%m/%Y") not in _province_line(before, commune_a)
    rollup_commune(commune=commune_a)  # assessments by bulk_create: no signal
    after = _province_line(page(client, url), commune_a)
    assert TODAY.strftime("%d/%m/%Y") in after  # its latest roll-up


def test_province_overview_after_a_team_activity(
    login, province_office, leader_a1, commune_a, team_a1, lan
):
    client = login(province_office)
    url = f"/province/{commune_a.province_code}/"
    cells = _province_line(page(client, url), commune_a).split("<td>")
    assert cells[7].startswith("0<")  # team activities (90 days)
    support_activity_record(
        team=team_a1,
        user=leader_a1,
        date=TODAY,
        kind=SupportActivity.Kind.HOME_VISIT,
        outcomes={lan: [Outcome.VNEID_LEVEL2]},
    )
    cells = _province_line(page(client, url), commune_a).split("<td>")
    assert cells[7].startswith("1<")


def test_province_overview_after_a_commune_is_renamed(login, province_office, commune_a):
    client = login(province_office)
    url = f"/province/{commune_a.province_code}/"
    assert "Xã Đổi Tên" not in page(client, url)
    commune_a.name = "Xã Đổi Tên"
    commune_a.save()  # the global token
    assert "Xã Đổi Tên" in page(client, url)


def test_province_overview_keeps_the_live_rollup_job_and_csrf(login, province_office, commune_a):
    from provinces.models import ProvinceRollup

    client = login(province_office)
    url = f"/province/{commune_a.province_code}/"
    first = client.get(url)
    assert "province-rollup-status" in first.content.decode()
    ProvinceRollup.objects.create(province_code=commune_a.province_code, total=2, done=1)
    second = client.get(url).content.decode()  # the job is outside the cached part
    assert "1 of 2" in second or "1/2" in second or "1 trên 2" in second
    assert 'name="csrfmiddlewaretoken"' in second


def _api(client, commune) -> dict:
    response = client.get(f"/api/v1/assessments/?commune={commune.code}")
    assert response.status_code == 200
    return response.json()


def test_api_assessments_after_a_rollup(login, official_a, commune_a, lan):
    client = login(official_a)
    assert _api(client, commune_a)["count"] == 0
    assert _api(client, commune_a)["count"] == 0  # cached
    rollup_commune(commune=commune_a)
    after = _api(client, commune_a)
    assert after["count"] > 0
    assert {row["commune"] for row in after["results"]} == {commune_a.code}


def test_api_assessments_after_a_resident_change_and_rollup(login, official_a, commune_a, lan):
    rollup_commune(commune=commune_a)
    client = login(official_a)

    def vneid(data):
        return [r for r in data["results"] if r["village"] is None and r["numerator"] is not None]

    before = _api(client, commune_a)
    lan.vneid_level = 2
    household_services.resident_save(resident=lan, user=official_a, expected_version=lan.version)
    rollup_commune(commune=commune_a)
    after = _api(client, commune_a)
    assert [r["computed_at"] for r in vneid(after)] != [r["computed_at"] for r in vneid(before)]


def test_api_assessments_are_never_served_across_readers(
    login, official_a, official_b, commune_a, lan
):
    rollup_commune(commune=commune_a)
    assert _api(login(official_a), commune_a)["count"] > 0  # cached for commune A's readers
    assert _api(login(official_b), commune_a)["count"] == 0  # B's official reads none of A


def test_field_list_after_a_household_is_added_and_deleted(login, leader_a1, village_a1, lan):
    from households.models import Household

    client = login(leader_a1)
    assert "Nguyễn Văn Mới" not in page(client, "/field/")
    household = HouseholdFactory(village=village_a1, number="901")
    ResidentFactory(household=household, full_name="Nguyễn Văn Mới", relation="head")
    html = page(client, "/field/")
    assert "Nguyễn Văn Mới" in html
    assert "2 households" in html or "2 hộ" in html
    Household.objects.get(pk=household.pk).delete()
    assert "Nguyễn Văn Mới" not in page(client, "/field/")


def test_field_list_after_a_resident_is_saved(login, leader_a1, lan):
    client = login(leader_a1)
    assert "VNeID 2: 0/1" in page(client, "/field/")
    lan.vneid_level = 2
    household_services.resident_save(resident=lan, user=leader_a1, expected_version=lan.version)
    assert "VNeID 2: 1/1" in page(client, "/field/")


def test_field_list_rows_are_never_shared_across_villages(
    login, leader_a1, leader_a2, official_a, village_a2, lan
):
    other = HouseholdFactory(village=village_a2, number="5")
    ResidentFactory(household=other, full_name="Đỗ Văn Bên", relation="head")
    assert "Phạm Thị Lan" in page(login(leader_a1), "/field/")
    html = page(login(leader_a2), "/field/")  # same commune, same token, another village
    assert "Phạm Thị Lan" not in html and "Đỗ Văn Bên" in html
    html = page(login(official_a), "/field/")  # the whole commune
    assert "Phạm Thị Lan" in html and "Đỗ Văn Bên" in html
    assert "Đỗ Văn Bên" not in page(login(leader_a1), "/field/?village=" + str(village_a2.pk))
