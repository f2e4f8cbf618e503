"""Work lists over the early-warning clocks: the high-risk households due a visit.

"Due a visit" is the clock rule EW-06 reads and the offline sync feed sends as ``visit_due``
(``projections.changes.VISIT_CLOCK``: a high-risk household receiving services, its clock
started at its last visit, active until the next): the rule's SQL raises an alert once the
clock has run ``days``; a field worker's list shows every active one, longest unvisited first.
"""

from __future__ import annotations

from typing import Any

from domain.access.policy import RowScope
from projections.changes import VISIT_CLOCK, visit_due_state
from projections.early_warning.clocks import NEVER
from projections.early_warning.view import CLOCKS
from projections.scoping import Db, Where, scoped


async def visits_due(db: Db, scope: RowScope, *, limit: int = 200) -> list[dict[str, Any]]:
    """High-risk households in scope due a visit, longest unvisited (or never visited) first:
    each with ``household_id``, ``ward_id``, ``since`` (its last visit; ``None``: never) and
    the clock's ``risk_level`` and ``last_visit_at``."""
    q = Where()
    scoped(q, scope)
    q.where("kind = {}", VISIT_CLOCK)
    q.terms.append("active")
    rows = await db.fetch(
        f"SELECT subject AS household_id, ward_id, since, active, facts::text AS facts "
        f"FROM {CLOCKS}{q.clause()} ORDER BY since, subject LIMIT {int(limit)}",
        *q.args,
    )
    return [
        {
            "household_id": r["household_id"],
            "ward_id": r["ward_id"],
            "since": None if r["since"] <= NEVER else r["since"],
            **visit_due_state(r["active"], r["facts"]),
        }
        for r in rows
    ]
