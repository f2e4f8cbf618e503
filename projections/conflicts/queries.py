"""The conflicts view's reads (asyncpg), scoped by the access policy like every list."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.access.policy import row_scope
from domain.access.principal import Principal
from projections.conflicts.view import CONFLICTS
from projections.scoping import Db, Where, scoped

COLUMNS = (
    "conflict_id, household_id, ward_id, path, candidates, status, opened_at, updated_at, "
    "resolved_at, resolved_by"
)


async def conflicts_page(
    db: Db, principal: Principal, status: str | None, after: UUID | None, limit: int
) -> tuple[list[dict[str, Any]], UUID | None]:
    """A page of the conflicts on households the principal may see, in id order (keyset)."""
    q = Where()
    q.where("status = {}", status)
    q.where("conflict_id > {}", after)
    scoped(q, row_scope(principal, "household"))
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM {CONFLICTS}{q.clause()} ORDER BY conflict_id "
        f"LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    page = [dict(r) for r in rows[:limit]]
    return page, page[-1]["conflict_id"] if len(rows) > limit else None


async def conflict_household(db: Db, conflict_id: UUID, principal: Principal) -> UUID | None:
    """The household of a conflict the principal may see (None: unknown or out of scope)."""
    q = Where()
    q.where("conflict_id = {}", conflict_id)
    scoped(q, row_scope(principal, "household"))
    found: UUID | None = await db.fetchval(
        f"SELECT household_id FROM {CONFLICTS}{q.clause()}", *q.args
    )
    return found
