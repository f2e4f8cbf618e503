"""The changes feed of offline sync: households, referrals and visits due since a log position.

Each row read here carries the log position of its last change, and each projection writes
its rows with its tracking position in one transaction, in log order: once a projection has
tracked position p, none of its rows changes at or below p later. Rows come from two
projections (the nerve centre's households and referrals, the early-warning clocks of
high-risk households not visited), so the feed stops at the lower of their two positions:
"rows past since, up to that bound, in position order" then misses nothing, and the last
position of a page is where the next one starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from domain.access.policy import RowScope
from domain.sukuma import Sukuma
from projections.early_warning.view import CLOCKS
from projections.early_warning.view import TRACKING as EARLY_WARNING_TRACKING
from projections.nerve_centre.tables import HOUSEHOLDS, REFERRALS
from projections.nerve_centre.tables import TRACKING as NERVE_CENTRE_TRACKING
from projections.scoping import Db, Where, scoped

#: The early-warning clock of a high-risk household not visited (rule EW-06).
VISIT_CLOCK = "high_risk_unvisited"

_SOURCES = (
    # kind, table, id column, extra columns, the clock kind (clocks only)
    ("household", HOUSEHOLDS, "household_id::text", "", None),
    ("referral", REFERRALS, "referral_id::text", "", None),
    ("visit_due", CLOCKS, "subject", ", active, facts::text AS facts", VISIT_CLOCK),
)


@dataclass(frozen=True)
class Changed:
    kind: str  # "household", "referral" or "visit_due" (its id is the household's)
    id: str
    position: int
    data: dict[str, Any] = field(default_factory=dict)  # a visit due's state


async def _bound(db: Db) -> int:
    """The lower of the two projections' tracked positions (0 before either has run)."""
    value = await db.fetchval(
        f"SELECT least("
        f"(SELECT max(notification_id) FROM {NERVE_CENTRE_TRACKING} WHERE application_name = $1),"
        f"(SELECT max(notification_id) FROM {EARLY_WARNING_TRACKING} WHERE application_name = $1))",
        Sukuma.name,
    )
    return int(value or 0)


def visit_due_state(active: bool, facts: str) -> dict[str, Any]:
    """A visit due's state: ``active`` while the household is high-risk and not visited."""
    values: dict[str, Any] = orjson.loads(facts)
    return {
        "active": active,
        "risk_level": values.get("risk_level"),
        "last_visit_at": values.get("last_visit_at"),
    }


async def _changed(
    db: Db,
    source: tuple[str, str, str, str, str | None],
    scope: RowScope,
    since: int,
    bound: int,
    limit: int,
) -> list[Changed]:
    kind, table, key, extra, clock = source
    q = Where()
    scoped(q, scope)
    q.where("kind = {}", clock)
    q.where("position > {}", since)
    q.where("position <= {}", bound)
    rows = await db.fetch(
        f"SELECT {key} AS id, position{extra} FROM {table}{q.clause()} "
        f"ORDER BY position LIMIT {int(limit) + 1}",
        *q.args,
    )
    return [
        Changed(
            kind, r["id"], r["position"], visit_due_state(r["active"], r["facts"]) if clock else {}
        )
        for r in rows
    ]


async def changes_page(
    db: Db, households: RowScope, referrals: RowScope, since: int, limit: int
) -> tuple[list[Changed], int, bool]:
    """Up to ``limit`` rows changed after ``since`` in position order (each in the caller's
    scope of its kind), the position the next page starts after, and whether one is ready."""
    bound = await _bound(db)
    rows: list[Changed] = []
    for source in _SOURCES:
        scope = referrals if source[0] == "referral" else households
        rows += await _changed(db, source, scope, since, bound, limit)
    rows.sort(key=lambda r: (r.position, r.kind, r.id))
    if len(rows) <= limit:
        return rows, max(since, bound), False
    # Stop before the first row left out, and never between two rows of one position (a
    # page that resumes after a position must have taken all of its rows).
    cut = rows[limit].position
    page = [r for r in rows[:limit] if r.position < cut] or [r for r in rows if r.position == cut]
    return page, page[-1].position, True
