"""Typing amounts and months the way officials do."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from payments.fields import CountField, MonthField, VNDField, format_vnd, parse_month, parse_vnd
from payments.models import current_period, month_start


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234.567", 1234567),
        ("1,234,567", 1234567),
        ("1 234 567", 1234567),
        ("1\u00a0234\u00a0567", 1234567),
        ("1234567", 1234567),
        ("  97.200.000 đ ", 97200000),
        ("500 VND", 500),
        ("0", 0),
        (1234, 1234),
        (1234.0, 1234),
        ("", None),
    ],
)
def test_vnd_accepts_vietnamese_and_english_separators(text, value):
    assert parse_vnd(text) == value


@pytest.mark.parametrize("text", ["1.5", "12,34", "1.234,567", "1..234", "abc", "1.2345", 12.5])
def test_vnd_refuses_decimals_and_mixed_separators(text):
    with pytest.raises(ValidationError) as info:
        VNDField().clean(text)
    assert (
        "số nguyên" in info.value.messages[0] or "không có phần thập phân" in info.value.messages[0]
    )


@pytest.mark.parametrize("text", ["-1", "-1.000", -5])
def test_vnd_refuses_negative_numbers(text):
    with pytest.raises(ValidationError) as info:
        VNDField().clean(text)
    assert "không được âm" in info.value.messages[0]


def test_count_field_message_speaks_of_a_number_not_money():
    with pytest.raises(ValidationError) as info:
        CountField().clean("12,5")
    assert "đồng" not in info.value.messages[0]


def _grouped(value: int, sep: str) -> str:
    return f"{value:,}".replace(",", sep)


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from([".", ",", " ", "\u00a0", ""]))
def test_any_amount_formatted_with_separators_parses_back(value, sep):
    assert parse_vnd(_grouped(value, sep)) == value
    assert VNDField().clean(_grouped(value, sep)) == value


@given(st.integers(min_value=0, max_value=10**15))
def test_format_vnd_round_trips(value):
    assert parse_vnd(format_vnd(value)) == value


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("03/2024", dt.date(2024, 3, 1)),
        ("3/2024", dt.date(2024, 3, 1)),
        ("2024-03", dt.date(2024, 3, 1)),
        (dt.datetime(2024, 3, 17, 0, 0), dt.date(2024, 3, 1)),
    ],
)
def test_month_accepts_mm_yyyy_and_input_type_month(text, month):
    assert parse_month(text) == month
    assert MonthField().clean(text) == month


@pytest.mark.parametrize("text", ["13/2024", "2024", "03-24", "tháng 3"])
def test_month_refuses_nonsense(text):
    with pytest.raises(ValidationError) as info:
        MonthField().clean(text)
    assert "MM/YYYY" in info.value.messages[0]


def test_month_in_the_future_is_refused():
    future = month_start(current_period(), 1)
    with pytest.raises(ValidationError) as info:
        MonthField().clean(f"{future:%m/%Y}")
    assert "tương lai" in info.value.messages[0]
    assert MonthField().clean(f"{current_period():%m/%Y}") == current_period()
