"""The field workers as they were at the end of a day, from the field-activity logs: by
recorded time (what the log held then) or by occurred time (what had happened by then, as
known now). Today's come from the nerve-centre view (``queries.areas``); these give the same
rows as of today on either basis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from projections.field_activity.view import SUBMISSIONS, VISITS, WORKERS
from projections.nerve_centre.queries.asof import AsOf
from projections.scoping import Db

# The workers of some wards ($2) as they stood at the end of a day ($1): registered by then,
# their wards in the order they were assigned, active unless deactivated by then, and their
# latest submission by then. {day}: the logs' day column of the basis asked for.
_WORKERS = (
    "WITH w AS (SELECT field_worker_id, coalesce(array_agg(ward_id ORDER BY version) "
    "FILTER (WHERE change = 'assigned'), ARRAY[]::text[]) AS ward_ids, "
    "NOT bool_or(change = 'deactivated') AS active "
    f"FROM {WORKERS} WHERE {{day}} <= $1 GROUP BY field_worker_id "
    "HAVING bool_or(change = 'registered')), "
    "ws AS (SELECT w.field_worker_id, w.ward_ids, w.active, "
    f"(SELECT max(last_at) FROM {SUBMISSIONS} s WHERE s.field_worker_id = w.field_worker_id "
    "AND s.{day} <= $1) AS last_submission_at FROM w WHERE w.ward_ids && $2::text[]) "
)
_ACTIVITY = (
    "SELECT ws.*, coalesce(v.week, 0) AS households_visited_7d, "
    "coalesce(v.month, 0) AS households_visited_30d FROM ws LEFT JOIN LATERAL ("
    "SELECT count(DISTINCT household_id) FILTER (WHERE occurred_on >= $3) AS week, "
    f"count(DISTINCT household_id) AS month FROM {VISITS} v "
    "WHERE v.field_worker_id = ws.field_worker_id AND v.occurred_on >= $4 AND v.{day} <= $1"
    ") v ON true ORDER BY ws.field_worker_id"
)


def _day(as_of: AsOf) -> str:
    return "recorded_on" if as_of.basis == "recorded" else "occurred_on"


async def workers(db: Db, wards: list[str], as_of: AsOf) -> list[dict[str, Any]]:
    """The field workers of ``wards`` at the end of the day: wards, active, last submission."""
    sql = _WORKERS.format(day=_day(as_of)) + "SELECT * FROM ws ORDER BY field_worker_id"
    return [dict(r) for r in await db.fetch(sql, as_of.day, wards)]


async def activity(db: Db, ward_id: str, as_of: AsOf) -> list[dict[str, Any]]:
    """The field workers of a ward at the end of the day, with the households each visited in
    the 7 and the 30 days before it (as ``areas.field_worker_activity`` counts them today)."""
    day = as_of.day
    sql = (_WORKERS + _ACTIVITY).format(day=_day(as_of))
    rows = await db.fetch(sql, day, [ward_id], day - timedelta(days=7), day - timedelta(days=30))
    return [dict(r) for r in rows]
