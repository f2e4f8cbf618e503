"""Trajectories: the expected value of a target's indicator at the end of each month.

A point is ``{"month": "YYYY-MM-01", "value": v}``: plain JSON in events, a month by its first
day. The last point is the target itself (oss-domain.md §7.3, invariant 18).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from domain.errors import InvalidCommand

Point = dict[str, Any]


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    year, index = divmod(month.year * 12 + month.month - 1 + n, 12)
    return date(year, index + 1, 1)


def months_after(start: date, end: date) -> list[date]:
    """The months after ``start``'s month up to and including ``end``'s."""
    first, last = add_months(month_of(start), 1), month_of(end)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, n) for n in range(max(count, 0))]


def linear(baseline: float, baseline_on: date, target: float, due_on: date) -> list[Point]:
    """A straight line from the baseline to the target, one point a month."""
    months = months_after(baseline_on, due_on)
    if not months:
        raise InvalidCommand("due_on", "the target's date must fall in a month after the baseline")
    step = (target - baseline) / len(months)
    points = [
        {"month": m.isoformat(), "value": round(baseline + step * (n + 1), 2)}
        for n, m in enumerate(months)
    ]
    points[-1]["value"] = target
    return points


def checked(points: Sequence[Point], baseline_on: date, target: float, due_on: date) -> list[Point]:
    """Points set by hand, refused unless monthly, in order, after the baseline, and ending
    on the target in its month."""
    if not points:
        raise InvalidCommand("points", "a trajectory needs at least one point")
    months = [date.fromisoformat(str(p["month"])) for p in points]
    if any(m.day != 1 for m in months):
        raise InvalidCommand("points", "each point is a month, named by its first day")
    if any(b <= a for a, b in pairwise(months)):
        raise InvalidCommand("points", "months must be in order, each once")
    if months[0] <= month_of(baseline_on):
        raise InvalidCommand("points", "the first point must come after the baseline's month")
    if months[-1] != month_of(due_on) or float(points[-1]["value"]) != target:
        raise InvalidCommand("points", "the last point must be the target, in its month")
    values = [float(p["value"]) for p in points]
    return [{"month": m.isoformat(), "value": v} for m, v in zip(months, values, strict=True)]


def planned(points: Sequence[Point], month: date) -> float | None:
    """The trajectory's value for ``month`` (None before its first point or after its last)."""
    key = month.isoformat()
    return next((float(p["value"]) for p in points if p["month"] == key), None)
