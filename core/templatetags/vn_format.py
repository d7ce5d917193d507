"""{% load vn_format %}: money and large counts with Vietnamese digit grouping, names in order.

    {{ 72000000|vnd }}      -> 72.000.000 đ
    {{ 1534200|number }}    -> 1.534.200
    {{ user|person_name }}  -> Nguyễn Văn Hùng (family name first; see core.names)

The grouping comes from the active language's formats (smartvillage/formats): the same in
Vietnamese and English, on pages and print views alike.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats

from core.names import person_name as _person_name

register = template.Library()


def _grouped(value, places: int = 0) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if places == 0:
        number = number.quantize(Decimal(1))
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def number(value, places: int = 0) -> str:
    """A count or amount with digit grouping: 1534200 -> '1.534.200'; None / '' -> ''."""
    if value is None or value == "":
        return ""
    return _grouped(value, int(places))


@register.filter
def vnd(value) -> str:
    """An amount in đồng: 72000000 -> '72.000.000 đ'; None / '' -> ''."""
    if value is None or value == "":
        return ""
    text = _grouped(value)
    return f"{text} đ" if text else ""


@register.filter
def person_name(user) -> str:
    return _person_name(user)
