"""Services: latest share for the criteria, saving a month, adults with an e-payment account."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from households.models import Household, Resident
from payments.models import CashlessReport, Category
from payments.services import (
    adults_epayment,
    cashless_reports_save,
    latest_share,
    overview_build,
)
from tests.payments.factories import CashlessReportFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


def test_latest_share_of_the_commune_by_payers_and_by_value(commune_a):
    CashlessReportFactory(commune=commune_a, period=JAN, payers_total=100, payers_cashless=50)
    CashlessReportFactory(
        commune=commune_a,
        period=FEB,
        payers_total=400,
        payers_cashless=343,
        amount_total=1000,
        amount_cashless=972,
    )
    value, numerator, denominator, period = latest_share(
        commune=commune_a, category=Category.ELECTRICITY
    )
    assert (value, numerator, denominator, period) == (Decimal("85.75"), 343, 400, FEB)
    by_value = latest_share(commune=commune_a, category="electricity", by="amount")
    assert by_value.value == Decimal("97.2")


def test_latest_share_prefers_the_village_report_and_falls_back_to_the_commune(
    commune_a, village_a1, village_a2
):
    CashlessReportFactory(commune=commune_a, period=FEB, payers_total=10, payers_cashless=5)
    CashlessReportFactory(
        commune=commune_a, village=village_a1, period=FEB, payers_total=10, payers_cashless=9
    )
    assert latest_share(commune=commune_a, village=village_a1, category="electricity").value == 90
    # Village A2 has no report of its own: the commune's figure stands in.
    assert latest_share(commune=commune_a, village=village_a2, category="electricity").value == 50
    # A newer commune report wins over an older village report.
    CashlessReportFactory(commune=commune_a, period=MAR, payers_total=10, payers_cashless=7)
    assert latest_share(commune=commune_a, village=village_a1, category="electricity").period == MAR


def test_latest_share_with_zero_total_and_without_reports(commune_a):
    assert latest_share(commune=commune_a, category="water") is None
    CashlessReportFactory(commune=commune_a, category="water", payers_total=0, payers_cashless=0)
    assert latest_share(commune=commune_a, category="water") == (None, 0, 0, dt.date(2024, 6, 1))
    with pytest.raises(ValueError):
        latest_share(commune=commune_a, category="water", by="households")


def _row(category="electricity", **overrides):
    return {
        "village": None,
        "period": JAN,
        "category": category,
        "payers_total": 10,
        "payers_cashless": 5,
        "amount_total": 100,
        "amount_cashless": 50,
        "source": "",
        "note": "",
        **overrides,
    }


def test_saving_a_month_creates_then_updates(commune_a, official_a):
    result = cashless_reports_save(commune=commune_a, rows=[_row(), _row("water")], user=official_a)
    assert (result.created, result.updated) == (2, 0)
    result = cashless_reports_save(
        commune=commune_a, rows=[_row(payers_cashless=8)], user=official_a
    )
    assert (result.created, result.updated) == (0, 1)
    report = CashlessReport.objects.get(category="electricity")
    assert report.payers_cashless == 8 and report.entered_by == official_a


def test_saving_is_all_or_nothing(commune_a):
    with pytest.raises(ValidationError):
        cashless_reports_save(commune=commune_a, rows=[_row(), _row("water", amount_cashless=101)])
    assert CashlessReport.objects.count() == 0


def test_saving_refuses_a_village_of_another_commune(commune_a, village_b1):
    with pytest.raises(ValueError):
        cashless_reports_save(commune=commune_a, rows=[_row(village=village_b1)])
    assert CashlessReport.objects.count() == 0


def _resident(household, born, *, epay, status="present"):
    return Resident.objects.create(
        household=household,
        full_name=f"Người {Resident.objects.count() + 1}",
        birth_date=born,
        sex="M",
        relation="head" if not household.residents.exists() else "child",
        status=status,
        has_epayment=epay,
    )


def test_adults_with_an_epayment_account_count_only_present_adults(
    village_a1, village_a2, village_b1
):
    today = dt.date(2025, 6, 15)
    h1 = Household.objects.create(village=village_a1, number="1")
    h2 = Household.objects.create(village=village_a2, number="1")
    hb = Household.objects.create(village=village_b1, number="1")
    _resident(h1, dt.date(1980, 1, 1), epay=True)
    _resident(h1, dt.date(2007, 6, 15), epay=False)  # 18 today: an adult
    _resident(h1, dt.date(2007, 6, 16), epay=True)  # 17: not counted
    _resident(h1, dt.date(1950, 1, 1), epay=True, status="deceased")
    _resident(h2, dt.date(1990, 1, 1), epay=True)
    _resident(hb, dt.date(1990, 1, 1), epay=False)  # another commune
    total, per_village = adults_epayment(commune=village_a1.commune, today=today)
    assert (total.adults, total.with_account) == (3, 2)
    assert per_village[village_a1.pk].with_account == 1
    assert per_village[village_a1.pk].adults == 2
    assert total.percent == Decimal(2) / Decimal(3) * 100


def test_no_registry_data_is_no_data_not_an_error(commune_a):
    total, per_village = adults_epayment(commune=commune_a)
    assert total.percent is None and per_village == {}


def test_overview_change_in_points_and_zero_totals(commune_a, village_a1):
    CashlessReportFactory(commune=commune_a, period=FEB, payers_total=100, payers_cashless=60)
    CashlessReportFactory(commune=commune_a, period=MAR, payers_total=100, payers_cashless=65)
    CashlessReportFactory(
        commune=commune_a, period=MAR, category="water", payers_total=0, payers_cashless=0,
        amount_total=0, amount_cashless=0,
    )  # fmt: skip
    CashlessReportFactory(commune=commune_a, village=village_a1, period=MAR)
    data = overview_build(commune=commune_a, end=MAR)
    electricity, water = data.categories[0], data.categories[1]
    assert electricity.latest.payers_percent == 65
    assert electricity.payers_change == 5
    assert water.latest.payers_percent is None and water.payers_change is None
    assert data.breakdown_categories == [("electricity", "Electricity")] or [
        code for code, _ in data.breakdown_categories
    ] == ["electricity"]
    assert [v.name for v in data.villages] == ["Thôn Một"]
    assert len(data.months) == 12 and data.months[-1] == MAR
