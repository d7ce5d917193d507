"""The model's invariants: uniqueness with readable messages, cashless <= total, no negatives."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from payments.models import CashlessReport, Category, current_period, month_start, share
from tests.payments.factories import CashlessReportFactory

pytestmark = pytest.mark.django_db


def _errors(report) -> str:
    with pytest.raises(ValidationError) as info:
        report.full_clean()
    return " ".join(info.value.messages)


def test_commune_level_duplicate_gets_a_vietnamese_message(commune_a):
    CashlessReportFactory(commune=commune_a)
    twin = CashlessReportFactory.build(commune=commune_a)
    assert "Xã đã có báo cáo cho lĩnh vực và tháng này" in _errors(twin)


def test_commune_level_uniqueness_holds_in_the_database_despite_null_village(commune_a):
    CashlessReportFactory(commune=commune_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CashlessReportFactory(commune=commune_a)


def test_village_level_duplicate_gets_a_vietnamese_message(commune_a, village_a1):
    CashlessReportFactory(commune=commune_a, village=village_a1)
    twin = CashlessReportFactory.build(commune=commune_a, village=village_a1)
    assert "Thôn này đã có báo cáo cho lĩnh vực và tháng này" in _errors(twin)


def test_same_month_at_commune_and_village_level_are_different_reports(commune_a, village_a1):
    CashlessReportFactory(commune=commune_a)
    CashlessReportFactory(commune=commune_a, village=village_a1)
    other_month = CashlessReportFactory.build(commune=commune_a, period=dt.date(2024, 7, 1))
    other_month.full_clean()
    assert CashlessReport.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("payers_cashless", 201, "không dùng tiền mặt không thể nhiều hơn tổng số"),
        ("amount_cashless", 90_000_001, "không thể lớn hơn tổng số tiền"),
        ("amount_total", -1, "không được âm"),
        ("amount_cashless", -5, "không được âm"),
    ],
)
def test_model_refuses_impossible_figures(commune_a, field, value, message):
    report = CashlessReportFactory.build(commune=commune_a, **{field: value})
    assert message in _errors(report)


@pytest.mark.parametrize(
    "constraint_values",
    [
        {"payers_cashless": 300},
        {"amount_cashless": 10**9},
        {"amount_total": -1, "amount_cashless": -2},
    ],
)
def test_database_refuses_impossible_figures(commune_a, constraint_values):
    with pytest.raises(IntegrityError), transaction.atomic():
        CashlessReportFactory(commune=commune_a, **constraint_values)


def test_future_month_is_refused(commune_a):
    report = CashlessReportFactory.build(commune=commune_a, period=month_start(current_period(), 1))
    assert "tương lai" in _errors(report)


def test_the_current_month_is_accepted(commune_a):
    CashlessReportFactory.build(commune=commune_a, period=current_period()).full_clean()


def test_village_of_another_commune_is_refused(commune_a, village_b1):
    report = CashlessReportFactory.build(commune=commune_a, village=village_b1)
    assert "phải thuộc xã đã chọn" in _errors(report)


def test_shares_are_computed_and_zero_totals_give_none(commune_a):
    report = CashlessReportFactory.build(
        commune=commune_a, payers_total=0, payers_cashless=0, amount_total=400, amount_cashless=100
    )
    assert report.payers_share is None
    assert report.amount_share == Decimal("0.25")
    assert float(share(1, 3)) == pytest.approx(1 / 3)
    assert share(0, 0) is None
    assert share(5, None) is None


def test_categories_are_the_eight_of_the_contract():
    assert [c.value for c in Category] == [
        "electricity", "water", "public_fees", "health", "school_fees", "taxes",
        "social_insurance", "retail",
    ]  # fmt: skip
