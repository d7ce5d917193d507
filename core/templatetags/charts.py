"""{% load charts %} {% line_chart spec %} / {% bar_chart spec %}: print a core.charts.ChartSpec."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("_partials/chart_line.html")
def line_chart(spec):
    """Inline <svg> line chart plus a collapsible data table (spec from core.charts.line_chart)."""
    return {"spec": spec}


@register.inclusion_tag("_partials/chart_bar.html")
def bar_chart(spec):
    """Inline <svg> grouped bar chart plus a data table (spec from core.charts.bar_chart)."""
    return {"spec": spec}
