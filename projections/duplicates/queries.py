"""The duplicates view's reads (asyncpg): the review queue, scoped by the access policy."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson

from domain.access.policy import row_scope
from domain.access.principal import Principal
from projections.duplicates.view import CANDIDATES, HOUSEHOLDS
from projections.scoping import Db, Where, scoped

_COLUMNS = (
    "c.candidate_id, c.household_a, c.household_b, a.ward_id AS ward_a, b.ward_id AS ward_b, "
    "c.score, c.field_scores, c.same_id_number, c.rule_version, c.status, c.survivor_id, "
    "c.proposed_at, c.decided_at, c.decided_by"
)


async def candidates_page(
    db: Db, principal: Principal, status: str | None, after: UUID | None, limit: int
) -> tuple[list[dict[str, Any]], UUID | None]:
    """A page of the pairs whose two households the principal may both see (keyset by id)."""
    q = Where()
    scoped(q, row_scope(principal, "household"))
    sees = q.terms.pop()  # one scope clause, applied to both households' places
    q.where("c.status = {}", status)
    q.where("c.candidate_id > {}", after)
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM {CANDIDATES} c "
        f"JOIN {HOUSEHOLDS} a ON a.household_id = c.household_a "
        f"JOIN {HOUSEHOLDS} b ON b.household_id = c.household_b "
        f"WHERE a.household_id IN (SELECT household_id FROM {HOUSEHOLDS} WHERE {sees}) "
        f"AND b.household_id IN (SELECT household_id FROM {HOUSEHOLDS} WHERE {sees})"
        f"{q.clause().replace(' WHERE ', ' AND ', 1)} ORDER BY c.candidate_id "
        f"LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    page = [{**r, "field_scores": orjson.loads(r["field_scores"])} for r in rows[:limit]]
    return page, page[-1]["candidate_id"] if len(rows) > limit else None
