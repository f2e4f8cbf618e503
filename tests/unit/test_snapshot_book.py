"""The nerve centre's snapshots made in memory: a day's row is its group as the day left it,
and a day that ends where it began keeps none, however its changes were cut by commits."""

from __future__ import annotations

import random
from datetime import date, timedelta
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


def test_a_days_deltas_over_many_occurred_days_make_their_sums() -> None:
    # Given a day's changes that occurred on it and on days before (more of either kind)
    rng = random.Random(11)
    for late_share in (0.2, 0.8):
        dated: dict[tuple[date, date], dict[str, dict[Any, int]]] = {}
        for _ in range(200):
            occurred = DAY - timedelta(days=0 if rng.random() > late_share else rng.randint(1, 9))
            deltas = dated.setdefault((DAY, occurred), {}).setdefault("area_counts", {})
            key = ("ward", rng.choice(["W1", "W2"]), rng.choice(["households", "risk_high"]))
            deltas[key] = deltas.get(key, 0) + rng.choice([-1, 1, 2])
        # When the book adds them to groups that held nothing
        book = SnapshotBook(lambda table, groups, day: {g: ({}, {}) for g in groups})
        out = DaySnapshots()
        book.add_day(DAY, dated, out, ends=True)
        # Then each group's row holds its members' sums, and the late total the late ones'
        for table, late in (("area_counts", False), ("area_counts_late", True)):
            sums: dict[Group, Members] = {}
            for (_, occurred), tables in dated.items():
                if late and occurred == DAY:
                    continue
                for (*group, member), value in tables["area_counts"].items():
                    members = sums.setdefault(tuple(group), {})
                    members[member] = members.get(member, 0) + value
            expected = {}
            for group, members in sums.items():
                kept = sorted(m for m, v in members.items() if v)
                if kept:
                    expected[group] = (kept, [members[m] for m in kept])
            made = {tuple(r[:2]): (r[3], r[4]) for r in out.rows[table] if r[3]}
            assert made == expected
