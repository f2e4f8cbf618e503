"""The referral ladder's sweep by windows (no database): which statement, with which bounds.

A referral the last whole pass left at its level, whose clock has not changed since, can only
have fallen behind if its delay crossed a level's age since that pass; the windows must catch
exactly those, and anything the mark cannot vouch for must get a full pass."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.escalation import FIRST_LEVEL, TOP_LEVEL, Ladder
from scheduler.marks import Mark
from scheduler.referral_ladder import (
    BEHIND_THE_LADDER,
    CHANGED_BEHIND_THE_LADDER,
    LADDER_MARK,
    ladder_mark,
    ladder_sweep,
    ladder_version,
)

LADDER = Ladder()  # 3, 7 and 14 days at levels 1, 2 and 3
THEN = datetime(2026, 12, 1, 8, tzinfo=UTC)
NOW = THEN + timedelta(minutes=5)
SEEN = 1_000  # the views' position at the sweep
DAYS = st.lists(st.floats(min_value=0, max_value=60), min_size=3, max_size=3)
OFFSETS = st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=10))


def mark(ladder: Ladder = LADDER, cutoff: datetime = THEN, position: int = 900) -> Mark:
    return ladder_mark(ladder, cutoff, position, commands=0)


def level_at(ladder: Ladder, since: datetime, at: datetime) -> int:
    """The level a referral overdue since ``since`` has reached at ``at`` (0 on time)."""
    return 0 if since > at else ladder.level_reached(at - since)


def in_a_window(params: dict[str, Any], since: datetime) -> bool:
    """The statement's windows, evaluated as PostgreSQL would for one clock."""
    return any(
        params[f"last_reached_{n}"] < since <= params[f"reached_{n}"]
        for n in range(FIRST_LEVEL, TOP_LEVEL + 1)
    )


def test_the_first_pass_and_a_full_one_check_every_overdue_referral() -> None:
    assert ladder_sweep(LADDER, NOW, None, SEEN)[0] == BEHIND_THE_LADDER
    assert ladder_sweep(LADDER, NOW, mark(), SEEN, full=True)[0] == BEHIND_THE_LADDER
    assert ladder_sweep(LADDER, NOW, mark(), SEEN)[0] == CHANGED_BEHIND_THE_LADDER


def test_a_mark_it_cannot_vouch_for_means_a_full_pass() -> None:
    other_ladder = mark(Ladder.of([1, 7, 14]))
    from_the_future = mark(cutoff=NOW + timedelta(seconds=1))
    past_the_views = mark(position=SEEN + 1)  # a view rebuilt, not yet where it was

    for unusable in (other_ladder, from_the_future, past_the_views):
        assert ladder_sweep(LADDER, NOW, unusable, SEEN)[0] == BEHIND_THE_LADDER, unusable


def test_the_version_is_the_ladders_days_and_the_mark_its_own_row() -> None:
    assert ladder_version(LADDER) == ladder_version(Ladder.of([3, 7, 14]))
    assert ladder_version(LADDER) != ladder_version(Ladder.of([3, 7, 14.5]))
    assert mark().rule == LADDER_MARK
    assert (mark().version, mark().cutoff, mark().position) == (ladder_version(LADDER), THEN, 900)


def test_the_changed_clocks_are_those_past_the_marks_position() -> None:
    _, params = ladder_sweep(LADDER, NOW, mark(position=900), SEEN)

    assert params["last_position"] == 900


def test_every_placeholder_of_both_statements_is_bound() -> None:
    for template, params in (
        ladder_sweep(LADDER, NOW, None, SEEN),
        ladder_sweep(LADDER, NOW, mark(), SEEN),
    ):
        names = set(re.findall(r"%\((\w+)\)s", template))
        assert names and names <= params.keys()


def test_a_window_a_level_between_two_sweeps() -> None:
    _, params = ladder_sweep(LADDER, NOW, mark(), SEEN)
    level_2 = timedelta(days=3)

    just_crossed = NOW - level_2 - timedelta(minutes=1)
    crossed_before = THEN - level_2 - timedelta(minutes=1)
    overdue_just_now = NOW - timedelta(minutes=1)

    assert in_a_window(params, just_crossed)
    assert not in_a_window(params, crossed_before)
    assert in_a_window(params, overdue_just_now)  # 0 -> 1: the start of the ladder
    assert not in_a_window(params, NOW + timedelta(days=1))  # not yet overdue


@given(
    days=DAYS,
    since=OFFSETS,
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_the_windows_hold_exactly_the_clocks_whose_level_rose_since_the_mark(
    days: list[float], since: timedelta, gap: timedelta
) -> None:
    ladder = Ladder.of(days)
    last_now, now = THEN, THEN + gap
    started = THEN + since
    _, params = ladder_sweep(ladder, now, mark(ladder, last_now), SEEN)

    rose = level_at(ladder, started, now) > level_at(ladder, started, last_now)

    assert in_a_window(params, started) == rose
