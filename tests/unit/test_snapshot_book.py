"""The nerve centre's snapshots made in memory: a day's row is its group as the day left it,
and a day that ends where it began keeps none, however its changes were cut by commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.nerve_centre.snapshots import DaySnapshots, Group, Members, SnapshotBook

DAY = date(2026, 3, 2)
WARD = ("ward", "W1")


def book_over(stored: dict[Group, tuple[Members, Members]]) -> SnapshotBook:
    """A book whose groups load from ``stored``: (live members, members the day before)."""

    def load(table: str, groups: list[Group], day: date) -> dict[Group, tuple[Members, Members]]:
        assert table == "area_counts" and day == DAY
        return {g: (dict(stored[g][0]), dict(stored[g][1])) for g in groups}

    return SnapshotBook(load)


def deltas(**metrics: int) -> dict[tuple[date, date], dict[str, dict[Any, int]]]:
    """Changes to the ward's counts recorded and occurred on DAY."""
    return {(DAY, DAY): {"area_counts": {(*WARD, m): v for m, v in metrics.items()}}}


def test_a_day_is_snapshotted_as_it_ended_across_commits() -> None:
    # Given a ward with one household and its day's first change committed
    book = book_over({WARD: ({"households": 1}, {"households": 1})})
    first = DaySnapshots()
    book.add_day(DAY, deltas(households=2, risk_high=1), first, ends=False)
    assert first.rows["area_counts"] == [(*WARD, DAY, ["households", "risk_high"], [3, 1])]
    # When the rest of the day removes the risk, and the day ends
    rest = DaySnapshots()
    book.add_day(DAY, deltas(risk_high=-1), rest, ends=True)
    # Then its row is rewritten as the day left it (zeros left out)
    assert rest.rows["area_counts"] == [(*WARD, DAY, ["households"], [3])]
    assert rest.unchanged["area_counts"] == []


def test_a_day_back_where_it_began_keeps_no_row_even_after_a_restart() -> None:
    # Given a ward whose day had gone from 1 to 2 households before the projector restarted
    # (its live row says 2, its snapshot before the day 1)
    book = book_over({WARD: ({"households": 2}, {"households": 1})})
    # When the rest of the day takes the household away again
    out = DaySnapshots()
    book.add_day(DAY, deltas(households=-1), out, ends=True)
    # Then the day's row (written before the restart) is to go: the day ended as it began
    assert out.rows["area_counts"] == []
    assert out.unchanged["area_counts"] == [(*WARD, DAY)]


def test_an_area_emptied_on_a_day_keeps_an_empty_row() -> None:
    # Given a ward with one household, when it leaves
    book = book_over({WARD: ({"households": 1}, {"households": 1})})
    out = DaySnapshots()
    book.add_day(DAY, deltas(households=-1), out, ends=True)
    # Then the day's row holds no member (a read as of that day finds none)
    assert out.rows["area_counts"] == [(*WARD, DAY, [], [])]
