"""Template filters and the progress of a figure toward its threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from dashboards.selectors import Figure
from dashboards.templatetags.dashboards import dash_signed, dash_width, suppress_small


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "< 5"), (1, "< 5"), (4, "< 5"), (Decimal("4.00"), "< 5"), (5, "5"), (1234, "1.234"),
     (None, "–")],
)  # fmt: skip
def test_suppress_small(value, shown):
    with translation.override("vi"):
        assert suppress_small(value) == shown


@pytest.mark.parametrize(
    ("value", "css"),
    [
        (0, "sv-w-0"),
        (4.9, "sv-w-5"),
        (52, "sv-w-52"),
        (74.4, "sv-w-74"),
        (100, "sv-w-100"),
        (130, "sv-w-100"),
        (None, "sv-w-0"),
    ],  # fmt: skip
)
def test_dash_width(value, css):
    assert dash_width(value) == css


@translation.override("vi")
def test_dash_signed():
    assert dash_signed(Decimal("2.46")) == "+2,5"
    assert dash_signed(Decimal("-1"), "count") == "−1"
    assert dash_signed(0) == "±0"
    assert dash_signed(None) == ""


def figure(**kw):
    base = dict(code="X", label="x", unit="percent", value=Decimal(40), numerator=4,
                denominator=10, status="not_met", target=Decimal(80), comparator="gte",
                requirement="≥ 80%", definition="", help_text="", computed_at=None,
                indicator_key="adults_smartphone")  # fmt: skip
    return Figure(**{**base, **kw})


def test_progress_to_the_threshold():
    assert figure().progress == 50  # 40 of 80
    assert figure(value=Decimal(79)).progress == 98  # 1 % steps, never full unless met
    assert figure(status="met", value=Decimal(90)).progress == 100
    assert figure(value=None, status="no_data").progress == 0
    assert figure(unit="boolean", comparator="bool", target=None, value=0).progress == 0


def test_too_few_hides_percentages_of_under_5():
    assert figure(denominator=4).too_few
    assert not figure(denominator=5).too_few
    assert not figure(unit="count", denominator=2).too_few
