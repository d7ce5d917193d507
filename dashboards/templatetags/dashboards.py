"""{% load dashboards %}: privacy filters and the one way a figure is printed.

- `{{ n|suppress_small }}`: a count below 5 reads "< 5" (public pages: small cells could point
  at a person); other counts are formatted in the active language.
- `{{ figure.progress|dash_width }}`: the CSS class `sv-w-<0..100>` (steps of 1) of a progress bar
  (no inline style under the Content-Security-Policy).
- `{% dash_figure figure public=True %}`: the partial dashboards/_figure.html.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats

from criteria.formatting import format_value
from criteria.privacy import SMALL_COUNT, public_pair

register = template.Library()


@register.filter
def suppress_small(value, minimum: int = SMALL_COUNT):
    """'< 5' for a count below `minimum` (0 included), else the count formatted; None -> '–'."""
    if value is None or value == "":
        return "–"
    try:
        number = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        return "–"
    if number < int(minimum):
        return f"< {int(minimum)}"
    return format_value(number, "count")


@register.simple_tag
def dash_public(figure):
    """{% dash_public f as p %}: the texts a public page prints (selectors.public_figure)."""
    from dashboards.selectors.figures import public_figure

    return public_figure(figure)


@register.simple_tag
def dash_public_pair(numerator, denominator):
    """{% dash_public_pair n d as pair %}: (n, d) texts with small counts as bounds."""
    return public_pair(numerator, denominator)


@register.filter
def dash_width(value) -> str:
    """A progress 0..100 -> the class 'sv-w-<n>' (portal.css), rounded to the nearest percent."""
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        number = 0.0
    return f"sv-w-{max(0, min(100, round(number)))}"


@register.filter
def dash_signed(value, unit: str = "percent") -> str:
    """A change with its sign in the active language: '+2,5' / '−1' / '±0'; None -> ''."""
    if value is None:
        return ""
    value = Decimal(value)
    places = 1 if unit == "percent" else 0
    text = formats.number_format(
        abs(value).quantize(Decimal(1).scaleb(-places)), decimal_pos=places, use_l10n=True
    )
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return "±0"


@register.inclusion_tag("dashboards/_figure.html")
def dash_figure(figure, public: bool = True, compact: bool = False):
    """Print one Figure: value, bar to its threshold, and the definition behind an 'i'."""
    return {"f": figure, "public": public, "compact": compact}
