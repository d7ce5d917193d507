from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from criteria.formatting import format_value, public_help
from criteria.privacy import public_counts

register = template.Library()

BADGES = {
    "met": "text-bg-success",
    "not_met": "text-bg-danger",
    "no_data": "text-bg-secondary",
    "na": "text-bg-info",
}


@register.filter
def crit_value(value, unit):
    """{{ a.value|crit_value:criterion.unit }} -> '85,3%'."""
    return format_value(value, unit)


@register.filter
def crit_help(text):
    """A criterion's help text without source tags, file references or indicator keys."""
    return public_help(text)


@register.simple_tag
def crit_public(assessment):
    """{% crit_public a as p %}: value, numerator and denominator as a public page prints them
    (small counts of people and what would give them back shown as bounds)."""
    criterion = assessment.criterion
    return public_counts(
        value=assessment.value, numerator=assessment.numerator,
        denominator=assessment.denominator, unit=criterion.unit,
        indicator_key=criterion.indicator_key, met=assessment.status == "met", progress=0,
    )  # fmt: skip


@register.filter
def crit_count(value):
    return format_value(value, "count")


@register.inclusion_tag("criteria/_status.html")
def crit_status(assessment):
    """A coloured badge: met / not met / no data / not applicable (text, not only colour)."""
    if assessment is None:
        return {"css": BADGES["no_data"], "label": _("No data"), "status": "no_data"}
    return {
        "css": BADGES.get(assessment.status, "text-bg-secondary"),
        "label": assessment.status_label,
        "status": assessment.status,
    }


@register.simple_tag
def crit_needed(item):
    """'37 more adults with VNeID level 2 to reach 80%'."""
    a = item["assessment"]
    return _("%(needed)s more %(noun)s to reach %(target)s") % {
        "needed": format_value(item["needed"], "count"),
        "noun": item["noun"],
        "target": format_value(a.criterion.target, a.criterion.unit),
    }


@register.filter
def crit_width(value):
    """Progress 0-100 -> the CSS width class 'sv-w-<n>' (portal.css; no inline style)."""
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        number = 0.0
    return f"sv-w-{max(0, min(100, round(number)))}"


@register.inclusion_tag("criteria/_requirement.html")
def crit_requirement(criterion, inline=False, short=False):
    """The threshold and, beside it, whose it is (commune group; chosen by the commune when no
    provincial text sets it: Criterion.threshold_basis). One place for every page. `short`: for
    a narrow table header, whose table says once what the short words mean."""
    from criteria.formatting import format_requirement_note

    return {
        "requirement": criterion.requirement_display(),
        "note": criterion.requirement_note(),
        "short_note": format_requirement_note(criterion, short=True) if short else "",
        "commune_choice": criterion.is_commune_choice,
        "inline": inline,
        "short": short,
    }
