"""Charts drawn on the server as inline SVG: a few hundred bytes each, no script, no library to
download, and shown as an image with its figures beside it in a table (the text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

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


def line_chart(weeks: Sequence[date], values: Sequence[int]) -> Chart:
    """The polyline through ``values`` (one per week, oldest first), scaled to the largest."""
    top = max(values, default=0)
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    span = HEIGHT - 2 * PAD

    def y(value: int) -> float:
        return HEIGHT - PAD - (span * value / top if top else 0)

    xy = [(PAD + i * step, y(v)) for i, v in enumerate(values)]
    points = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in xy)
    area = f"{PAD},{HEIGHT - PAD} {points} {xy[-1][0]:.1f},{HEIGHT - PAD}" if xy else ""
    return Chart(list(weeks), list(values), points, area, top)


def heat_class(count: int, top: int) -> str:
    """The colour class of a heat-map cell: 0 for none, then 1..5 by share of the largest."""
    if count <= 0 or top <= 0:
        return "heat-0"
    return f"heat-{max(1, -(-count * HEAT_STEPS // top))}"
