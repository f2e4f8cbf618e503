"""Area roll-ups: dashboards, the department league, field-worker activity, the needs heat map
and weekly trends.

Area totals come from the roll-up tables by primary-key prefix, so their cost does not grow
with the number of households. Values are always bound. Each area read takes an optional
``AsOf``: the same figures as they were known at the end of that day (``queries.asof``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from domain.reference.geography import geography
from domain.vocabulary import HouseholdStatus, NeedCategory, ReferralStatus, RiskLevel
from projections.field_activity import queries as field_activity
from projections.nerve_centre.indicators import percentiles, share, week_start
from projections.nerve_centre.queries.asof import AsOf, daily, latest_rows, totals
from projections.nerve_centre.tables import (
    AREA_COUNTS,
    DEPARTMENT_AREA,
    DEPARTMENT_DUE,
    FIELD_WORKERS,
    FW_HOUSEHOLDS,
    OPEN_DUE,
    WARD_NEEDS,
)
from projections.open_data.view import FACTS
from projections.scoping import Db, fetch_generic

TREND_METRICS = (
    "profiles",
    "needs",
    "referrals_made",
    "referrals_completed",
    "graduations",
    "interventions",
    "visits",
)
RECENT_METRICS = ("interventions", "profiles", "graduations", "meetings", "visits")
RECENT_DAYS = 30
_COUNT_METRICS = (
    "households",
    "households_profiled",
    *(f"households_{s}" for s in HouseholdStatus),
    *(f"risk_{level}" for level in RiskLevel),
    "needs_open",
    "needs_open_high",
    "referrals",
    "referrals_open",
    *(f"referrals_{s}" for s in ReferralStatus),
    "war_rooms",
)


# The groups an as-of read takes from the snapshots (``queries.asof``), by the reads' own $n.
_AREA = "SELECT $1::text AS level, $2::text AS code"
_DEPARTMENTS = "SELECT unnest($1::text[]) AS department, $2::text AS level, $3::text AS code"
_WARDS = "SELECT unnest($1::text[]) AS ward_id"


def _metrics(names: Sequence[str]) -> str:
    """The code's own metric names as an array literal, not a bound value: a generic plan
    (``fetch_generic``) then probes the (area, metric, day) keys for each, as a custom plan
    does; a bound array's size is unknown to it, so it scanned every metric of the area."""
    assert all(name.isidentifier() for name in names)
    return f"'{{{','.join(names)}}}'::text[]"


def _dashboard(as_of: AsOf | None) -> str:
    """One statement, one round trip: the area's totals, its overdue referrals and its last
    30 days ($3: today, or the as-of day)."""
    return (
        "SELECT 'count' AS part, metric, value "
        f"FROM {totals(AREA_COUNTS, as_of, '$3', _AREA)} t "
        f"WHERE level = $1 AND code = $2 AND metric = ANY({_metrics(_COUNT_METRICS)}) "
        "UNION ALL SELECT 'overdue', NULL, coalesce(sum(value), 0)::bigint "
        f"FROM {totals(OPEN_DUE, as_of, '$3', _AREA)} d "
        "WHERE level = $1 AND code = $2 AND due < $3 "
        "UNION ALL SELECT 'recent', metric, sum(value)::bigint "
        f"FROM {daily(as_of, '$3')} a WHERE level = $1 AND code = $2 "
        f"AND metric = ANY({_metrics(RECENT_METRICS)}) AND day >= $4 GROUP BY metric"
    )


_DASHBOARD = _dashboard(None)


