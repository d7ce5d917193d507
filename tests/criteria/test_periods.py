"""Programme periods: once the 2026-2030 catalogue (Decision 51/2025) is loaded and assessed, the
checklist, public page and dossier show it by default; 2021-2025 results stay readable."""

import datetime as dt
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from criteria.catalogue import SHIPPED_DIR
from criteria.models import Assessment, CommuneGroup
from criteria.services import rollup_commune

pytestmark = pytest.mark.django_db

TITLE_51 = "Khoa học công nghệ và chuyển đổi số"
TITLE_319 = "Có ít nhất một mô hình thôn thông minh"


@pytest.fixture
def both_periods(commune_a, village_a1):
    call_command("load_catalogue", str(SHIPPED_DIR / "qd51-2026-2030.yaml"), stdout=StringIO())
    # The last day of 2021-2025: the 2026-2030 set is not yet in force.
    rollup_commune(commune=commune_a, on=dt.date(2025, 12, 31))
    assert not Assessment.objects.filter(criterion__criteria_set__code="QD51-2026-2030").exists()
    rollup_commune(commune=commune_a, on=dt.date(2026, 6, 15))
    return commune_a


def test_checklist_shows_2026_2030_by_default_and_2021_2025_on_request(
    both_periods, official_a, login
):
    client = login(official_a)
    CommuneGroup.objects.create(
        commune=both_periods, period="2026-2030", group=3,
        decision_number="7/QĐ-UBND", decision_date=dt.date(2026, 3, 2),
    )  # fmt: skip
    url = reverse("criteria:commune_checklist", args=[both_periods.code])
    page = client.get(url).content.decode()
    assert TITLE_51 in page and TITLE_319 not in page
    assert "nhóm 3" in page and "7/QĐ-UBND" in page
    history = client.get(url + "?period=2021-2025").content.decode()
    assert TITLE_319 in history and TITLE_51 not in history
    # The smart-village set (no end date) belongs to both periods.
    assert "thôn thông minh" in history.lower()


def test_public_page_and_dossier_follow_the_period(both_periods, official_a, client, login):
    public = reverse("criteria:commune_public", args=[both_periods.code])
    assert TITLE_51 in client.get(public).content.decode()
    assert TITLE_319 in client.get(public + "?period=2021-2025").content.decode()
    official = login(official_a)
    xlsx = reverse("criteria:dossier_xlsx", args=[both_periods.code])
    cells = [c.value for row in load_workbook(BytesIO(official.get(xlsx).content)).active
             for c in row]  # fmt: skip
    assert TITLE_51 in " ".join(str(v) for v in cells if v)


def test_without_a_2026_2030_catalogue_the_2021_2025_sets_show(commune_a, village_a1, client):
    rollup_commune(commune=commune_a, on=dt.date(2026, 6, 15))
    page = client.get(reverse("criteria:commune_public", args=[commune_a.code])).content.decode()
    assert TITLE_319 in page
