"""The nerve-centre indicator set (oss-domain.md §4.2), computed from the roll-up tables.

Each indicator has one definition here, used by the API and printed in its documentation.
Flow indicators (things that happen) are given per ISO week (Monday to Sunday, by
``occurred_at``); stock indicators (states) are given as of today. Everything is read from
per-area roll-ups, so the cost does not grow with the number of households.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from domain.rules.functionality import CORE_DEPARTMENTS, WarRoomFacts, classify

DEFINITIONS: Final[dict[str, str]] = {
    "M1": "Households profiled: distinct households with at least one ProfileSubmitted in the "
    "week; `cumulative` = households ever profiled (coverage needs a dwelling estimate, which "
    "the system does not hold).",
    "M2": "Profile freshness: share of active households whose last profile is from this "
    "month or the 11 before it (as of today; profile ages are kept by month).",
    "M3": "Needs identified in the week, by category and by severity (NeedIdentified).",
    "M4": "Referral rate: share of the week's needs of severity medium or worse that got a "
    "ReferralMade within 14 days of being identified.",
    "M5": "Acknowledgement within standard: share of the week's acknowledgements made on or "
    "before the referral's ack_by date (per department: GET /v1/departments/performance).",
    "M6": "Delivered within standard: share of the week's ServiceDelivered on or before the "
    "referral's deliver_by date.",
    "M7": "Median and 90th-percentile days from referral to verified closure (closed "
    "referrals, all time; per department: GET /v1/departments/performance).",
    "M8": "Backlog ageing: open referrals by age in days (0-7, 8-30, 31-90, over 90), today.",
    "M9": "War-room functionality class by rule functionality-v1 (wards only; for larger "
    "areas, the number of wards in each class).",
    "M10": "Department attendance: for each core department, the share of the last 8 weeks' "
    "meetings at which it was present.",
    "M11": "Field-worker activity: visits and profiles per active field worker in the week; "
    "share of active field workers who submitted in the last 14 days.",
    "M12": "Graduation: households graduated in the week, households by stage today, and "
    "regressions (reopened within 90 days of graduating) in the week.",
    "M13": "Child protection: share of child-protection referrals acknowledged within 2 days "
    "(all time).",
}

AGE_BUCKETS: Final = (("0-7", 0, 7), ("8-30", 8, 30), ("31-90", 31, 90), ("over-90", 91, None))


@dataclass(frozen=True)
class AreaFacts:
    """The roll-up rows of one area that the indicators are computed from."""

    today: date
    counts: Mapping[str, int]
    daily: Mapping[tuple[str, date], int]
    open_made: Mapping[date, int]
    field_workers: list[tuple[datetime | None, bool]] = field(default_factory=list)
    ward_classes: Mapping[str, int] | None = None  # for areas above a ward


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def weekly(facts: AreaFacts, weeks: int) -> list[dict[str, Any]]:
    """Flow indicators per week, oldest first (M1, M3, M4, M5, M6, M11, M12)."""
    active_workers = sum(1 for _, active in facts.field_workers if active) or 0
    series = []
    first = week_start(facts.today) - timedelta(weeks=weeks - 1)
    for n in range(weeks):
        start = first + timedelta(weeks=n)
        total = _week_totals(facts.daily, start)
        series.append(
            {
                "week_start": start.isoformat(),
                "M1_households_profiled": total("profiled_households"),
                "M3_needs": total("needs"),
                "M3_needs_by_category": _by_prefix(facts.daily, start, "needs:"),
                "M3_needs_by_severity": _by_prefix(facts.daily, start, "needs_severity:"),
                "M4_referral_rate": share(total("needs_referred_14d"), total("needs_referable")),
                "M5_acknowledged_within_standard": share(
                    total("acknowledged_within"), total("acknowledged")
                ),
                "M6_delivered_within_standard": share(
                    total("delivered_within"), total("delivered")
                ),
                "M11_visits_per_field_worker": share(total("visits"), active_workers),
                "M11_profiles_per_field_worker": share(total("profiles"), active_workers),
                "M12_graduations": total("graduations"),
                "M12_regressions": total("regressions"),
            }
        )
    return series


def current(facts: AreaFacts) -> dict[str, Any]:
    """Stock indicators as of today (M1 cumulative, M2, M7, M8, M9, M10, M11, M12, M13)."""
    counts, today = facts.counts, facts.today
    fresh = sum(v for k, v in counts.items() if k in _last_12_months(today))
    recent = today - timedelta(days=14)
    active = [last for last, is_active in facts.field_workers if is_active]
    return {
        "M1_households_profiled_cumulative": counts.get("households_profiled", 0),
        "M2_profile_freshness": share(fresh, counts.get("households_active", 0)),
        "M7_days_to_closure": percentiles(counts, "complete_days:"),
        "M8_backlog_ageing": _ageing(facts.open_made, today),
        "M9_functionality": facts.ward_classes,
        "M10_department_attendance": _attendance(facts.daily, today),
        "M11_active_field_workers": len(active),
        "M11_share_submitted_last_14_days": share(
            sum(1 for last in active if last is not None and last.date() >= recent), len(active)
        ),
        "M12_households_by_stage": {
            stage: counts.get(f"households_{stage}", 0)
            for stage in ("registered", "active", "graduated")
        },
        "M13_child_protection_acknowledged_within_2_days": share(
            counts.get("child_protection_ack_2d", 0), counts.get("child_protection_referrals", 0)
        ),
    }


def ward_functionality(facts: AreaFacts, established: bool) -> dict[str, Any]:
    """M9 for one ward, with the rule's reasons."""
    start = week_start(facts.today)
    weeks_met = sum(
        1 for n in range(4) if _week_totals(facts.daily, start - timedelta(weeks=n))("meetings") > 0
    )
    meetings = sum(v for (m, d), v in facts.daily.items() if m == "meetings" and _last_8w(d, facts))
    present = sum(
        v
        for (m, d), v in facts.daily.items()
        if m.startswith("attended:") and m[9:] in CORE_DEPARTMENTS and _last_8w(d, facts)
    )
    attendance = share(present, meetings * len(CORE_DEPARTMENTS))
    ack = share(facts.counts.get("acknowledged_within", 0), facts.counts.get("acknowledged", 0))
    profiles = sum(
        v
        for (m, d), v in facts.daily.items()
        if m == "profiles" and d > facts.today - timedelta(days=14)
    )
    result = classify(WarRoomFacts(established, weeks_met, attendance, ack, profiles))
    return {
        "class": result.level,
        "reasons": list(result.reasons),
        "rule_version": result.rule_version,
    }


