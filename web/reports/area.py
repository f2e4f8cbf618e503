"""The monthly report of a municipality, district or the province: the indicators with their
trends (the last four weeks against the four before) and charts, the department league, and
the area's alerts by level with the time they took to be acknowledged; as of any day (each
query takes the request's ``AsOf``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from projections.alerts.queries import area_alert_levels
from projections.nerve_centre.queries import areas, indicators
from web.reports.gather import ReportRequest, Sources, end_of

#: Weeks of history the charts show.
WEEKS = 12
#: A month, as whole weeks: the figures of the last four against the four before.
MONTH_WEEKS = 4
#: Weekly flow indicators shown with their trend: (key in ``weekly``, is a share).
FLOWS = (
    ("M1_households_profiled", False),
    ("M3_needs", False),
    ("M4_referral_rate", True),
    ("M5_acknowledged_within_standard", True),
    ("M6_delivered_within_standard", True),
    ("M12_graduations", False),
)


def _total(weeks: list[dict[str, Any]], key: str, share: bool) -> float | int | None:
    """A month's figure of a weekly indicator: the sum of counts, the mean of shares."""
    values: list[float] = [w[key] for w in weeks if w[key] is not None]
    if share:
        return round(sum(values) / len(values), 3) if values else None
    return sum(values)


def trend(now: float | int | None, before: float | int | None) -> str:
    """``up``, ``down`` or ``same``: where the month went against the month before."""
    if now is None or before is None or now == before:
        return "same"
    return "up" if now > before else "down"


async def monthly(sources: Sources, request: ReportRequest) -> dict[str, Any]:
    db, level, code, today = sources.db, request.level, request.code, request.as_of
    as_of = request.history(sources.today)
    figures = await indicators.indicators(db, level, code, WEEKS, today, as_of)
    weekly = figures["weekly"]
    month, before = weekly[-MONTH_WEEKS:], weekly[-2 * MONTH_WEEKS : -MONTH_WEEKS]
    flows = []
    for key, share in FLOWS:
        now_value, then_value = _total(month, key, share), _total(before, key, share)
        flows.append(
            {
                "key": key.split("_", 1)[0],
                "share": share,
                "month": now_value,
                "before": then_value,
                "trend": trend(now_value, then_value),
            }
        )
    departments = list(sources.departments)
    league = await areas.department_league(db, level, code, today, departments, as_of)
    since = end_of(today) - timedelta(days=30)
    return {
        "summary": await areas.dashboard(db, level, code, today, as_of),
        "current": figures["current"],
        "flows": flows,
        "weeks": await areas.trends(db, level, code, WEEKS, today, as_of),
        "weekly": weekly,
        "league": [
            {**r, "name": sources.departments.get(r["department"], r["department"])} for r in league
        ],
        "alerts": await area_alert_levels(db, sources.principal, level, code, since, as_of),
        "alerts_since": since.date(),
    }
