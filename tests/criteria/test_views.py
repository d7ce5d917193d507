"""Pages: who may see what, no personal data in public, gap lists, evidence, dossier."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from criteria.models import ManualEvidence, RollupRun
from criteria.services import rollup_commune
from tests.criteria.conftest import ON
from tests.criteria.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "Phạm Thị Bí Mật"
SECRET_PHONE = "0912345678"


@pytest.fixture
def data(commune_a, village_a1, village_a2):
    hh = HouseholdFactory(village=village_a1, phone="0987654321", lane="Xóm Giếng")
    ResidentFactory(
        household=hh,
        full_name=SECRET_NAME,
        phone=SECRET_PHONE,
        birth_date=dt.date(1991, 7, 23),
        id_number_masked="022******345",
        vneid_level=0,
    )
    ResidentFactory(household=hh, full_name="Lê Văn Có", vneid_level=2, has_smartphone=True)
    ResidentFactory(household=HouseholdFactory(village=village_a2), full_name="Người Thôn Hai")
    rollup_commune(commune=commune_a, on=ON)
    return hh


def checklist(commune):
    return reverse("criteria:commune_checklist", args=[commune.code])


def test_commune_checklist_permissions(
    data, commune_a, official_a, official_b, leader_a1, client, login
):
    assert client.get(checklist(commune_a)).status_code == 302  # anonymous -> login
    assert login(official_b).get(checklist(commune_a)).status_code == 404
    assert login(leader_a1).get(checklist(commune_a)).status_code == 403
    page = login(official_a).get(checklist(commune_a))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tính lúc" in text or "Computed at" in text
    assert "Thôn Một" in text and "Có ít nhất một mô hình thôn thông minh" in text


def test_village_checklist_permissions(
    data, village_a1, village_a2, official_a, official_b, leader_a1, member_a1, client, login
):
    url = lambda v: reverse("criteria:village_checklist", args=[v.code])  # noqa: E731
    assert client.get(url(village_a1)).status_code == 302
    assert login(leader_a1).get(url(village_a1)).status_code == 200
    assert login(leader_a1).get(url(village_a2)).status_code == 404
    assert login(member_a1).get(url(village_a1)).status_code == 200
    assert login(official_b).get(url(village_a1)).status_code == 404
    assert login(official_a).get(url(village_a2)).status_code == 200


def test_public_page_shows_figures_but_no_personal_data(data, commune_a, client):
    page = client.get(reverse("criteria:commune_public", args=[commune_a.code]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Thôn Một" in text and "/villages/90001-01/" in text and "/ocop/" in text
    for secret in (SECRET_NAME, SECRET_PHONE, "0987654321", "022******345", "23/07/1991",
                   "1991-07-23", "Lê Văn Có", "Xóm Giếng"):  # fmt: skip
        assert secret not in text, secret
    assert client.get(reverse("criteria:commune_public", args=["99999"])).status_code == 404


def test_gap_list_shows_masked_rows_to_the_village_team(
    data, village_a1, village_a2, leader_a1, official_a, official_b, smart_set, login, client
):
    vneid = smart_set.criteria.get(code="TTM.05")
    url = reverse("criteria:gap_list", args=[vneid.pk, village_a1.pk])
    assert client.get(url).status_code == 302
    page = login(leader_a1).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert SECRET_NAME in text and "022******345" in text
    assert "Lê Văn Có" not in text  # has VNeID level 2: not missing
    assert SECRET_PHONE not in text and "23/07/1991" not in text
    assert "/field/followup/?topic=vneid2" in text
    assert (
        login(leader_a1)
        .get(reverse("criteria:gap_list", args=[vneid.pk, village_a2.pk]))
        .status_code
        == 404
    )
    assert login(official_b).get(url).status_code == 404
    # Whole commune: officials only.
    commune_url = reverse("criteria:gap_list", args=[vneid.pk, "commune"]) + "?commune=90001"
    assert login(leader_a1).get(commune_url).status_code == 404
    text = login(official_a).get(commune_url).content.decode()
    assert SECRET_NAME in text and "Người Thôn Hai" in text
    assert (
        login(official_a).get(reverse("criteria:gap_list", args=[vneid.pk, "abc"])).status_code
        == 404
    )


def test_trend_page(data, village_a1, commune_a, smart_set, leader_a1, login):
    rollup_commune(commune=commune_a, on=ON)
    crit = smart_set.criteria.get(code="TTM.04")
    page = login(leader_a1).get(reverse("criteria:trend", args=[crit.pk, village_a1.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("50%") >= 2  # two runs, 1 of 2 adults


def test_evidence_form_saves_and_checks_files(
    data, commune_a, model_set, official_a, login, django_capture_on_commit_callbacks
):
    client = login(official_a)
    advanced = model_set.criteria.get(code="1")
    url = reverse("criteria:evidence_create", args=[commune_a.code, advanced.pk])
    assert client.get(url).status_code == 200
    # A file whose content is not a PDF is refused, as is a missing file.
    fake = SimpleUploadedFile("qd.pdf", b"MZ not a pdf")
    response = client.post(url, {"value": "1", "reference": "12/QĐ-UBND", "file": fake})
    assert response.status_code == 200 and not ManualEvidence.objects.exists()
    response = client.post(url, {"value": "1", "reference": "12/QĐ-UBND"})
    assert response.status_code == 200 and not ManualEvidence.objects.exists()
    exe = SimpleUploadedFile("qd.exe", b"%PDF-1.4")
    assert client.post(url, {"value": "1", "file": exe}).status_code == 200
    good = SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n%%EOF\n")
    response = client.post(url, {"value": "1", "reference": "12/QĐ-UBND", "file": good})
    assert response.status_code == 302
    evidence = ManualEvidence.objects.get()
    assert evidence.entered_by == official_a and evidence.commune == commune_a
    # Roll up now (eager task) and the checklist shows the evidence as met.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("criteria:rollup_now", args=[commune_a.code]))
    assert response.status_code == 302
    assert RollupRun.objects.filter(commune=commune_a).count() == 2
    file_url = reverse("criteria:evidence_file", args=[evidence.pk])
    assert client.get(file_url).status_code == 200


def test_evidence_refused_outside_scope_or_for_computed_criteria(
    data, commune_a, model_set, smart_set, official_b, leader_a1, official_a, login
):
    advanced = model_set.criteria.get(code="1")
    url = reverse("criteria:evidence_create", args=[commune_a.code, advanced.pk])
    assert login(official_b).get(url).status_code == 404
    assert login(leader_a1).get(url).status_code == 403
    computed = smart_set.criteria.get(code="TTM.01")
    assert (
        login(official_a)
        .get(reverse("criteria:evidence_create", args=[commune_a.code, computed.pk]))
        .status_code
        == 404
    )
    evidence = ManualEvidence.objects.create(
        criterion=advanced, commune=commune_a, value=1,
        file=SimpleUploadedFile("qd.pdf", b"%PDF-1.4"),
    )  # fmt: skip
    assert (
        login(official_b).get(reverse("criteria:evidence_file", args=[evidence.pk])).status_code
        == 404
    )
    assert (
        login(official_b).post(reverse("criteria:rollup_now", args=[commune_a.code])).status_code
        == 404
    )


def test_evidence_page_lists_evidence_with_no_author(data, commune_a, model_set, official_a, login):
    """Evidence imported or left by a deleted user has no entered_by: the page still opens."""
    advanced = model_set.criteria.get(code="1")
    ManualEvidence.objects.create(criterion=advanced, commune=commune_a, value=1, reference="7/QĐ")
    url = reverse("criteria:evidence_create", args=[commune_a.code, advanced.pk])
    page = login(official_a).get(url)
    assert page.status_code == 200 and "7/QĐ" in page.content.decode()


def test_dossier_excel_and_print_in_vietnamese(data, commune_a, official_a, official_b, login):
    response = login(official_a).get(reverse("criteria:dossier_xlsx", args=[commune_a.code]))
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    first = wb.worksheets[0]
    cells = [c.value for row in first.iter_rows() for c in row if c.value]
    assert any("Tiêu chí" == c for c in cells)
    assert any("Có ít nhất một mô hình thôn thông minh" in str(c) for c in cells)
    assert len(wb.worksheets) == 3
    page = login(official_a).get(reverse("criteria:dossier_print", args=[commune_a.code]))
    assert page.status_code == 200
    assert (
        login(official_b).get(reverse("criteria:dossier_xlsx", args=[commune_a.code])).status_code
        == 404
    )


def test_pages_read_few_queries(data, commune_a, official_a, login, django_assert_max_num_queries):
    client = login(official_a)
    client.get(checklist(commune_a))
    with django_assert_max_num_queries(15):
        client.get(checklist(commune_a))
    with django_assert_max_num_queries(10):
        client.get(reverse("criteria:commune_public", args=[commune_a.code]))


def test_admin_assessment_page_has_no_english_none(data, commune_a, official_a, login):
    """An assessment with no met/not met showed Django's icon with alt="None"."""
    from django.urls import reverse

    from criteria.models import Assessment

    assessment = Assessment.objects.filter(commune=commune_a).first()
    Assessment.objects.filter(pk=assessment.pk).update(met=None)
    url = reverse("admin:criteria_assessment_change", args=[assessment.pk])
    html = login(official_a).get(url).content.decode()
    assert 'alt="None"' not in html and "–" in html
