"""The field-capture view's reads (asyncpg): the quarantine list, a household's attachments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.access.policy import RowScope
from projections.field_capture.view import ATTACHMENTS, QUARANTINE, QUARANTINE_PLACES
from projections.nerve_centre.tables import HOUSEHOLDS
from projections.scoping import Db, Where, scoped

#: Most households a phone's ``households.csv`` lists (the visit forms' choice list).
MANIFEST_HOUSEHOLDS = 5_000

QUARANTINE_COLUMNS = (
    "quarantine_id, position, version, instance_id, form_id, submitted_by, household_id, "
    "wards, field, reason, status, quarantined_at"
)


async def quarantine_page(
    db: Db, scope: RowScope, status: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Kept submissions of ``status`` in the caller's wards, in the order they were kept
    (keyset on the log position that kept them), and the position the next page starts after
    (None: the last page).

    Read from the place rows of the caller's area, each with its entry's position and status
    (an index range per area, in position order), then the page's entries by key: the rows
    read are the page's, however long the whole list (``test_quarantine_plan``). An entry
    kept for several wards of the area is one entry: one position, ``DISTINCT ON`` it."""
    q = Where()
    scoped(q, scope)
    q.where("status = {}", status)
    q.where("position > {}", after)
    columns = ", ".join(f"q.{c.strip()}" for c in QUARANTINE_COLUMNS.split(","))
    rows = await db.fetch(
        f"SELECT {columns} FROM (SELECT DISTINCT ON (position) quarantine_id, position "
        f"FROM {QUARANTINE_PLACES}{q.clause()} ORDER BY position LIMIT {q.arg(limit + 1)}) p "
        f"JOIN {QUARANTINE} q USING (quarantine_id) ORDER BY p.position",
        *q.args,
    )
    page = [dict(r) for r in rows[:limit]]
    return page, page[-1]["position"] if len(rows) > limit else None


async def household_attachments(db: Db, household_id: UUID) -> list[dict[str, Any]]:
    """The files stored for a household (its reader's rights are the caller's to check)."""
    rows = await db.fetch(
        f"SELECT attachments_id, instance_id, names, stored_at FROM {ATTACHMENTS} "
        "WHERE household_id = $1 ORDER BY position",
        household_id,
    )
    return [dict(r) for r in rows]


async def visit_choices(db: Db, scope: RowScope, limit: int) -> list[tuple[str, str]]:
    """(household id, ward) of the households in ``scope`` a visit form offers: the ``limit``
    most recently changed (the active ones), by ward and id."""
    q = Where()
    scoped(q, scope)
    rows = await db.fetch(
        f"SELECT household_id::text AS id, ward_id FROM (SELECT household_id, ward_id "
        f"FROM {HOUSEHOLDS}{q.clause()} ORDER BY position DESC LIMIT {q.arg(limit)}) h "
        "ORDER BY ward_id, household_id",
        *q.args,
    )
    return [(r["id"], r["ward_id"]) for r in rows]
