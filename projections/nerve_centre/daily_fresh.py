"""A commit's daily flows made in memory into their empty tables (a catch-up from zero).

PostgreSQL took the largest part of a catch-up's commit spreading the staged ward flows to
their four levels, grouping them by key and recorded day, windowing and sorting them
(``daily_flows.WRITE_DAILY_FRESH``: 6.2 s of a 10.7 s commit over the 293k demo log), then
grouping them again by ward and week (``ward_weeks.WRITE_WARD_WEEKS``). Here the projector's
thread makes the same rows while the writer sends the commit's earlier parts, and the writer
COPYs them in their keys' order: ``area_daily`` (a key's total and ``late_on``: the one later
day all its flows were recorded on), ``area_daily_recorded`` (the late flows of every other
key, by recorded day) and ``ward_weeks``. Text keys are sorted by code point (the ``C`` /
``C.UTF-8`` collation's order); under another collation only the COPY's order differs (the
index is built either way, reads select and sum). Into tables holding rows, a commit still
stages and merges (``daily_flows``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView
from projections.nerve_centre.contributions import PROVINCE
from projections.nerve_centre.timings import Laps
from projections.nerve_centre.ward_weeks import FIGURES

# the tables ``fresh_daily``'s rows go into, which must all hold no row
DAILY_TABLES: Final = frozenset({"area_daily", "area_daily_recorded", "ward_weeks"})
DAILY_COLUMNS: Final = ("level", "code", "metric", "day", "value", "late_on")
RECORDED_COLUMNS: Final = ("level", "code", "metric", "day", "recorded", "value")
WEEK_COLUMNS: Final = ("ward_id", "week", *FIGURES)
# a metric's array column in ``ward_weeks`` (most metrics have none)
_FIGURE: Final = {metric: i for i, metrics in enumerate(FIGURES.values()) for metric in metrics}


@dataclass(frozen=True)
class FreshDaily:
    """The rows of the daily flows' three tables, each in its key's order (``*_COLUMNS``)."""

    daily: list[tuple[Any, ...]]
    recorded: list[tuple[Any, ...]]
    weeks: list[tuple[Any, ...]]


Flows = dict[tuple[Any, ...], int]  # (code, metric, day, recorded day) -> events


def fresh_daily(ward_daily: dict[tuple[str, str, str, str, date, date], int]) -> FreshDaily:
    """The rows ``WRITE_DAILY_FRESH`` and ``WRITE_WARD_WEEKS`` make from a commit's ward flows
    ((ward, municipality, district, metric, day, recorded day) -> events), as if their tables
    held none."""
    daily: list[tuple[Any, ...]] = []
    recorded: list[tuple[Any, ...]] = []
    for level, flows in sorted(_levels(ward_daily).items()):
        _level_rows(level, flows, daily, recorded)
    weeks: dict[tuple[str, date], list[list[int]]] = {}
    for ward, metric, day, value in _week_flows(ward_daily):
        weekday = day.weekday()
        week = weeks.get(at := (ward, day - timedelta(days=weekday)))
        if week is None:
            week = weeks[at] = [[0] * 7 for _ in FIGURES]
        week[_FIGURE[metric]][weekday] += value
    return FreshDaily(daily, recorded, [(*at, *sums) for at, sums in sorted(weeks.items())])


def _levels(ward_daily: dict[tuple[str, str, str, str, date, date], int]) -> dict[str, Flows]:
    """The ward flows spread to their levels, summed by key and recorded day. A dict update a
    flow and level was most of the time: the wards' keys are the staged ones (a ward in one
    municipality) and a municipality's are summed in one district, so those two are only
    checked to be distinct; the districts sum the municipalities', the province those."""
    inner: Flows = {}  # by municipality and district
    get = inner.get
    for (_, municipality, district, metric, day, on), value in ward_daily.items():
        key = (municipality, district, metric, day, on)
        inner[key] = get(key, 0) + value
    wards = {(w, m, d, on): v for (w, _, _, m, d, on), v in ward_daily.items()}
    if len(wards) < len(ward_daily):  # a ward under two municipalities: never in the geography
        wards = _summed(((w, m, d, on), v) for (w, _, _, m, d, on), v in ward_daily.items())
    municipalities = {(mu, m, d, on): v for (mu, _, m, d, on), v in inner.items()}
    if len(municipalities) < len(inner):  # nor a municipality under two districts
        municipalities = _summed(((mu, m, d, on), v) for (mu, _, m, d, on), v in inner.items())
    districts = _summed(((di, m, d, on), v) for (_, di, m, d, on), v in inner.items())
    return {
        "ward": wards,
        "municipality": municipalities,
        "district": districts,
        "province": _summed(((PROVINCE, m, d, on), v) for (_, m, d, on), v in districts.items()),
    }


def _summed(flows: Iterable[tuple[tuple[Any, ...], int]]) -> Flows:
    out: Flows = {}
    get = out.get
    for key, value in flows:
        out[key] = get(key, 0) + value
    return out


def _level_rows(
    level: str, flows: Flows, daily: list[tuple[Any, ...]], recorded: list[tuple[Any, ...]]
) -> None:
    """Add a level's ``area_daily`` and ``area_daily_recorded`` rows in their keys' order: a
    key's total, and the day all its flows were recorded on if that is one later day; else
    its flows recorded on another day than it, by recorded day."""
    keys = sorted(flows)
    if len({key[:3] for key in keys}) == len(keys):  # each key recorded on one day
        value = flows.__getitem__
        daily.extend(
            (level, k[0], k[1], k[2], value(k), k[3] if k[3] > k[2] else None) for k in keys
        )
        recorded.extend((level, *k, value(k)) for k in keys if k[3] < k[2])
        return
    items = [(k, flows[k]) for k in keys]
    run: list[tuple[Any, ...]] = []  # a key's flows by recorded day, in order
    for item in (*items, None):
        if run and (item is None or item[0][:3] != run[0][0][:3]):
            (code, metric, day, on), total = run[0]
            if len(run) == 1 and on > day:
                daily.append((level, code, metric, day, total, on))
            else:
                daily.append((level, code, metric, day, sum(v for _, v in run), None))
                recorded.extend((level, *k, v) for k, v in run if k[3] != day)
            run.clear()
        if item is not None:
            run.append(item)


def _week_flows(
    ward_daily: dict[tuple[str, str, str, str, date, date], int],
) -> list[tuple[str, str, date, int]]:
    """The ward flows of the metrics ``ward_weeks`` sums (ward, metric, day, events)."""
    return [(w, m, d, v) for (w, _, _, m, d, _), v in ward_daily.items() if m in _FIGURE]


def copy_daily(view: BufferedView, curs: Cursor[DictRow], fresh: FreshDaily) -> None:
    """COPY ``fresh_daily``'s rows into their three empty tables (binary: dates as dates)."""
    view.copy(curs, "area_daily", DAILY_COLUMNS, fresh.daily, binary=True)
    view.copy(curs, "area_daily_recorded", RECORDED_COLUMNS, fresh.recorded, binary=True)
    view.copy(curs, "ward_weeks", WEEK_COLUMNS, fresh.weeks, binary=True)


def send_daily(
    view: BufferedView, fresh: FreshDaily, empty: set[str], sent: Laps, curs: Cursor[DictRow]
) -> None:
    """A commit's part: ``fresh``'s rows COPYed, if their tables still hold none (``empty``:
    probed in the commit's transaction; else its first part staged and merged the flows)."""
    sent.resume()
    if empty >= DAILY_TABLES:
        copy_daily(view, curs, fresh)
    sent("daily:fresh")
