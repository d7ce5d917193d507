"""Server-drawn SVG charts for the whole portal: no JavaScript, CSP-safe, printable, accessible.

Why SVG from the server (docs/payments.md): it works under the strict Content-Security-Policy
(no inline script or style), prints as it looks, is read by screen readers through role="img",
<title> and an alternative data table, and costs an old phone nothing to draw.

API (pure functions: no database, no request; format numbers in the active language):

    from core.charts import Series, line_chart, bar_chart

    spec = line_chart(
        [Series(_("By payers"), [61.2, None, 70.5]), Series(_("By value"), [80, 84, 88.1])],
        labels=["01/2025", "02/2025", "03/2025"],
        percent=True,            # values are percentages 0..100; the axis runs 0..100 %
        title=_("Electricity"),  # becomes <title>, aria-label and the table caption
    )
    bar_chart([...same series...], labels=[...], title=...)   # grouped vertical bars

    {% load charts %}{% line_chart spec %}  /  {% bar_chart spec %}

- `Series(name, values, css_class="")`: one value per label; None is a gap (no point, the line
  breaks, the table shows "–"). Series get the classes `sv-series sv-series-<n>` (plus
  `css_class`) so a stylesheet may recolour them; the SVG also carries a default colour as a
  presentation attribute (allowed by the CSP, unlike style="").
- `x_title`: heading of the label column in the data table (e.g. _("Month")).
- `y_max`: top of the axis; default 100 for percentages, else a "nice" number above the data.
- The result is a frozen `ChartSpec` with all geometry computed (view box, axis ticks,
  polylines or bar rectangles, legend, table rows); the templates
  `_partials/chart_line.html` / `_partials/chart_bar.html` only print it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats

Number = int | float | Decimal

# Colour-blind-safe palette (Okabe-Ito), also used by static CSS classes sv-series-<n>.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

# A phone shows the 480-unit view box at ~300 px: 14-unit text stays readable (~9 px).
WIDTH = 480
HEIGHT = 280
FONT_SIZE = 14
MARGIN_LEFT = 56
MARGIN_RIGHT = 30  # room for half of the last x label
MARGIN_TOP = 12
MARGIN_BOTTOM = 64  # x labels + legend
MAX_X_LABELS = 6


@dataclass(frozen=True)
class Series:
    """A named row of values, one per label (None = no data)."""

    name: str
    values: Sequence[Number | None]
    css_class: str = ""


@dataclass(frozen=True)
class Tick:
    position: float  # x for x ticks, y for y ticks (SVG user units)
    text: str
    anchor: str = "middle"  # SVG text-anchor: the first/last x labels stay inside the box
    rotate: int = 0  # degrees: long x labels (village names) are drawn slanted, never cut


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    text: str  # label and formatted value, shown as <title> tooltip
    label: str = ""  # the value printed beside the point (a series of one point)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    text: str


@dataclass(frozen=True)
class SeriesShape:
    name: str
    css_class: str
    colour: str
    segments: tuple[str, ...] = ()  # polyline "x,y x,y" strings (line charts)
    markers: tuple[Marker, ...] = ()
    bars: tuple[Bar, ...] = ()
    legend_x: float = 0.0
    legend_y: float = 0.0


@dataclass(frozen=True)
class ChartSpec:
    """Everything a template needs to print one chart; build it with line_chart / bar_chart."""

    kind: str  # "line" | "bar"
    title: str
    description: str
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_right: float
    plot_bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[SeriesShape, ...]
    labels: tuple[str, ...]
    table_header: tuple[str, ...]  # x_title, then one name per series
    table_rows: tuple[tuple[str, ...], ...] = field(default=())
    percent: bool = False
    font_size: int = FONT_SIZE

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^n at or above value (axis tops people can read)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-12):
            return float(candidate)
    return float(10 ** (exponent + 1))


def format_value(value: Number | None, *, percent: bool, axis: bool = False) -> str:
    """A value in the active language ('85,8 %' in Vietnamese); None -> '–'."""
    if value is None:
        return "–"
    # Percentages read as everywhere in the portal (criteria.formatting): "85,8%", "80%".
    if percent and float(round(float(value), 1)).is_integer():
        return f"{int(round(float(value)))}%"
    if percent:
        return f"{formats.number_format(round(float(value), 1), 1, use_l10n=True)}%"
    if float(value).is_integer():
        return formats.number_format(int(value), 0, use_l10n=True, force_grouping=True)
    return formats.number_format(round(float(value), 2), 2, use_l10n=True, force_grouping=True)


def _frame(series: Sequence[Series], labels: Sequence[str], y_max, percent: bool):
    labels = [str(label) for label in labels]
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"series {one.name!r} has {len(one.values)} values for {len(labels)}")
    data_max = max((float(v) for one in series for v in one.values if v is not None), default=0.0)
    if y_max is None:
        y_max = 100.0 if percent and data_max <= 100 else nice_ceiling(data_max)
    y_max = float(y_max) or 1.0
    left, top = MARGIN_LEFT, MARGIN_TOP
    right, bottom = WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM

    def y_of(value: Number) -> float:
        clipped = min(max(float(value), 0.0), y_max)
        return round(bottom - (bottom - top) * clipped / y_max, 2)

    steps = 4
    counts = not percent and all(
        float(v).is_integer() for one in series for v in one.values if v is not None
    )
    if counts:
        # Counts get whole-number ticks (never "18,75"): 4, 5 or 2 steps, or a top of 4k.
        y_max = max(float(math.ceil(y_max)), 4.0)
        steps = next((n for n in (4, 5, 2) if y_max % n == 0), 0)
        if not steps:
            steps, y_max = 4, float(math.ceil(y_max / 4) * 4)
    y_ticks = tuple(
        Tick(y_of(y_max * i / steps), format_value(y_max * i / steps, percent=percent, axis=True))
        for i in range(steps + 1)
    )
    return labels, y_max, (left, top, right, bottom), y_of, y_ticks


def _legend_positions(names: Sequence[str], top: float) -> tuple[list[tuple[float, float]], int]:
    """Legend entries left to right from `top`, wrapping before the right edge (never cut);
    returns the positions and the number of rows."""
    x, y, rows, out = float(MARGIN_LEFT), top, 1, []
    for name in names:
        width = 16 + len(str(name)) * FONT_SIZE * 0.6 + 14
        if x > MARGIN_LEFT and x + width > WIDTH - 4:
            x, y, rows = float(MARGIN_LEFT), y + 16, rows + 1
        out.append((x, y))
        x += width
    return out, rows


def _dates(labels: Sequence[str]) -> bool:
    """Month or date labels ("01/2025"): every other one may be left out."""
    return all(label[:1].isdigit() for label in labels)


def _label_room(ticks: Sequence[Tick]) -> float:
    """Extra height slanted x labels need below the axis (SVG units)."""
    slanted = [t for t in ticks if t.rotate]
    if not slanted:
        return 0.0
    longest = max(len(t.text) for t in slanted) * FONT_SIZE * 0.6
    return round(longest * math.sin(math.radians(abs(slanted[0].rotate))), 2)


def _x_ticks(
    labels: list[str], centres: list[float], *, name_all: bool = False
) -> tuple[Tick, ...]:
    """Tick labels; `name_all` (bars of named things, e.g. villages): up to 12 are all named,
    slanted when they do not fit side by side."""
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    if name_all and len(labels) <= 12:
        every = 1
    last = len(labels) - 1
    shown = [i for i in range(len(labels)) if (last - i) % every == 0]  # always the latest
    ticks = []
    slot = (centres[1] - centres[0]) * every if len(centres) > 1 else WIDTH
    if shown and max(len(labels[i]) for i in shown) * FONT_SIZE * 0.6 > slot * 0.95:
        # Names longer than their slot (village names) are slanted, anchored at their end.
        return tuple(Tick(round(centres[i], 2), labels[i], "end", -35) for i in shown)
    for i in shown:
        # A centred label must fit: anchor it to the edge when half its estimated width
        # (about 0.6 em per character) would cross the chart border.
        half = max(28.0, len(labels[i]) * FONT_SIZE * 0.3)
        anchor = "middle"
        if centres[i] < half:
            anchor = "start"
        elif WIDTH - centres[i] < half:
            anchor = "end"
        ticks.append(Tick(round(centres[i], 2), labels[i], anchor))
    return tuple(ticks)


def _table(series, labels, percent) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    rows = tuple(
        (label, *(format_value(one.values[i], percent=percent) for one in series))
        for i, label in enumerate(labels)
    )
    return tuple(one.name for one in series), rows


def _description(series, percent) -> str:
    parts = []
    for one in series:
        present = [v for v in one.values if v is not None]
        if present:
            first = format_value(present[0], percent=percent)
            last = format_value(present[-1], percent=percent)
            parts.append(f"{one.name}: {first} → {last}")
        else:
            parts.append(f"{one.name}: –")
    return "; ".join(parts)


def _classes(index: int, one: Series) -> str:
    return f"sv-series sv-series-{index} {one.css_class}".strip()


def line_chart(
    series: list[Series],
    *,
    labels: Sequence[str],
    y_max: Number | None = None,
    percent: bool = False,
    title: str,
    x_title: str = "",
) -> ChartSpec:
    """A line chart (one polyline per series, markers on each value, gaps for None)."""
    labels, y_max, (left, top, right, bottom), y_of, y_ticks = _frame(
        series, labels, y_max, percent
    )
    count = len(labels)
    step = (right - left) / (count - 1) if count > 1 else 0.0
    xs = [round(left + step * i, 2) if count > 1 else (left + right) / 2 for i in range(count)]
    x_ticks = _x_ticks(labels, xs)
    room = _label_room(x_ticks)
    legend, legend_rows = _legend_positions([one.name for one in series], HEIGHT - 30 + room)
    shapes = []
    for index, (one, (lx, ly)) in enumerate(zip(series, legend, strict=True)):
        alone = sum(v is not None for v in one.values) == 1  # a lone dot gets its value
        segments, current, markers = [], [], []
        for i, value in enumerate(one.values):
            if value is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            y = y_of(value)
            current.append(f"{xs[i]},{y}")
            shown = format_value(value, percent=percent)
            markers.append(
                Marker(xs[i], y, f"{one.name}, {labels[i]}: {shown}", shown if alone else "")
            )
        if current:
            segments.append(" ".join(current))
        shapes.append(
            SeriesShape(
                name=str(one.name),
                css_class=_classes(index, one),
                colour=PALETTE[index % len(PALETTE)],
                segments=tuple(segments),
                markers=tuple(markers),
                legend_x=round(lx, 2),
                legend_y=round(ly, 2),
            )
        )
    header, rows = _table(series, labels, percent)
    return ChartSpec(
        kind="line",
        title=str(title),
        description=_description(series, percent),
        width=WIDTH,
        height=round(HEIGHT + room + (legend_rows - 1) * 16),
        plot_left=left,
        plot_top=top,
        plot_right=right,
        plot_bottom=bottom,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        series=tuple(shapes),
        labels=tuple(labels),
        table_header=(str(x_title), *header),
        table_rows=rows,
        percent=percent,
    )


def bar_chart(
    series: list[Series],
    *,
    labels: Sequence[str],
    y_max: Number | None = None,
    percent: bool = False,
    title: str,
    x_title: str = "",
) -> ChartSpec:
    """Grouped vertical bars: one group per label, one bar per series (None = no bar)."""
    labels, y_max, (left, top, right, bottom), y_of, y_ticks = _frame(
        series, labels, y_max, percent
    )
    count = max(len(labels), 1)
    group = (right - left) / count
    inner = group * 0.8
    bar_width = inner / max(len(series), 1)
    centres = [left + group * (i + 0.5) for i in range(len(labels))]
    x_ticks = _x_ticks(labels, [round(c, 2) for c in centres], name_all=not _dates(labels))
    room = _label_room(x_ticks)
    legend, legend_rows = _legend_positions([one.name for one in series], HEIGHT - 30 + room)
    shapes = []
    for index, (one, (lx, ly)) in enumerate(zip(series, legend, strict=True)):
        bars = []
        for i, value in enumerate(one.values):
            if value is None:
                continue
            y = y_of(value)
            x = left + group * i + (group - inner) / 2 + bar_width * index
            bars.append(
                Bar(
                    round(x, 2),
                    y,
                    round(bar_width * 0.9, 2),
                    round(bottom - y, 2),
                    f"{one.name}, {labels[i]}: {format_value(value, percent=percent)}",
                )
            )
        shapes.append(
            SeriesShape(
                name=str(one.name),
                css_class=_classes(index, one),
                colour=PALETTE[index % len(PALETTE)],
                bars=tuple(bars),
                legend_x=round(lx, 2),
                legend_y=round(ly, 2),
            )
        )
    header, rows = _table(series, labels, percent)
    return ChartSpec(
        kind="bar",
        title=str(title),
        description=_description(series, percent),
        width=WIDTH,
        height=round(HEIGHT + room + (legend_rows - 1) * 16),
        plot_left=left,
        plot_top=top,
        plot_right=right,
        plot_bottom=bottom,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        series=tuple(shapes),
        labels=tuple(labels),
        table_header=(str(x_title), *header),
        table_rows=rows,
        percent=percent,
    )
