"""The one normal form for text (core.text) and the folded search key."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.text import (
    ascii_digits,
    fold,
    natural_key,
    normalise,
    only_digits,
    split_vietnamese_name,
    vietnamese_name,
)

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " \t\n\u00a0\u200b"),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


@given(texts)
def test_normalise_is_idempotent_and_nfc(value):
    once = normalise(value)
    assert normalise(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip()
    assert "  " not in once and "\n" not in once and "\t" not in once


@given(texts)
def test_nfd_and_nfc_input_give_the_same_text_and_key(value):
    assert normalise(unicodedata.normalize("NFD", value)) == normalise(
        unicodedata.normalize("NFC", value)
    )
    assert fold(unicodedata.normalize("NFD", value)) == fold(value)


@given(texts)
def test_fold_is_idempotent_lower_and_without_vietnamese_marks(value):
    key = fold(value)
    assert fold(key) == key
    assert key == key.lower()
    assert not any(ch in key for ch in "đĐ")
    assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", key))


@given(st.text(alphabet=VIETNAMESE + " ", max_size=30))
def test_fold_ignores_case_and_accents(value):
    assert fold(value.upper()) == fold(value)
    assert fold(value).isascii()


def test_examples_people_type():
    assert fold("Nguyễn Văn Đặng") == "nguyen van dang"
    assert fold("NGUYỄN  VĂN\u00a0ĐẶNG ") == "nguyen van dang"
    assert fold(unicodedata.normalize("NFD", "Đặng Thị Huệ")) == "dang thi hue"
    assert normalise(" Trần\u200b   Thị  Hà\t") == "Trần Thị Hà"
    assert normalise("line one  \r\n\r\n\r\n  line two ", multiline=True) == "line one\n\nline two"


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=12))
def test_every_decimal_digit_system_folds_to_ascii(digits):
    ascii_text = "".join(map(str, digits))
    for zero in (0x0660, 0x06F0, 0xFF10, 0x0966):  # Arabic-Indic, Persian, full-width, Devanagari
        other = "".join(chr(zero + d) for d in digits)
        assert ascii_digits(other) == ascii_text
        assert only_digits(other) == ascii_text


def test_only_digits_refuses_letters_and_superscripts():
    assert only_digits("022 090 000 123") == "022090000123"
    with pytest.raises(ValidationError):
        only_digits("02209O000123")
    with pytest.raises(ValidationError):
        only_digits("²²")


def test_natural_order_of_household_numbers():
    numbers = ["100", "12B", "2", "12", "012A", "11", "1", "12a", "10"]
    assert sorted(numbers, key=natural_key) == [
        "1", "2", "10", "11", "12", "012A", "12a", "12B", "100",
    ]  # fmt: skip


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_natural_key_orders_numbers_like_integers(a, b):
    assert (natural_key(str(a)) < natural_key(str(b))) == (a < b)


def test_vietnamese_name_order():
    assert vietnamese_name("Nguyễn", "Văn Hùng") == "Nguyễn Văn Hùng"
    assert split_vietnamese_name("  Nguyễn  Văn Hùng ") == ("Nguyễn", "Văn Hùng")
    assert split_vietnamese_name("Hùng") == ("Hùng", "")
    assert split_vietnamese_name("") == ("", "")


def test_a_superscript_pk_is_not_a_valid_pk():
    from core.forms import valid_pk

    assert valid_pk("12") and not valid_pk("¹") and not valid_pk("١٢")
