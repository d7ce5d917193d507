import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from households.validators import (
    PROVINCE_CODES,
    id_digit_for,
    normalise_phone,
    validate_birth_date,
    validate_coordinates,
    validate_id_number,
    validate_legacy_id,
)

births = st.dates(min_value=dt.date(1906, 1, 1), max_value=dt.date(2025, 12, 31))
sexes = st.sampled_from(["M", "F"])
provinces = st.sampled_from(sorted(PROVINCE_CODES))
tails = st.integers(min_value=0, max_value=999_999)


def build(province, birth, sex, tail):
    return f"{province}{id_digit_for(birth.year, sex)}{birth.year % 100:02d}{tail:06d}"


def test_province_table_is_the_63_old_provinces():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["022"] == "Quảng Ninh"
    assert PROVINCE_CODES["079"] == "TP. Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"
    assert "003" not in PROVINCE_CODES and "097" not in PROVINCE_CODES


@settings(max_examples=200, deadline=None)
@given(provinces, births, sexes, tails)
def test_generated_valid_ids_pass(province, birth, sex, tail):
    number = build(province, birth, sex, tail)
    assert validate_id_number(number, birth_date=birth, sex=sex) == number
    # Spaces and dots typed in the field are accepted.
    spaced = f"{number[:3]} {number[3:6]}.{number[6:]}"
    assert validate_id_number(spaced, birth_date=birth, sex=sex) == number


@settings(max_examples=200, deadline=None)
@given(provinces, births, sexes, tails, st.integers(min_value=3, max_value=5), st.integers(1, 9))
def test_any_change_of_century_sex_or_year_digit_fails(province, birth, sex, tail, pos, delta):
    number = build(province, birth, sex, tail)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(changed, birth_date=birth, sex=sex)


@pytest.mark.parametrize(
    "value", ["", "12345678901", "0220801234567", "02208012345a", "abcdefghijkl"]
)
def test_id_must_have_12_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == "id_format"


def test_unknown_province_code_refused_in_vietnamese(settings):
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        validate_id_number("003080123456")
    assert "mã tỉnh" in exc.value.messages[0]


def test_sex_and_year_mismatch_are_named():
    number = "022080123456"  # man born 1980
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number, birth_date=dt.date(1981, 1, 1), sex="F")
    codes = {e.code for e in exc.value.error_list}
    assert codes == {"id_birth_year", "id_sex"}


def test_legacy_id_is_9_digits_only():
    assert validate_legacy_id("101 234 567") == "101234567"
    with pytest.raises(ValidationError):
        validate_legacy_id("022080123456")


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("(0203) 3888 999", "02033888999"),
        ("+84-203-3888-999", "02033888999"),
        ("", ""),
    ],
)
def test_phone_normalised(raw, stored):
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "0112345678", "091234567", "091234567890", "abc"])
def test_bad_phone_refused(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)


def test_birth_date_rules():
    today = dt.date(2026, 6, 1)
    validate_birth_date(dt.date(1905, 6, 2), today=today)  # 120 years and 364 days
    with pytest.raises(ValidationError):
        validate_birth_date(dt.date(1905, 6, 1), today=today)  # 121 today
    with pytest.raises(ValidationError):
        validate_birth_date(dt.date(2026, 6, 2), today=today)


@pytest.mark.parametrize(
    "lat, lon, ok",
    [
        ("21.355", "107.595", True),  # Quảng Tân
        ("10.7769", "106.7009", True),  # TP.HCM
        ("16.5", "112.0", True),  # Hoàng Sa
        ("8.65", "111.92", True),  # Trường Sa
        ("107.595", "21.355", False),  # swapped
        ("48.85", "2.35", False),  # Paris
        ("13.75", "100.5", False),  # Bangkok
    ],
)
def test_coordinates_inside_vietnam(lat, lon, ok):
    if ok:
        validate_coordinates(Decimal(lat), Decimal(lon))
    else:
        with pytest.raises(ValidationError):
            validate_coordinates(Decimal(lat), Decimal(lon))
