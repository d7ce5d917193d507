"""{% load payments_format %}: shares as percentages, changes in points, amounts in VND."""

from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _

from payments.fields import format_vnd

register = template.Library()


@register.filter
def pct(value) -> str:
    """A percentage (0..100) as '85,8%' (the portal's one percent format, criteria.formatting);
    None (a zero total) as 'no data'."""
    if value is None or value == "":
        return _("no data")
    from decimal import Decimal

    from criteria.formatting import format_value

    return format_value(Decimal(str(round(float(value), 1))), "percent")


@register.filter
def points(value) -> str:
    """A change in percentage points with its sign: '+1,2 pp'; None as an empty string."""
    if value is None or value == "":
        return ""
    number = round(float(value), 1)
    sign = "+" if number > 0 else ("−" if number < 0 else "±")
    text = formats.number_format(abs(number), 1, use_l10n=True)
    return _("%(sign)s%(value)s pp") % {"sign": sign, "value": text}


@register.filter
def vnd(value) -> str:
    return format_vnd(value)


@register.simple_tag
def change_badge(value):
    """A coloured badge for a change in points (green up, red down)."""
    if value is None:
        return ""
    css = "text-bg-success" if value > 0 else ("text-bg-danger" if value < 0 else "text-bg-light")
    return format_html('<span class="badge {}">{}</span>', css, points(value))
