import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from households.validators import (
    PROVINCE_CODES,
    normalise_phone,
    validate_birth_date,
    validate_coordinates,
    validate_id_number,
    validate_legacy_id,
)


def test_province_table_is_the_63_old_provinces():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["022"] == "Quảng Ninh"
    assert PROVINCE_CODES["079"] == "TP. Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"
    assert "003" not in PROVINCE_CODES and "097" not in PROVINCE_CODES


# Hand-written numbers (Circular 07/2016/TT-BCA, art. 7): province of birth registration (3),
# century and sex (1: 1900s man 0 / woman 1, 2000s man 2 / woman 3), year of birth (2), 6 digits.
VALID = [
    ("022080123456", dt.date(1980, 5, 17), "M"),  # Quảng Ninh, man, 1980
    ("022180654321", dt.date(1980, 1, 1), "F"),  # Quảng Ninh, woman, 1980
    ("001099000001", dt.date(1999, 12, 31), "M"),  # Hà Nội, man, 1999
    ("079300000777", dt.date(2000, 2, 29), "F"),  # TP. Hồ Chí Minh, woman, 2000
    ("096212345678", dt.date(2012, 6, 15), "M"),  # Cà Mau, man, 2012
    ("036106999999", dt.date(1906, 3, 3), "F"),  # Nam Định, woman, 1906
]


@pytest.mark.parametrize("number, birth, sex", VALID)
def test_valid_ids_pass(number, birth, sex):
    assert validate_id_number(number, birth_date=birth, sex=sex) == number
    # Spaces and dots typed in the field are accepted.
    spaced = f"{number[:3]} {number[3:6]}.{number[6:]}"
    assert validate_id_number(spaced, birth_date=birth, sex=sex) == number


@pytest.mark.parametrize(
    "number, birth, sex, code",
    [
        ("022180123456", dt.date(1980, 5, 17), "M", "id_sex"),  # a woman's digit for a man
        ("022080123456", dt.date(1980, 5, 17), "F", "id_sex"),  # a man's digit for a woman
        ("022280123456", dt.date(1980, 5, 17), "M", "id_birth_year"),  # 2000s digit, born 1980
        ("022081123456", dt.date(1980, 5, 17), "M", "id_birth_year"),  # year 81, born 1980
        ("079200000777", dt.date(2000, 2, 29), "F", "id_sex"),
        ("096213345678", dt.date(2012, 6, 15), "M", "id_birth_year"),
        ("022980123456", dt.date(1980, 5, 17), "M", "id_century"),  # 2300s: nobody alive
    ],
)
def test_century_sex_or_year_that_disagree_fail(number, birth, sex, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number, birth_date=birth, sex=sex)
    assert code in {e.code for e in exc.value.error_list}


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