async def dashboard(
    db: Db, level: str, code: str, today: date, as_of: AsOf | None = None
) -> dict[str, Any]:
    """Totals, overdue referrals and the last 30 days of one area (a handful of rows)."""
    today = as_of.day if as_of else today
    since = today - timedelta(days=RECENT_DAYS)
    parts: dict[str, dict[str | None, int]] = {"count": {}, "overdue": {}, "recent": {}}
    sql = _dashboard(as_of) if as_of else _DASHBOARD
    for r in await fetch_generic(db, sql, level, code, today, since):
        parts[r["part"]][r["metric"]] = int(r["value"])
    counts, recent, overdue = parts["count"], parts["recent"], parts["overdue"][None]
    return {
        "level": level,
        "code": code,
        "as_of": today,
        "households": {
            "total": counts.get("households", 0),
            "profiled": counts.get("households_profiled", 0),
            "by_status": {s: counts.get(f"households_{s}", 0) for s in HouseholdStatus},
            "by_risk_level": {r: counts.get(f"risk_{r}", 0) for r in RiskLevel},
        },
        "needs": {
            "open": counts.get("needs_open", 0),
            "open_high": counts.get("needs_open_high", 0),
        },
        "referrals": {
            "total": counts.get("referrals", 0),
            "open": counts.get("referrals_open", 0),
            "overdue": overdue,
            "by_status": {s: counts.get(f"referrals_{s}", 0) for s in ReferralStatus},
        },
        "war_rooms": counts.get("war_rooms", 0),
        "last_30_days": {"since": since, **{m: recent.get(m, 0) for m in RECENT_METRICS}},
    }


def _league(as_of: AsOf | None) -> str:
    """One statement: each department's counters in the area, and (metric NULL) its overdue
    total ($4: today, or the as-of day)."""
    return (
        "SELECT department, metric, value "
        f"FROM {totals(DEPARTMENT_AREA, as_of, '$4', _DEPARTMENTS)} a "
        "WHERE department = ANY($1::text[]) AND level = $2 AND code = $3 "
        f"UNION ALL SELECT department, NULL, sum(value)::bigint "
        f"FROM {totals(DEPARTMENT_DUE, as_of, '$4', _DEPARTMENTS)} d "
        "WHERE department = ANY($1::text[]) AND level = $2 AND code = $3 AND due < $4 "
        "GROUP BY department"
    )


_LEAGUE = _league(None)


async def department_league(
    db: Db,
    level: str,
    code: str,
    today: date,
    departments: Sequence[str],
    as_of: AsOf | None = None,
) -> list[dict[str, Any]]:
    """Each of ``departments``' (the catalogue's codes) referral performance in an area,
    worst first (lowest M5 share)."""
    metrics: dict[str, dict[str, int]] = {}
    overdue: dict[str, int] = {}
    today = as_of.day if as_of else today
    sql = _league(as_of) if as_of else _LEAGUE
    # The codes are the leading key of the primary keys: index scans.
    for r in await db.fetch(sql, list(departments), level, code, today):
        if r["metric"] is None:
            overdue[r["department"]] = int(r["value"])
        else:
            metrics.setdefault(r["department"], {})[r["metric"]] = int(r["value"])
    league = [_performance(dept, m, overdue.get(dept, 0)) for dept, m in metrics.items()]
    said = await _feedback(db, level, code, list(metrics))
    for row in league:
        row.update(said.get(row["department"], {}))
    league.sort(
        key=lambda p: (
            p["share_acknowledged_within"] is not None,
            p["share_acknowledged_within"] or 0.0,
            -p["received"],
            p["department"],
        )
    )
    return league


_FEEDBACK = (
    "SELECT dim AS department, count(*) FILTER (WHERE measure = 'ratings') AS ratings, "
    "round(avg(rating), 2)::float AS mean_rating, "
    "count(*) FILTER (WHERE measure = 'not_received') AS not_received "
    f"FROM {FACTS} WHERE measure IN ('ratings', 'not_received') AND dim = ANY($1::text[]) "
    "AND ($2::text[] IS NULL OR ward_id = ANY($2::text[])) GROUP BY dim"
)


async def _feedback(
    db: Db, level: str, code: str, departments: list[str]
) -> dict[str, dict[str, Any]]:
    """The households' ratings and "not received" answers per department in the area (the
    open-data projection's facts: issue 21's feedback)."""
    wards = None if level == "province" else [w.id for w in geography().wards_in(level, code)]
    rows = await db.fetch(_FEEDBACK, departments, wards)
    return {r["department"]: {k: v for k, v in dict(r).items() if k != "department"} for r in rows}


def _performance(department: str, m: dict[str, int], overdue: int) -> dict[str, Any]:
    return {
        "department": department,
        "received": m.get("received", 0),
        "acknowledged": m.get("acknowledged", 0),
        "acknowledged_within": m.get("acknowledged_within", 0),
        "share_acknowledged_within": share(
            m.get("acknowledged_within", 0), m.get("acknowledged", 0)
        ),
        "completed": m.get("completed", 0),
        "delivered_within": m.get("delivered_within", 0),
        "open": m.get("open", 0),
        "overdue": overdue,
        "days_to_acknowledge": percentiles(m, "ack_days:"),
        "days_to_complete": percentiles(m, "complete_days:"),
    }


