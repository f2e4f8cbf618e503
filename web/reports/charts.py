"""Report charts drawn on the server as SVG with matplotlib (its Figure API, no pyplot: safe
in threads), so a PDF needs no browser. Text is drawn as paths from matplotlib's bundled
DejaVu font (no font is looked up on the machine or fetched), and ids and metadata are fixed,
so the same figures draw the same bytes. Each chart goes in the page as a ``data:`` image:
the page's figures stay in a table beside it (its text alternative)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

SIZE = (6.4, 2.2)  # inches: a chart across an A4 page's text width
COLOURS = ("#1f5f8b", "#c2571a", "#2e7d32", "#6a1b9a")
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "sukuma-reports",  # fixed ids: the same chart, the same bytes
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def weekly_lines(
    weeks: Sequence[date], series: Sequence[tuple[str, Sequence[float | None]]], *, share: bool
) -> str:
    """One line per series over the weeks (oldest first); shares drawn as percentages."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=SIZE, layout="constrained")
        axes = figure.add_subplot()
        # Positions, not categories: a week without a figure (a share of nothing) keeps its
        # place and its label, as a gap in the line.
        xs = list(range(len(weeks)))
        for index, (name, values) in enumerate(series):
            ys = [float("nan") if v is None else (100 * v if share else v) for v in values]
            axes.plot(xs, ys, marker="o", markersize=2.5, label=name, color=COLOURS[index])
        axes.set_xticks(xs, [w.strftime("%d/%m") for w in weeks], rotation=45)
        axes.set_ylim(bottom=0, top=105 if share else None)
        if share:
            axes.yaxis.set_major_formatter("{x:.0f}%")
        # Above the plot: a legend inside would hide the lines at 100%.
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=len(series))
        axes.grid(axis="y", color="#dddddd", linewidth=0.5)
        return _svg(figure)


def bars(labels: Sequence[str], values: Sequence[float], *, share: bool = False) -> str:
    """Horizontal bars, one per label (top first)."""
    with matplotlib.rc_context(STYLE):
        height = max(1.2, 0.28 * len(labels) + 0.5)
        figure = Figure(figsize=(SIZE[0], height), layout="constrained")
        axes = figure.add_subplot()
        scaled = [100 * v if share else v for v in values]
        axes.barh(list(labels)[::-1], scaled[::-1], color=COLOURS[0])
        if share:
            axes.set_xlim(0, 100)
            axes.xaxis.set_major_formatter("{x:.0f}%")
        axes.grid(axis="x", color="#dddddd", linewidth=0.5)
        return _svg(figure)


def trajectory(
    months: Sequence[date],
    lines: tuple[tuple[str, Sequence[float]], tuple[str, Sequence[float | None]]],
) -> str:
    """A target's trajectory (dashed) and its actual values (solid, a month without one left
    as a gap), month by month, with the names of both lines above the plot."""
    (planned_name, planned), (actual_name, actual) = lines
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=SIZE, layout="constrained")
        axes = figure.add_subplot()
        xs = list(range(len(months)))
        axes.plot(xs, list(planned), linestyle="--", color=COLOURS[1], label=planned_name)
        ys = [float("nan") if v is None else v for v in actual]
        axes.plot(xs, ys, marker="o", markersize=2.5, color=COLOURS[0], label=actual_name)
        axes.set_xticks(xs, [m.strftime("%m/%y") for m in months], rotation=45)
        axes.set_ylim(bottom=0)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=2)
        axes.grid(axis="y", color="#dddddd", linewidth=0.5)
        return _svg(figure)


def data_uri(svg: str) -> str:
    """The chart as an image's ``src``: a page's content security policy allows ``data:``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
