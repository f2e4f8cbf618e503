"""Likelihood-of-delivery ratings and problem-solving levels (the Results and Delivery
manual's wording, oss-domain.md §6.1), and the rating the gap to trajectory suggests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from domain.errors import InvalidCommand

#: 1 red .. 4 green.
RATINGS: Final[dict[int, str]] = {
    1: "red: highly problematic, requires urgent and decisive action",
    2: "amber-red: problematic, requires substantial attention, some aspects urgently",
    3: "amber-green: mixed, aspects require substantial attention, some good",
    4: "green: good, requires refinement and systematic implementation",
}
#: 1 nudge .. 4 crisis.
PROBLEM_LEVELS: Final[dict[int, str]] = {
    1: "timely nudge: off track, cause or solution fairly clear",
    2: "standard problem-solving: cause and solution not obvious",
    3: "intensive problem-solving: severe, unclear after standard problem-solving",
    4: "crisis management: a top challenge, complex, visible and urgent",
}
RED: Final = 1


@dataclass(frozen=True)
class RatingThresholds:
    """How far behind its trajectory (a share of the planned value) a target may be for each
    suggestion: at or above it green, within ``amber_green`` amber-green, within
    ``amber_red`` amber-red, further behind red (the rules file's ``[rating]``)."""

    amber_green: float = 0.10
    amber_red: float = 0.25


def behind(planned: float, actual: float) -> float:
    """The share of the planned value the actual falls short by (0 when on or above it)."""
    if actual >= planned:
        return 0.0
    return 1.0 if planned <= 0 else (planned - actual) / planned


def proposed_rating(planned: float, actual: float, thresholds: RatingThresholds) -> int:
    """The rating the gap to trajectory suggests; a person records the rating itself."""
    short = behind(planned, actual)
    if short == 0:
        return 4
    if short <= thresholds.amber_green:
        return 3
    if short <= thresholds.amber_red:
        return 2
    return RED


def check_scale(value: int, field: str, scale: dict[int, str]) -> None:
    if value not in scale:
        raise InvalidCommand(field, f"must be one of {', '.join(map(str, scale))}")
