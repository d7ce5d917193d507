"""Small counts on public pages (docs/dashboards.md, "Small counts"): no count of fewer than 5
people can be recovered from what one page shows, by any of the ways a reader could try."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from dashboards.selectors.figures import Figure, public_figure, public_pair


def _figure(numerator, denominator, *, unit="percent", target=80, key="adults_smartphone"):
    value = Decimal(numerator) * 100 / Decimal(denominator) if unit == "percent" else numerator
    met = value >= target
    return Figure(
        code="TTM.04", label="Người trưởng thành có điện thoại thông minh", unit=unit,
        value=Decimal(value), numerator=Decimal(numerator), denominator=Decimal(denominator),
        status="met" if met else "not_met", target=Decimal(target), comparator="gte",
        requirement="≥ 80%", definition="", help_text="", computed_at=None, indicator_key=key,
    )  # fmt: skip


def _html(f) -> str:
    text = render_to_string("dashboards/_figure.html", {"f": f, "public": True, "compact": False})
    return re.sub(r"\s+", " ", text)


def _shown(html: str) -> dict[str, str]:
    """The value, numerator and denominator as printed, and the progress bar's value."""
    text = lambda pattern: re.search(pattern, html).group(1).strip()  # noqa: E731
    return {
        "value": text(r'class="dash-figure-value[^"]*">(.*?)</span>'),
        "numerator": text(r"</dt> <dd>(.*?)</dd>"),
        "denominator": text(r"</dt> <dd>.*?</dd> <dt>[^<]*</dt> <dd>(.*?)</dd>"),
        "progress": text(r'aria-valuenow="(\d+)"'),
    }


def _visible_numbers(html: str) -> set[str]:
    return set(re.findall(r"\d[\d.]*(?:,\d+)?", re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("small", [0, 1, 3, 4])
def test_a_small_numerator_is_not_given_back_by_the_percentage(small):
    d = 596  # "< 5 / 596" next to "0,5 %" gave the 3 people back
    html = _html(_figure(small, d))
    shown = _shown(html)
    assert shown["numerator"] == "&lt; 5" and shown["denominator"] == "596"
    assert shown["value"] == "&lt; 0,9%"  # 5 / 596: a bound, the same for 0 to 4 people
    exact = (Decimal(small) * 100 / d).quantize(Decimal("0.1"))
    assert str(exact).replace(".", ",") not in _visible_numbers(html) or small == 0


@pytest.mark.parametrize("small", [1, 3, 4])
def test_a_small_complement_is_not_given_back_by_numerator_or_percentage(small):
    d = 563  # "560 / 563": the 3 people without a smartphone were there to read
    html = _html(_figure(d - small, d))
    shown = _shown(html)
    assert shown["numerator"] == "&gt; 558" and shown["denominator"] == "563"
    assert shown["value"] == "&gt; 99,1%"
    numbers = _visible_numbers(html)
    exact = (Decimal(d - small) * 100 / d).quantize(Decimal("0.1"))
    assert str(d - small) not in numbers and str(exact).replace(".", ",") not in numbers


def test_the_progress_bar_does_not_give_the_value_back():
    # 4 of 50 against 80 %: the exact bar (10 %) gives 4 back; 28 of 30 (met) reads 100.
    assert _shown(_html(_figure(4, 50)))["progress"] == "0"
    assert _shown(_html(_figure(28, 30)))["progress"] == "100"
    assert _shown(_html(_figure(26, 30, target=100)))["progress"] == "85"  # 86,7 % -> a step of 5


def test_a_small_total_hides_every_count():
    f = _figure(2, 3)
    p = public_figure(f)
    assert p.numerator == p.denominator == "< 5" and p.value == ""
    assert "Fewer than 5" in _html(f) or "Dưới 5" in _html(f)


def test_large_counts_are_shown_exactly():
    p = public_figure(_figure(300, 596))
    assert (p.numerator, p.denominator, p.value, p.suppressed) == ("300", "596", "50,3%", False)


def test_things_that_are_not_people_are_never_suppressed():
    p = public_figure(_figure(2, 2, unit="count", target=1, key="wifi_cultural_house"))
    assert p.value == "2" and not p.suppressed


@pytest.mark.parametrize(
    "n, d, shown",
    [(3, 596, ("< 5", "596")), (560, 563, ("> 558", "563")), (2, 4, ("< 5", "< 5")),
     (50, 100, ("50", "100"))],
)  # fmt: skip
def test_payments_pairs_hide_small_counts_and_complements(n, d, shown):
    assert public_pair(n, d) == shown
