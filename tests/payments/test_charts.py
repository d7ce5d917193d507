"""core.charts: geometry of the server-drawn SVG charts and their accessible rendering."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.charts import Series, bar_chart, line_chart, nice_ceiling


def test_line_chart_maps_percentages_onto_the_plot():
    spec = line_chart(
        [Series("A", [0, 50, 100])], labels=["01", "02", "03"], percent=True, title="T"
    )
    (shape,) = spec.series
    xs = [m.x for m in shape.markers]
    ys = [m.y for m in shape.markers]
    assert xs[0] == spec.plot_left and xs[-1] == spec.plot_right
    assert ys[0] == spec.plot_bottom and ys[-1] == spec.plot_top
    assert ys[1] == pytest.approx((spec.plot_top + spec.plot_bottom) / 2)
    assert [t.text for t in spec.y_ticks][-1].startswith("100")


def test_none_values_break_the_line_and_show_a_dash_in_the_table():
    spec = line_chart(
        [Series("A", [10, None, 30, 40])], labels=list("abcd"), percent=True, title="T"
    )
    (shape,) = spec.series
    assert len(shape.segments) == 2
    assert len(shape.markers) == 3
    assert spec.table_rows[1] == ("b", "–")


def test_y_axis_defaults_to_a_nice_number_above_the_data():
    assert nice_ceiling(87) == 100
    assert nice_ceiling(1234) == 2000
    assert nice_ceiling(0.3) == pytest.approx(0.5)
    spec = bar_chart([Series("n", [120, 240])], labels=["x", "y"], title="T")
    assert spec.y_ticks[-1].text == "250"


def test_values_above_y_max_are_clipped_to_the_plot():
    spec = line_chart([Series("A", [150])], labels=["x"], y_max=100, title="T")
    assert spec.series[0].markers[0].y == spec.plot_top


def test_bar_chart_groups_one_bar_per_series():
    spec = bar_chart([Series("A", [10, 20]), Series("B", [30, None])], labels=["x", "y"], title="T")
    assert [len(s.bars) for s in spec.series] == [2, 1]
    a, b = spec.series
    assert a.bars[0].x < b.bars[0].x < a.bars[1].x
    assert all(bar.y + bar.height == pytest.approx(spec.plot_bottom) for bar in a.bars)


def test_series_length_must_match_labels():
    with pytest.raises(ValueError):
        line_chart([Series("A", [1, 2])], labels=["x"], title="T")


def test_empty_chart_does_not_fail():
    spec = line_chart([Series("A", [None, None])], labels=["x", "y"], percent=True, title="T")
    assert spec.series[0].segments == ()
    assert "A: –" in spec.description


def _render(tag: str, spec) -> str:
    return Template("{% load charts %}{% " + tag + " spec %}").render(Context({"spec": spec}))


@pytest.mark.parametrize("kind", ["line_chart", "bar_chart"])
def test_rendered_svg_is_accessible_csp_safe_and_has_a_data_table(kind):
    build = line_chart if kind == "line_chart" else bar_chart
    spec = build(
        [Series("Theo người nộp", [61.25, 70.5])],
        labels=["01/2025", "02/2025"],
        percent=True,
        title="Tiền điện",
        x_title="Tháng",
    )
    with translation.override("vi"):
        html = _render(kind, spec)
    assert 'role="img"' in html
    assert "<title>Tiền điện</title>" in html
    assert 'aria-label="Tiền điện.' in html
    assert "style=" not in html and "<script" not in html
    assert "<details" in html and "<table" in html and "<caption>Tiền điện</caption>" in html
    assert "61,2%" in html or "61,3%" in html  # decimal comma, the portal's percent format
    # Geometry is never localised (a decimal comma would break the SVG).
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'viewBox="0 0 480 280"' in svg
    for attribute in ('cx="', 'points="', ' x="', ' y="'):
        for chunk in svg.split(attribute)[1:]:
            value = chunk.split('"', 1)[0]
            assert "," not in value or attribute == 'points="', value
    assert "sv-series-0" in html
