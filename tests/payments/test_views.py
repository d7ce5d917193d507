"""The officials' pages: who may open them, the monthly entry, exports and the query budget."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from payments.models import CashlessReport, Category, current_period, month_start
from tests.factories import VillageFactory
from tests.payments.factories import CashlessReportFactory

pytestmark = pytest.mark.django_db

LAST = month_start(current_period(), -1)
PAGES = ["payments:overview", "payments:entry", "payments:import", "payments:export_csv",
         "payments:export_xlsx", "payments:import_template"]  # fmt: skip


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["leader_a1", "member_a1"])
def test_team_members_are_refused(request, login, name, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == 403


def test_official_sees_their_commune_figures(login, official_a, commune_a):
    CashlessReportFactory(
        commune=commune_a, period=LAST, payers_total=400, payers_cashless=343,
        amount_total=1000, amount_cashless=972,
    )  # fmt: skip
    response = login(official_a).get(reverse("payments:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Xã An Phú" in html
    assert "85,8%" in html and "97,2%" in html  # one percent format on every page
    assert "chưa có số liệu" in html  # categories without reports
    assert "<svg" in html and 'role="img"' in html


def test_official_b_sees_nothing_of_commune_a(login, official_a, official_b, commune_a):
    CashlessReportFactory(commune=commune_a, period=LAST, note="=SECRET-A")
    client = login(official_b)
    assert "SECRET-A" not in client.get(reverse("payments:export_csv")).content.decode()
    assert client.get(reverse("payments:overview"), {"commune": commune_a.code}).status_code == 404
    csv_url = reverse("payments:export_csv")
    assert client.get(csv_url, {"commune": commune_a.code}).status_code == 404
    assert client.get(reverse("payments:overview"), {"commune": "x"}).status_code == 404
    assert CashlessReport.objects.for_user(official_b).count() == 0
    assert CashlessReport.objects.for_user(official_a).count() == 1


def test_zero_totals_render_as_no_data(login, official_a, commune_a):
    CashlessReportFactory(
        commune=commune_a, period=LAST, payers_total=0, payers_cashless=0,
        amount_total=0, amount_cashless=0,
    )  # fmt: skip
    response = login(official_a).get(reverse("payments:overview"))
    assert response.status_code == 200
    assert "chưa có số liệu" in response.content.decode()


# --- Entry ------------------------------------------------------------------------------------


def _entry_post(scope, period, rows: dict):
    data = {
        "scope": scope,
        "period": f"{period:%Y-%m}",
        "cat-TOTAL_FORMS": "8",
        "cat-INITIAL_FORMS": "0",
        "cat-MIN_NUM_FORMS": "8",
        "cat-MAX_NUM_FORMS": "8",
    }
    for i, (value, _label) in enumerate(Category.choices):
        data[f"cat-{i}-category"] = value
        for name, text in rows.get(value, {}).items():
            data[f"cat-{i}-{name}"] = text
    return data


FULL = {
    "payers_total": "1.200",
    "payers_cashless": "1.029",
    "amount_total": "540.000.000",
    "amount_cashless": "524,880,000",
    "source": "power_company",
}


def test_entry_prefills_last_months_totals(login, official_a, commune_a):
    CashlessReportFactory(
        commune=commune_a,
        period=month_start(LAST, -1),
        payers_total=1234,
        amount_total=5_600_000,
        amount_cashless=0,
    )
    response = login(official_a).get(
        reverse("payments:entry"), {"scope": f"commune:{commune_a.pk}", "period": f"{LAST:%m/%Y}"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="1.234"' in html and 'value="5.600.000"' in html
    assert html.count('name="cat-') >= 8 * 6


def test_entry_saves_the_month_and_editing_updates(login, official_a, commune_a):
    client = login(official_a)
    url = reverse("payments:entry")
    post = _entry_post(f"commune:{commune_a.pk}", LAST, {"electricity": FULL})
    response = client.post(url, post)
    assert response.status_code == 302
    report = CashlessReport.objects.get()
    assert (report.payers_cashless, report.amount_cashless) == (1029, 524_880_000)
    assert report.village is None and report.entered_by == official_a
    post = _entry_post(
        f"commune:{commune_a.pk}", LAST, {"electricity": {**FULL, "payers_cashless": "1.100"}}
    )
    assert client.post(url, post).status_code == 302
    assert CashlessReport.objects.get().payers_cashless == 1100


def test_entry_is_all_or_nothing(login, official_a, commune_a):
    post = _entry_post(
        f"commune:{commune_a.pk}",
        LAST,
        {"electricity": FULL, "water": {**FULL, "payers_cashless": "1.201"}},
    )
    response = login(official_a).post(reverse("payments:entry"), post)
    assert response.status_code == 200
    assert "không thể nhiều hơn tổng số người nộp" in response.content.decode()
    assert CashlessReport.objects.count() == 0


def test_entry_for_a_village(login, official_a, commune_a, village_a2):
    post = _entry_post(f"village:{village_a2.pk}", LAST, {"water": FULL})
    assert login(official_a).post(reverse("payments:entry"), post).status_code == 302
    assert CashlessReport.objects.get().village == village_a2


def test_entry_refuses_a_village_of_another_commune(login, official_a, village_b1):
    post = _entry_post(f"village:{village_b1.pk}", LAST, {"water": FULL})
    response = login(official_a).post(reverse("payments:entry"), post)
    assert response.status_code == 400
    assert CashlessReport.objects.count() == 0


def test_entry_refuses_a_future_month(login, official_a, commune_a):
    post = _entry_post(f"commune:{commune_a.pk}", month_start(current_period(), 1), {"water": FULL})
    response = login(official_a).post(reverse("payments:entry"), post)
    assert response.status_code == 400
    assert "tương lai" in response.content.decode()
    assert CashlessReport.objects.count() == 0


def test_entry_needs_all_four_numbers(login, official_a, commune_a):
    post = _entry_post(f"commune:{commune_a.pk}", LAST, {"water": {"payers_cashless": "10"}})
    response = login(official_a).post(reverse("payments:entry"), post)
    assert "Nhập đủ bốn số" in response.content.decode()
    assert CashlessReport.objects.count() == 0


# --- Exports ----------------------------------------------------------------------------------


def test_csv_export_neutralises_formulas(login, official_a, commune_a, village_a1):
    for i, note in enumerate(['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "plain"]):
        CashlessReportFactory(
            commune=commune_a, period=month_start(LAST, -i), village=village_a1, note=note
        )
    response = login(official_a).get(reverse("payments:export_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    notes = {row[8] for row in rows[1:]}
    assert notes == {'\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "plain"}
    assert rows[1][1] == village_a1.code


def test_xlsx_export_has_no_formulas(login, official_a, commune_a):
    CashlessReportFactory(commune=commune_a, period=LAST, note="=1+1")
    response = login(official_a).get(reverse("payments:export_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for cell in sheet[2]]
    assert "'=1+1" in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert values[3] == 200 and values[10] == 75.0  # numbers stay numbers; share in %


# --- Query budget -----------------------------------------------------------------------------


def _fill(commune, villages, months, categories):
    rows = []
    for m in range(months):
        period = month_start(LAST, -m)
        for category in categories:
            rows.append(CashlessReport(commune=commune, period=period, category=category,
                                       payers_total=10, payers_cashless=m % 10,
                                       amount_total=100, amount_cashless=50))  # fmt: skip
            for village in villages:
                rows.append(CashlessReport(commune=commune, village=village, period=period,
                                           category=category, payers_total=10,
                                           payers_cashless=5, amount_total=0,
                                           amount_cashless=0))  # fmt: skip
    CashlessReport.objects.bulk_create(rows)


@pytest.mark.parametrize("size", ["small", "large"])
def test_overview_runs_a_constant_number_of_queries(
    login, official_a, commune_a, village_a1, village_a2, django_assert_max_num_queries, size
):
    villages = [village_a1, village_a2]
    if size == "large":
        villages += [VillageFactory(commune=commune_a, number=n) for n in range(3, 11)]
        _fill(commune_a, villages, 12, [c.value for c in Category])
    else:
        _fill(commune_a, villages[:1], 1, ["electricity"])
    client = login(official_a)
    # 9 = 8 + the latest roll-up run, the key of the cached adults' e-payment figure.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("payments:overview"))
    assert response.status_code == 200
    if size == "large":
        assert CashlessReport.objects.count() == 12 * 8 * 11
        assert response.content.decode().count("<svg") == 8


def test_overview_window_can_move_back(login, official_a, commune_a):
    old = dt.date(2020, 5, 1)
    CashlessReportFactory(commune=commune_a, period=old)
    response = login(official_a).get(reverse("payments:overview"), {"end": "05/2020"})
    assert "06/2019" in response.content.decode()