async def field_worker_activity(
    db: Db, ward_id: str, today: date, as_of: AsOf | None = None
) -> list[dict[str, Any]]:
    """Field workers assigned to a ward, with their last submission and households visited;
    with ``as_of``, as they were at the end of that day (``projections.field_activity``)."""
    if as_of is not None:
        return _days_since(await field_activity.activity(db, ward_id, as_of), as_of.day)
    rows = await db.fetch(
        f"SELECT w.field_worker_id, w.ward_ids, w.active, w.last_submission_at, "
        "coalesce(v.week, 0) AS households_visited_7d, "
        "coalesce(v.month, 0) AS households_visited_30d "
        f"FROM {FIELD_WORKERS} w LEFT JOIN LATERAL ("
        "SELECT count(*) FILTER (WHERE h.last_visit_on >= $2) AS week, count(*) AS month "
        f"FROM {FW_HOUSEHOLDS} h "
        "WHERE h.field_worker_id = w.field_worker_id AND h.last_visit_on >= $3"
        ") v ON true WHERE w.ward_ids @> ARRAY[$1]::text[] ORDER BY w.field_worker_id",
        ward_id,
        today - timedelta(days=7),
        today - timedelta(days=30),
    )
    return _days_since([dict(r) for r in rows], today)


def _days_since(rows: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "days_since_last_submission": (
                None
                if r["last_submission_at"] is None
                else (today - r["last_submission_at"].date()).days
            ),
        }
        for r in rows
    ]


async def needs_heatmap(db: Db, level: str, code: str, as_of: AsOf | None = None) -> dict[str, Any]:
    """Open needs per ward × category for every ward of an area (zeros included)."""
    wards = [w.id for w in geography().wards_in(level, code)]
    categories = [str(c) for c in NeedCategory]
    cells: dict[str, dict[str, int]] = {w: dict.fromkeys(categories, 0) for w in wards}
    if as_of is not None and as_of.basis == "recorded":
        # each ward's snapshot as stored, its two arrays taken whole: an index-only probe a
        # ward (0041), no row a member to unnest and send (zeros are left out either way)
        query = latest_rows(WARD_NEEDS, "$2", _WARDS)
        for r in await db.fetch(query, wards, as_of.day):
            cells[r["ward_id"]].update(zip(r["members"], r["counts"], strict=True))
    else:
        args: list[Any] = [wards, *([as_of.day] if as_of else [])]
        for r in await db.fetch(
            f"SELECT ward_id, category, value FROM {totals(WARD_NEEDS, as_of, '$2', _WARDS)} n "
            "WHERE ward_id = ANY($1::text[])",
            *args,
        ):
            cells[r["ward_id"]][r["category"]] = int(r["value"])
    return {
        "level": level,
        "code": code,
        "categories": categories,
        "wards": [
            {"ward_id": w, "total": sum(counts.values()), "counts": counts}
            for w, counts in cells.items()
        ],
    }


async def trends(
    db: Db, level: str, code: str, weeks: int, today: date, as_of: AsOf | None = None
) -> list[dict[str, Any]]:
    """Weekly (Monday-based) totals of the trend metrics, oldest first, zero-filled."""
    today = as_of.day if as_of else today
    args: list[Any] = [as_of.day] if as_of else []
    first = week_start(today) - timedelta(weeks=weeks - 1)
    end = week_start(today) + timedelta(weeks=1)
    series = {first + timedelta(weeks=n): dict.fromkeys(TREND_METRICS, 0) for n in range(weeks)}
    for r in await fetch_generic(
        db,
        "SELECT metric, day - (extract(isodow FROM day)::int - 1) AS week, sum(value) AS value "
        f"FROM {daily(as_of, '$5')} a WHERE level = $1 AND code = $2 "
        f"AND metric = ANY({_metrics(TREND_METRICS)}) AND day >= $3 AND day < $4 "
        "GROUP BY metric, week",
        level,
        code,
        first,
        end,
        *args,
    ):
        series[r["week"]][r["metric"]] = int(r["value"])
    return [{"week_start": week, **totals} for week, totals in series.items()]
