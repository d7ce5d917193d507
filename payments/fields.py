"""Form fields for money in whole VND and for a month, tolerant of how people type them."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import ascii_digits

from .models import current_period

# Thousands separators people use: dot (Vietnamese), comma (English), spaces (incl. no-break).
_SEPARATORS = ".,' \u00a0\u202f"
_GROUPED = re.compile(r"^\d{1,3}(?P<sep>[.,' \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*$")
_SUFFIX = re.compile(r"\s*(?:đ|₫|vnd|vnđ|đồng)\s*$", re.IGNORECASE)


def parse_vnd(text: str | int | None) -> int | None:
    """'1.234.567', '1,234,567', '1 234 567', '1234567 đ' -> 1234567; '' -> None.

    Raises ValidationError (Vietnamese message) for decimals, mixed separators, negatives.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValidationError(_("Enter a whole number of đồng, e.g. 1.234.567."), code="invalid")
    if isinstance(text, int):
        value = text
    elif isinstance(text, float):
        if not text.is_integer():
            raise ValidationError(_("Amounts are in whole đồng, without decimals."), code="invalid")
        value = int(text)
    else:
        # Arabic-Indic or full-width digits (some keyboards, pasted text) count as 0-9.
        cleaned = _SUFFIX.sub("", ascii_digits(str(text))).strip()
        if not cleaned:
            return None
        negative = cleaned.startswith("-")
        if negative:
            cleaned = cleaned[1:].strip()
        if cleaned.isascii() and cleaned.isdigit():  # not "²" or other Unicode digits
            value = int(cleaned)
        elif _GROUPED.match(cleaned):
            value = int("".join(ch for ch in cleaned if ch not in _SEPARATORS))
        else:
            raise ValidationError(
                _("Enter a whole number of đồng, e.g. 1.234.567."), code="invalid"
            )
        if negative:
            value = -value
    if value < 0:
        raise ValidationError(_("Numbers cannot be negative."), code="negative")
    return value


def format_vnd(value: int | None) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands separator)."""
    if value is None:
        return ""
    return f"{int(value):,}".replace(",", ".")


class VNDInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_vnd(value)
        return super().format_value(value)


class VNDField(forms.Field):
    """A whole, non-negative number of VND, accepting thousands separators (1.234.567)."""

    widget = VNDInput
    max_value = 10**15  # far above any commune's monthly turnover, well inside BigIntegerField
    default_error_messages = {
        "invalid": _("Enter a whole number of đồng, e.g. 1.234.567."),
        "max_value": _("This number is too large."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_vnd(value)
        except ValidationError as exc:
            if exc.code == "invalid":
                raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
            raise
        if number is not None and number > self.max_value:
            raise ValidationError(self.error_messages["max_value"], code="max_value")
        return number


class CountField(VNDField):
    """A whole, non-negative number of people, with the same separators as VNDField."""

    max_value = 2_000_000_000  # PositiveIntegerField
    default_error_messages = {"invalid": _("Enter a whole number, e.g. 1.234.")}


_MONTH_PATTERNS = [
    re.compile(r"^(?P<month>\d{1,2})\s*[/.\-]\s*(?P<year>\d{4})$"),  # 03/2025, 3-2025
    re.compile(r"^(?P<year>\d{4})\s*[/.\-]\s*(?P<month>\d{1,2})$"),  # 2025-03 (input type=month)
]


def parse_month(text) -> dt.date | None:
    """'03/2025', '3/2025', '2025-03' or a date -> date(2025, 3, 1); '' -> None."""
    if text in (None, ""):
        return None
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return text.replace(day=1)
    text = str(text).strip()
    for pattern in _MONTH_PATTERNS:
        found = pattern.match(text)
        if found:
            month, year = int(found["month"]), int(found["year"])
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return dt.date(year, month, 1)
    raise ValidationError(_("Enter a month as MM/YYYY, e.g. 03/2025."), code="invalid")


class MonthInput(forms.TextInput):
    """<input type="month"> (value YYYY-MM); browsers without it show a text box for MM/YYYY."""

    input_type = "month"

    def format_value(self, value):
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A month, cleaned to its first day; months in the future are refused by default."""

    widget = MonthInput

    def __init__(self, *, allow_future: bool = False, **kwargs):
        self.allow_future = allow_future
        kwargs.setdefault("help_text", _("MM/YYYY"))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_month(value)

    def validate(self, value):
        super().validate(value)
        if value and not self.allow_future and value > current_period():
            raise ValidationError(
                _("The month is in the future: reports are entered after the month starts."),
                code="future",
            )