def _last_12_months(today: date) -> set[str]:
    """This month and the 11 before it (profile ages are kept at month granularity)."""
    months = set()
    for back in range(12):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        months.add(f"profile_month:{year:04d}-{month + 1:02d}")
    return months


def _last_8w(day: date, facts: AreaFacts) -> bool:
    return day > facts.today - timedelta(weeks=8)


def _week_totals(daily: Mapping[tuple[str, date], int], start: date) -> Any:
    days = {start + timedelta(days=d) for d in range(7)}

    def total(metric: str) -> int:
        return sum(daily.get((metric, day), 0) for day in days)

    return total


def _by_prefix(daily: Mapping[tuple[str, date], int], start: date, prefix: str) -> dict[str, int]:
    end = start + timedelta(days=7)
    out: dict[str, int] = {}
    for (metric, day), value in daily.items():
        if metric.startswith(prefix) and start <= day < end:
            key = metric[len(prefix) :]
            out[key] = out.get(key, 0) + value
    return dict(sorted(out.items()))


def percentiles(counts: Mapping[str, int], prefix: str) -> dict[str, float | int | None]:
    """Median and p90 from a histogram of whole days (metric ``<prefix><days>``)."""
    histogram = sorted(
        (int(k[len(prefix) :]), v) for k, v in counts.items() if k.startswith(prefix)
    )
    total = sum(v for _, v in histogram)
    if total == 0:
        return {"count": 0, "median": None, "p90": None}

    def at(q: float) -> int:
        rank, seen = q * (total - 1), 0
        for days, count in histogram:
            seen += count
            if seen > rank:
                return days
        return histogram[-1][0]

    return {"count": total, "median": at(0.5), "p90": at(0.9)}


def _ageing(open_made: Mapping[date, int], today: date) -> dict[str, int]:
    out = {name: 0 for name, _, _ in AGE_BUCKETS}
    for made, value in open_made.items():
        age = (today - made).days
        for name, low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                out[name] += value
    return out


def _attendance(daily: Mapping[tuple[str, date], int], today: date) -> dict[str, float | None]:
    since = today - timedelta(weeks=8)
    meetings = sum(v for (m, d), v in daily.items() if m == "meetings" and d > since)
    return {
        department: share(
            sum(v for (m, d), v in daily.items() if m == f"attended:{department}" and d > since),
            meetings,
        )
        for department in CORE_DEPARTMENTS
    }
