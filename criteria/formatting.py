"""How values and requirements read to people (Vietnamese number formats via Django's l10n)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _


def _number(value: Decimal, places: int) -> str:
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def format_value(value, unit: str) -> str:
    """'85,3%', '3', 'Yes', '72.000.000 đ' or '–' for no value."""
    if value is None:
        return "–"
    value = Decimal(value)
    if unit == "percent":
        places = 0 if value == value.to_integral_value() else 1
        return f"{_number(value.quantize(Decimal('0.1')), places)}%"
    if unit == "boolean":
        return _("Yes") if value else _("No")
    if unit == "vnd":
        return f"{_number(value.quantize(Decimal(1)), 0)} đ"
    return _number(value.quantize(Decimal(1)) if value == int(value) else value, 0)


def format_requirement(criterion) -> str:
    """'≥ 80%', '≥ 1', 'Yes'."""
    if criterion.comparator == "bool":
        return _("Yes")
    symbol = {"gte": "≥", "lte": "≤", "eq": "="}[criterion.comparator]
    return f"{symbol} {format_value(criterion.target, criterion.unit)}"
