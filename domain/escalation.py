"""The escalation ladder that referrals and alerts both climb (Operation Sukuma Sakhe's structures).

A level is an int as stored in events: 1 the ward's war room, 2 the local task team (LTT),
3 the district task team (DTT), 4 the province (PTT / Office of the Premier). Escalation only
goes up, and may skip levels.

Which level a situation has reached by its age is decided here and nowhere else: a referral
past its service standard climbs by how long it is overdue, and an alert nobody acknowledges
by how long it has been raised (oss-domain.md §8: 1 -> 2 after 3 days, 2 -> 3 after 7 more,
3 -> 4 after 14 more). The days are configuration (the rules file's ``[escalation]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

#: Each level's short name, bottom to top.
LADDER: Final = {1: "war room", 2: "LTT", 3: "DTT", 4: "province"}
FIRST_LEVEL: Final = min(LADDER)
TOP_LEVEL: Final = max(LADDER)
#: Days a situation stays at each level before it moves up: 1 -> 2, 2 -> 3, 3 -> 4.
DEFAULT_DAYS_AT_LEVEL: Final = (3.0, 7.0, 14.0)


def is_on_ladder(level: int) -> bool:
    """Whether ``level`` is a rung of the ladder."""
    return FIRST_LEVEL <= level <= TOP_LEVEL


def ladder_summary() -> str:
    """``1 war room, 2 LTT, 3 DTT, 4 province``: the ladder in one line, for documentation."""
    return ", ".join(f"{level} {name}" for level, name in LADDER.items())


def overdue_from(due: date) -> datetime:
    """A due date is missed from the start of the next day (UTC), as every view counts it."""
    return datetime.combine(due + timedelta(days=1), time(), UTC)


@dataclass(frozen=True)
class Ladder:
    """How long a situation stays at each level before it moves up (``days_at_level[n - 1]``
    days at level ``n``)."""

    days_at_level: tuple[float, ...] = DEFAULT_DAYS_AT_LEVEL

    def __post_init__(self) -> None:
        if len(self.days_at_level) != TOP_LEVEL - FIRST_LEVEL or any(
            d < 0 for d in self.days_at_level
        ):
            raise ValueError(f"the ladder needs {TOP_LEVEL - FIRST_LEVEL} non-negative day counts")

    @classmethod
    def of(cls, days_at_level: Sequence[float]) -> Ladder:
        return cls(tuple(float(d) for d in days_at_level))

    def age_at(self, level: int, start: int = FIRST_LEVEL) -> timedelta:
        """How long after a situation began at ``start`` it reaches ``level`` (0 at ``start``)."""
        return timedelta(days=sum(self.days_at_level[start - FIRST_LEVEL : level - FIRST_LEVEL]))

    def level_reached(self, age: timedelta, start: int = FIRST_LEVEL) -> int:
        """The level a situation that began at ``start`` has reached after ``age``, had nobody
        stopped its climb (``start`` itself for an age of zero or less)."""
        reached = [n for n in range(start, TOP_LEVEL + 1) if age >= self.age_at(n, start)]
        return max(reached, default=start)
