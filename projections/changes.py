"""The changes feed of offline sync: households, referrals and visits due since a log position,
and the households and referrals that left the caller's sight (``removed``: moved to another
ward, reassigned to another department, erased, or the caller lost the role or scope it saw
them by), so a phone drops its offline copy.

Each row read here carries the log position of its last change, and each projection writes
its rows with its tracking position in one transaction, in log order: once a projection has
tracked position p, none of its rows changes at or below p later. Rows come from three
projections (the nerve centre's households and referrals, the early-warning clocks of
high-risk households not visited, field capture's departures), so the feed stops at the
lowest of their positions:
"rows past since, up to that bound, in position order" then misses nothing, and the last
position of a page is where the next one starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson

from domain.access.policy import RowScope
from domain.sukuma import Sukuma
from projections.early_warning.view import CLOCKS
from projections.early_warning.view import TRACKING as EARLY_WARNING_TRACKING
from projections.field_capture.view import ACCESS_LOSSES, DEPARTURES
from projections.field_capture.view import TRACKING as FIELD_CAPTURE_TRACKING
from projections.nerve_centre.tables import HOUSEHOLDS, REFERRALS
from projections.nerve_centre.tables import TRACKING as NERVE_CENTRE_TRACKING
from projections.scoping import Db, Where, scoped

#: The early-warning clock of a high-risk household not visited (rule EW-06).
VISIT_CLOCK = "high_risk_unvisited"


@dataclass(frozen=True)
class Changed:
    kind: str  # "household", "referral", "visit_due" (its id is the household's), "removed"
    id: str
    position: int
    data: dict[str, Any] = field(default_factory=dict)  # a visit due's state; what was removed


async def _bound(db: Db) -> int:
    """The lowest of the projections' tracked positions (0 before any has run)."""
    positions = ",".join(
        f"(SELECT max(notification_id) FROM {t} WHERE application_name = $1)"
        for t in (NERVE_CENTRE_TRACKING, EARLY_WARNING_TRACKING, FIELD_CAPTURE_TRACKING)
    )
    value = await db.fetchval(f"SELECT least({positions})", Sukuma.name)
    return int(value or 0)


def visit_due_state(active: bool, facts: str) -> dict[str, Any]:
    """A visit due's state: ``active`` while the household is high-risk and not visited."""
    values: dict[str, Any] = orjson.loads(facts)
    return {
        "active": active,
        "risk_level": values.get("risk_level"),
        "last_visit_at": values.get("last_visit_at"),
    }


@dataclass(frozen=True)
class _Source:
    """Where one kind of change is read: its table, columns, whose scope, and its data."""

    kind: str
    table: str
    columns: str  # the id (as text), and what ``data`` reads
    of: str  # "household" or "referral": the scope its rows are read in
    kind_column: str | None = None  # the value of the table's ``kind`` column to read
    data: Callable[[Any], dict[str, Any]] = lambda _: {}


def _removed(of: str) -> Callable[[Any], dict[str, Any]]:
    """A departure's data: what the phone drops, and why."""
    return lambda r: {"of": of, "reason": r["reason"]}


_SOURCES = (
    _Source("household", HOUSEHOLDS, "household_id::text AS id", "household"),
    _Source("referral", REFERRALS, "referral_id::text AS id", "referral"),
    _Source(
        "visit_due",
        CLOCKS,
        "subject AS id, active, facts::text AS facts",
        "household",
        VISIT_CLOCK,
        lambda r: visit_due_state(r["active"], r["facts"]),
    ),
    *(
        _Source("removed", DEPARTURES, "id::text AS id, reason", of, of, _removed(of))
        for of in ("household", "referral")
    ),
)


async def _changed(
    db: Db, source: _Source, scope: RowScope, since: int, bound: int, limit: int
) -> list[Changed]:
    q = Where()
    scoped(q, scope)
    q.where("kind = {}", source.kind_column)
    q.where("position > {}", since)
    q.where("position <= {}", bound)
    rows = await db.fetch(
        f"SELECT {source.columns}, position FROM {source.table}{q.clause()} "
        f"ORDER BY position LIMIT {int(limit) + 1}",
        *q.args,
    )
    return [Changed(source.kind, r["id"], r["position"], source.data(r)) for r in rows]


@dataclass(frozen=True)
class AccessLoss:
    """A role or scope the caller lost at ``position``, and what it saw just before."""

    position: int
    households: RowScope
    referrals: RowScope


async def access_losses(db: Db, user_id: str, since: int) -> list[tuple[int, int]]:
    """Each role or scope the user lost after ``since``: its position and the user's version
    just before it (none for a user of an identity provider: its roles are not events)."""
    try:
        user = UUID(user_id)
    except ValueError:
        return []
    rows = await db.fetch(
        f"SELECT position, version FROM {ACCESS_LOSSES} WHERE user_id = $1 AND position > $2 "
        "ORDER BY position",
        user,
        since,
    )
    return [(r["position"], r["version"]) for r in rows]


async def _lost(
    db: Db, loss: AccessLoss, households: RowScope, referrals: RowScope
) -> list[Changed]:
    """What the caller saw before the loss and sees no more, all at the loss's position (one
    position: a page holds it whole): the rows where they are now, and those that left a
    place it saw after the loss (their departure is scoped to a place it no longer sees)."""
    ids: dict[tuple[str, str], None] = {}
    for of, table, key, then, now in (
        ("household", HOUSEHOLDS, "household_id", loss.households, households),
        ("referral", REFERRALS, "referral_id", loss.referrals, referrals),
    ):
        q = Where()
        scoped(q, then)
        scoped(q, now)
        q.terms[-1] = f"NOT coalesce({q.terms[-1]}, false)"
        rows = await db.fetch(f"SELECT {key}::text AS id FROM {table}{q.clause()}", *q.args)
        q.where("kind = {}", of)
        q.where("position > {}", loss.position)
        rows += await db.fetch(f"SELECT id::text AS id FROM {DEPARTURES}{q.clause()}", *q.args)
        ids |= dict.fromkeys((of, r["id"]) for r in rows)
    return [
        Changed("removed", id_, loss.position, {"of": of, "reason": "access"}) for of, id_ in ids
    ]


async def changes_page(
    db: Db,
    households: RowScope,
    referrals: RowScope,
    since: int,
    limit: int,
    losses: Sequence[AccessLoss] = (),
) -> tuple[list[Changed], int, bool]:
    """Up to ``limit`` rows changed after ``since`` in position order (each in the caller's
    scope of its kind), the position the next page starts after, and whether one is ready;
    ``losses``: the caller's lost access after ``since`` (what it saw then is removed)."""
    bound = await _bound(db)
    rows: list[Changed] = []
    for source in _SOURCES:
        scope = referrals if source.of == "referral" else households
        rows += await _changed(db, source, scope, since, bound, limit)
    for loss in losses:
        if 0 < since < loss.position <= bound:  # at 0 the phone holds nothing yet
            rows += await _lost(db, loss, households, referrals)
    rows.sort(key=lambda r: (r.position, r.kind, r.id))
    if len(rows) <= limit:
        return rows, max(since, bound), False
    # Stop before the first row left out, and never between two rows of one position (a
    # page that resumes after a position must have taken all of its rows).
    cut = rows[limit].position
    page = [r for r in rows[:limit] if r.position < cut] or [r for r in rows if r.position == cut]
    return page, page[-1].position, True
