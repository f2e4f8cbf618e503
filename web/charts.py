"""Charts drawn on the server as inline SVG: a few hundred bytes each, no script, no library to
download, and shown as an image with its figures beside it in a table (the text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

WIDTH = 240
HEIGHT = 72
PAD = 4
#: Colour steps of the heat map (``heat-0`` .. ``heat-5`` in site.css).
HEAT_STEPS = 5


@dataclass(frozen=True)
class Chart:
    """A line chart's geometry in the SVG's own units (``viewBox``), and its figures."""

    weeks: list[date]
    values: list[int]
    points: str
    area: str
    top: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def rows(self) -> list[tuple[date, int]]:
        """(week, value): the chart's figures as a table's rows."""
        return list(zip(self.weeks, self.values, strict=True))

    @property
    def last(self) -> int:
        return self.values[-1] if self.values else 0


def _xy(values: Sequence[float | None], top: float) -> list[tuple[float, float]]:
    """Each known value's point, evenly spaced left to right, scaled so ``top`` fills the
    chart's height (a ``None`` leaves its place empty)."""
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    span = HEIGHT - 2 * PAD
    return [
        (PAD + i * step, HEIGHT - PAD - (span * v / top if top else 0))
        for i, v in enumerate(values)
        if v is not None
    ]


def _points(xy: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)


def line_chart(weeks: Sequence[date], values: Sequence[int]) -> Chart:
    """The polyline through ``values`` (one per week, oldest first), scaled to the largest."""
    top = max(values, default=0)
    xy = _xy(values, top)
    points = _points(xy)
    area = f"{PAD},{HEIGHT - PAD} {points} {xy[-1][0]:.1f},{HEIGHT - PAD}" if xy else ""
    return Chart(list(weeks), list(values), points, area, top)


@dataclass(frozen=True)
class TrajectoryChart:
    """A target's planned line and actual line month by month, on one scale."""

    planned: str
    actual: str
    top: float
    width: int = WIDTH
    height: int = HEIGHT


def trajectory_chart(planned: Sequence[float], actual: Sequence[float | None]) -> TrajectoryChart:
    """The trajectory and the actual values (missing ones left out), scaled to the largest."""
    top = max([*planned, *(a for a in actual if a is not None)], default=0)
    return TrajectoryChart(_points(_xy(planned, top)), _points(_xy(actual, top)), top)


def heat_class(count: int, top: int) -> str:
    """The colour class of a heat-map cell: 0 for none, then 1..5 by share of the largest."""
    if count <= 0 or top <= 0:
        return "heat-0"
    return f"heat-{max(1, -(-count * HEAT_STEPS // top))}"


def heat_cells(counts: Sequence[int], top: int, names: Sequence[Markup]) -> Markup:
    """A heat-map row's cells (``names``: each column's name, escaped once for every row, for
    a phone's card layout).

    Built here, not in the template: a district's map holds thousands of cells, and escaping
    each cell's count, class and name in Jinja took 30 of a dashboard's 35 ms of rendering.
    Counts are ints and classes are fixed names. A zero cell names no column: a phone leaves
    it out, and the bytes add up over 110 wards."""
    return Markup(
        "".join(
            f'<td class="{heat_class(n, top)}" data-label="{name}">{int(n)}</td>'
            if n
            else '<td class="heat-0">0</td>'
            for n, name in zip(counts, names, strict=True)
        )
    )
