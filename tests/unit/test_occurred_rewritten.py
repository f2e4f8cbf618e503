"""The league's rows by occurred day, rewritten from a commit's first changed day: each day's
row is the group's last stored row on or before it plus every delta up to it; a day that
leaves the group as the day before did keeps no row (and loses one it had)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from projections.nerve_centre.occurred import _rewritten
from projections.nerve_centre.snapshots import Members

DAY = date(2026, 3, 2)


def _reference(
    before: Members, old: dict[date, Members], deltas: dict[date, Members]
) -> dict[date, Members | None]:
    """Every day's row from scratch: the plain definition, not the incremental one."""
    out: dict[date, Members | None] = {}
    last = before
    for day in sorted(old.keys() | deltas.keys()):
        stored = next((old[d] for d in sorted(old, reverse=True) if d <= day), before)
        row = dict(stored)
        for d, members in deltas.items():
            if d <= day:
                for member, value in members.items():
                    row[member] = row.get(member, 0) + value
        row = {m: c for m, c in row.items() if c}
        if row == last:
            if day in old:
                out[day] = None
        elif old.get(day) != row:
            out[day] = row
        last = row
    return out


def _members(rng: random.Random) -> Members:
    return {m: rng.choice([-2, -1, 1, 2, 3]) for m in rng.sample("abcde", rng.randint(0, 3))}


def test_rewritten_rows_are_the_stored_rows_plus_the_deltas_up_to_each_day() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        days = [DAY + timedelta(days=i) for i in range(8)]
        before = {m: c for m, c in _members(rng).items() if c > 0}
        old = {d: _members(rng) for d in rng.sample(days, rng.randint(0, 3))}
        deltas = {d: _members(rng) for d in rng.sample(days, rng.randint(1, 4))}
        assert dict(_rewritten(before, old, deltas)) == _reference(before, old, deltas)
