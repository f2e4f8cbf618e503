"""How often a field worker visits a household of its caseload, by the household's risk level
(``visits-v1``). A visit is due this many days after the last one (or, never visited, after the
household joined the caseload); high and critical come before EW-06 would warn (30 days)."""

from __future__ import annotations

from typing import Final

from domain.vocabulary import RiskLevel

VISIT_RULE_VERSION: Final = "visits-v1"

VISIT_INTERVAL_DAYS: Final[dict[str, int]] = {
    RiskLevel.CRITICAL: 7,
    RiskLevel.HIGH: 14,
    RiskLevel.MEDIUM: 30,
    RiskLevel.LOW: 90,
}
#: Not yet risk-scored (registered, no profile): soon, to profile it.
UNSCORED_INTERVAL_DAYS: Final = 14


def visit_interval_days(risk_level: str | None) -> int:
    return VISIT_INTERVAL_DAYS.get(risk_level or "", UNSCORED_INTERVAL_DAYS)
