"""The indicators a target may be set on: nerve-centre indicators (oss-domain.md §4.2) that
have a value per month and where more is better.

``count`` indicators are running totals (households ever profiled by the month's end);
``percent`` ones are the month's share, 0 to 100. How each is computed from the read model
is the delivery projection's (``projections.delivery.actuals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from domain.errors import InvalidCommand


@dataclass(frozen=True)
class TargetIndicator:
    code: str
    title: str
    unit: Literal["count", "percent"]


TARGET_INDICATORS: Final[dict[str, TargetIndicator]] = {
    i.code: i
    for i in (
        TargetIndicator("M1", "Households profiled (running total)", "count"),
        TargetIndicator("M4", "Needs referred within 14 days (% of the month's)", "percent"),
        TargetIndicator("M5", "Referrals acknowledged within standard (%)", "percent"),
        TargetIndicator("M6", "Services delivered within standard (%)", "percent"),
        TargetIndicator("M12", "Households graduated (running total)", "count"),
    )
}


def check_indicator(code: str) -> TargetIndicator:
    indicator = TARGET_INDICATORS.get(code)
    if indicator is None:
        known = ", ".join(TARGET_INDICATORS)
        raise InvalidCommand("indicator", f"no target can be set on {code!r} (one of {known})")
    return indicator
