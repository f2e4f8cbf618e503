"""Each department's referrals in one ward against its service standard, for the ward report.

The department league keeps its roll-ups from the municipality up (a ward's would be one more
row per department and ward to upsert on every referral event); a ward's referrals are few,
so one GROUP BY over its rows of the referrals view (by its ward index) answers instead, with
the league's definitions (``contributions``: acknowledged or delivered on or before the date
fixed in the referral when it was made; overdue past the due date of its next step).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.nerve_centre.contributions import DUE_BY, OPEN_REFERRAL_STATUSES
from projections.nerve_centre.tables import REFERRALS
from projections.scoping import Db

_DUE = "CASE status " + " ".join(f"WHEN '{s}' THEN {c}" for s, c in DUE_BY.items()) + " END"

_WARD_DEPARTMENTS = (
    "SELECT department, count(*)::int AS received, "
    "count(acknowledged_at)::int AS acknowledged, "
    "count(*) FILTER (WHERE acknowledged_at::date <= ack_by)::int AS acknowledged_within, "
    "count(delivered_at)::int AS delivered, "
    "count(*) FILTER (WHERE delivered_at::date <= deliver_by)::int AS delivered_within, "
    "count(*) FILTER (WHERE status = 'closed')::int AS completed, "
    "count(*) FILTER (WHERE status = ANY($2::text[]))::int AS open, "
    f"count(*) FILTER (WHERE {_DUE} < $3)::int AS overdue "
    f"FROM {REFERRALS} WHERE ward_id = $1 GROUP BY department ORDER BY department"
)


async def ward_departments(db: Db, ward_id: str, today: date) -> list[dict[str, Any]]:
    """Per department with referrals from the ward: received, acknowledged (and within the
    standard), delivered (and within it), completed, open and overdue today."""
    rows = await db.fetch(_WARD_DEPARTMENTS, ward_id, sorted(OPEN_REFERRAL_STATUSES), today)
    return [dict(r) for r in rows]
