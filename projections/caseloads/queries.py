"""The caseloads view's reads (asyncpg): a field worker's caseload, its counts by risk, its
visits due, and the households of a ward awaiting assignment; every row scoped by the access
policy like the household lists (``row_scope(principal, "household")``).

A household merged into another is in no caseload, and its visits count for its survivor's:
each household's ``last_visit_at`` is read as the latest of its own and its duplicates'."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access.policy import row_scope
from domain.access.principal import Principal
from domain.rules.visits import UNSCORED_INTERVAL_DAYS, VISIT_INTERVAL_DAYS
from projections.caseloads.view import FIELD_WORKERS, HOUSEHOLDS
from projections.scoping import Db, Where, scoped

COLUMNS = (
    "household_id, ward_id, field_worker_id, assigned_at, status, risk_level, registered_at, "
    "last_visit_at"
)
_MERGED_VISIT = (
    f"(SELECT max(d.last_visit_at) FROM {HOUSEHOLDS} d WHERE d.merged_into = h.household_id)"
)
#: The households as caseloads read them: none merged, each with its duplicates' last visit.
SOURCE = (
    f"(SELECT h.household_id, h.ward_id, h.municipality, h.district, h.field_worker_id, "
    f"h.assigned_at, h.status, h.risk_level, h.registered_at, "
    f"greatest(h.last_visit_at, {_MERGED_VISIT}) AS last_visit_at "
    f"FROM {HOUSEHOLDS} h WHERE h.merged_into IS NULL) AS h"
)
#: Households visits are planned for (a graduated one is only monitored).
FOLLOWED = ("registered", "active")


def _due_at(q: Where) -> str:
    """When a household's next visit is due (``domain.rules.visits``), in SQL."""
    cases = " ".join(
        f"WHEN {q.arg(str(level))}::text THEN {q.arg(days)}::int"
        for level, days in VISIT_INTERVAL_DAYS.items()
    )
    interval = f"CASE risk_level {cases} ELSE {q.arg(UNSCORED_INTERVAL_DAYS)}::int END"
    since = "coalesce(last_visit_at, assigned_at, registered_at)"
    return f"({since} + make_interval(days => ({interval})::int))"


async def _page(
    db: Db, q: Where, after: UUID | None, limit: int
) -> tuple[list[dict[str, Any]], UUID | None]:
    """The rows after ``after`` in household id order (keyset), and the next page's key."""
    q.where("household_id > {}", after)
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM {SOURCE}{q.clause()} ORDER BY household_id "
        f"LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    page = [dict(r) for r in rows[:limit]]
    return page, page[-1]["household_id"] if len(rows) > limit else None


def _caseload(q: Where, principal: Principal, field_worker_id: str) -> None:
    q.where("field_worker_id = {}", field_worker_id)
    scoped(q, row_scope(principal, "household"))


async def caseload_page(
    db: Db,
    principal: Principal,
    field_worker_id: str,
    risk_level: str | None,
    after: UUID | None,
    limit: int,
) -> tuple[list[dict[str, Any]], UUID | None]:
    """A page of the field worker's households the principal sees, in id order (keyset)."""
    q = Where()
    _caseload(q, principal, field_worker_id)
    q.where("risk_level = {}", risk_level)
    return await _page(db, q, after, limit)


async def caseload_counts(db: Db, principal: Principal, field_worker_id: str) -> dict[str, Any]:
    """The caseload's size, by risk level (``unscored``: no profile yet) and by status."""
    q = Where()
    _caseload(q, principal, field_worker_id)
    rows = await db.fetch(
        f"SELECT coalesce(risk_level, 'unscored') AS risk, status, count(*) AS n "
        f"FROM {SOURCE}{q.clause()} GROUP BY 1, 2",
        *q.args,
    )
    by_risk: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for r in rows:
        by_risk[r["risk"]] = by_risk.get(r["risk"], 0) + r["n"]
        by_status[r["status"]] = by_status.get(r["status"], 0) + r["n"]
    return {"total": sum(by_risk.values()), "by_risk": by_risk, "by_status": by_status}


async def visits_due(
    db: Db, principal: Principal, field_worker_id: str, by: datetime, limit: int
) -> list[dict[str, Any]]:
    """The caseload's households whose next visit is due by ``by``, the most overdue first."""
    q = Where()
    _caseload(q, principal, field_worker_id)
    q.terms.append(f"status = ANY({q.arg(list(FOLLOWED))}::text[])")
    due_at = _due_at(q)
    q.terms.append(f"{due_at} <= {q.arg(by)}")
    rows = await db.fetch(
        f"SELECT {COLUMNS}, {due_at} AS due_at FROM {SOURCE}{q.clause()} "
        f"ORDER BY due_at, household_id LIMIT {q.arg(limit)}",
        *q.args,
    )
    return [dict(r) for r in rows]


async def unassigned_page(
    db: Db, principal: Principal, ward_id: str, after: UUID | None, limit: int
) -> tuple[list[dict[str, Any]], UUID | None]:
    """A ward's households in no caseload (a move's, or registered by no field worker)."""
    q = Where()
    q.terms.append("field_worker_id IS NULL")
    q.where("ward_id = {}", ward_id)
    q.terms.append(f"status = ANY({q.arg(list(FOLLOWED))}::text[])")
    scoped(q, row_scope(principal, "household"))
    return await _page(db, q, after, limit)


async def field_worker_wards(db: Db, field_worker_id: str) -> list[str] | None:
    """The wards a field worker is assigned to (None: no such field worker in the view)."""
    wards: list[str] | None = await db.fetchval(
        f"SELECT ward_ids FROM {FIELD_WORKERS} WHERE field_worker_id = $1", field_worker_id
    )
    return wards
