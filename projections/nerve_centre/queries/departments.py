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

from domain.access.policy import Area, RowScope
from projections.nerve_centre.contributions import DUE_BY, OPEN_REFERRAL_STATUSES
from projections.nerve_centre.queries.cases import rows_as_of
from projections.nerve_centre.tables import REFERRAL_COLUMNS, REFERRALS, REFERRALS_VERSIONS
from projections.scoping import Db, Where

_DUE = "CASE status " + " ".join(f"WHEN '{s}' THEN {c}" for s, c in DUE_BY.items()) + " END"

#: The referrals read as of a day: every row then, wherever it is now (the report's reader
#: was checked for the ward; it shows counts only), the ward chosen over the rows of then.
_ANYWHERE = RowScope(area=Area(province=True), department_area=Area(), departments=frozenset())


def _ward_departments(source: str) -> str:
    return (
        "SELECT department, count(*)::int AS received, "
        "count(acknowledged_at)::int AS acknowledged, "
        "count(*) FILTER (WHERE acknowledged_at::date <= ack_by)::int AS acknowledged_within, "
        "count(delivered_at)::int AS delivered, "
        "count(*) FILTER (WHERE delivered_at::date <= deliver_by)::int AS delivered_within, "
        "count(*) FILTER (WHERE status = 'closed')::int AS completed, "
        "count(*) FILTER (WHERE status = ANY($2::text[]))::int AS open, "
        f"count(*) FILTER (WHERE {_DUE} < $3)::int AS overdue "
        f"FROM {source} WHERE ward_id = $1 GROUP BY department ORDER BY department"
    )


_WARD_DEPARTMENTS = _ward_departments(REFERRALS)


async def ward_departments(
    db: Db, ward_id: str, today: date, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Per department with referrals from the ward: received, acknowledged (and within the
    standard), delivered (and within it), completed, open and overdue today; with ``as_of``,
    as the referrals stood at the end of that day (by recorded time), overdue then."""
    open_statuses = sorted(OPEN_REFERRAL_STATUSES)
    if as_of is None:
        rows = await db.fetch(_WARD_DEPARTMENTS, ward_id, open_statuses, today)
    else:
        q = Where()
        q.args = [ward_id, open_statuses, as_of]
        source = rows_as_of(REFERRALS, REFERRALS_VERSIONS, REFERRAL_COLUMNS, "$3", q, _ANYWHERE)
        rows = await db.fetch(_ward_departments(source), *q.args)
    return [dict(r) for r in rows]
