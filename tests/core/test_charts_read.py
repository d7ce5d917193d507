"""Charts that read right: names not codes, whole-number ticks for counts, a lone point shows
its value, legends never run out of the picture."""

from django.template import Context, Template
from django.utils import translation

from core.charts import FONT_SIZE, Series, bar_chart, line_chart


def test_count_axes_have_whole_number_ticks():
    spec = bar_chart([Series("Lượt quét", [3, 75, 12])], labels=["a", "b", "c"], title="T")
    texts = [t.text for t in spec.y_ticks]
    assert all("," not in t and "." not in t for t in texts), texts  # was "18,75"
    assert texts[-1] == "100" or int(texts[-1]) >= 75
    small = bar_chart([Series("Hoạt động", [1, 2])], labels=["a", "b"], title="T")
    assert [t.text for t in small.y_ticks] == ["0", "1", "2", "3", "4"]


def test_a_one_point_series_prints_its_value():
    spec = line_chart(
        [Series("Tiền điện", [None, 82.66, None]), Series("Tiền nước", [60, 70, 80])],
        labels=["01/2025", "02/2025", "03/2025"], percent=True, title="T",
    )  # fmt: skip
    with translation.override("vi"):
        html = Template("{% load charts %}{% line_chart spec %}").render(Context({"spec": spec}))
    assert spec.series[0].markers[0].label == "82,7%"
    assert all(m.label == "" for m in spec.series[1].markers)
    assert ">82,7%</text>" in html


def test_long_village_names_are_slanted_not_cut_and_the_box_grows():
    names = ["Tân Thanh", "Tân Hợp", "Tân Tiến", "Tân Bình", "Tân Sơn", "Tân Lập", "Tân Hòa",
             "Tân Phú", "Tân Mới", "Tân Đức"]  # fmt: skip
    spec = bar_chart([Series("Tiêu chí đạt", [50] * 10)], labels=names, percent=True, title="T")
    assert [t.text for t in spec.x_ticks] == names  # every village named, not every other one
    assert all(t.rotate for t in spec.x_ticks) and spec.height > 280
    with translation.override("vi"):
        html = Template("{% load charts %}{% bar_chart spec %}").render(Context({"spec": spec}))
    assert "Tân Thanh</text>" in html and 'transform="rotate(-35' in html


def test_legends_wrap_inside_the_picture():
    names = ["Thanh toán tiền điện không dùng tiền mặt", "Tiền nước sinh hoạt", "Học phí"]
    spec = line_chart([Series(n, [1, 2]) for n in names], labels=["a", "b"], title="T")
    for shape in spec.series:
        right = shape.legend_x + 16 + len(shape.name) * FONT_SIZE * 0.6
        assert right <= spec.width, shape.name
        assert shape.legend_y + 12 <= spec.height


def test_the_officials_village_chart_names_the_villages(db, commune_a, village_a1, official_a):
    from criteria.services import rollup_commune
    from dashboards.selectors.official import commune_dashboard

    rollup_commune(commune=commune_a)
    chart = commune_dashboard(commune_a)["progress_chart"]
    assert chart is not None and "Thôn Một" in chart.labels  # was "01"
