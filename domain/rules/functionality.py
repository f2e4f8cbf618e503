"""War-room functionality class (indicator M9): a versioned, explainable rule.

After the programme's four-class table (oss-domain.md §4.2): fully functional, functional,
poorly functional, not existing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FUNCTIONALITY_RULE_VERSION: Final = "functionality-v1"
CORE_DEPARTMENTS: Final = ("DSD", "SASSA", "DOH", "DHA", "DBE", "SAPS", "MUNI")


@dataclass(frozen=True)
class WarRoomFacts:
    established: bool
    weeks_met_of_last_4: int
    core_attendance_share: float | None  # mean share of core departments present per meeting
    ack_within_share: float | None  # M5 for the ward's referrals
    profiles_last_14_days: int


@dataclass(frozen=True)
class Functionality:
    level: str
    reasons: tuple[str, ...]
    rule_version: str = FUNCTIONALITY_RULE_VERSION


def classify(facts: WarRoomFacts) -> Functionality:
    """Fully functional / functional / poorly functional / not existing, with the reasons."""
    if not facts.established:
        return Functionality("not_existing", ("no war room established for the ward",))
    attendance = facts.core_attendance_share or 0.0
    ack = facts.ack_within_share or 0.0
    short_of_full = [
        reason
        for ok, reason in (
            (
                facts.weeks_met_of_last_4 >= 4,
                f"met in {facts.weeks_met_of_last_4} of the last 4 weeks",
            ),
            (attendance >= 0.6, f"core departments present {attendance:.0%} on average (< 60%)"),
            (ack >= 0.7, f"referrals acknowledged within standard {ack:.0%} (< 70%)"),
            (facts.profiles_last_14_days >= 1, "no profile submitted in the last 14 days"),
        )
        if not ok
    ]
    if not short_of_full:
        return Functionality("fully_functional", ())
    if facts.weeks_met_of_last_4 >= 2 and ack >= 0.4:
        return Functionality("functional", tuple(short_of_full))
    return Functionality("poorly_functional", tuple(short_of_full))
