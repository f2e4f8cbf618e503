"""The field-capture view's reads (asyncpg): the quarantine list, a household's attachments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.access.policy import RowScope
from projections.field_capture.view import ATTACHMENTS, QUARANTINE, QUARANTINE_PLACES
from projections.scoping import Db, Where, scoped

QUARANTINE_COLUMNS = (
    "quarantine_id, position, version, instance_id, form_id, submitted_by, household_id, "
    "wards, field, reason, status, quarantined_at"
)


async def quarantine_page(
    db: Db, scope: RowScope, status: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Kept submissions of ``status`` in the caller's wards, in the order they were kept
    (keyset on the log position that kept them), and the position the next page starts after
    (None: the last page)."""
    places = Where()
    scoped(places, scope)
    q = Where()
    q.args = places.args  # one numbering for the place's terms and the entry's
    q.where("status = {}", status)
    q.where("position > {}", after)
    q.terms.append(
        f"EXISTS (SELECT 1 FROM {QUARANTINE_PLACES} p WHERE p.quarantine_id = "
        f"{QUARANTINE}.quarantine_id AND {' AND '.join(places.terms)})"
    )
    rows = await db.fetch(
        f"SELECT {QUARANTINE_COLUMNS} FROM {QUARANTINE}{q.clause()} ORDER BY position "
        f"LIMIT {q.arg(limit + 1)}",
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
