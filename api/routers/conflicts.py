"""Contested profile fields: list them (read model, scoped) and resolve one (an event)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, ReadPool
from api.schemas.common import WRITTEN
from api.schemas.conflicts import ConflictList, ConflictStatus, ResolveConflict
from api.schemas.views import PageCursor, encode_cursor
from projections.conflicts import queries

router = APIRouter(prefix="/conflicts", tags=["conflicts"])


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "conflict_id": str(row["conflict_id"]), "household_id": str(row["household_id"])}


@router.get("", response_model=ConflictList)
async def list_conflicts(
    db: ReadPool,
    principal: CurrentUser,
    status: Annotated[ConflictStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[PageCursor | None, Query()] = None,
) -> dict[str, Any]:
    rows, last = await queries.conflicts_page(db, principal, status, cursor, limit)
    return {
        "data": [_jsonable(r) for r in rows],
        "count": len(rows),
        "next_cursor": encode_cursor(last) if last else None,
    }


async def _household_of(conflict_id: UUID, db: ReadPool, principal: CurrentUser) -> UUID | None:
    """The household of a conflict the caller may see, from the view (None otherwise)."""
    return await queries.conflict_household(db, conflict_id, principal)


@router.post("/{conflict_id}/resolve", responses=WRITTEN)
def resolve_conflict(
    conflict_id: UUID,
    body: ResolveConflict,
    household_id: Annotated[UUID | None, Depends(_household_of)],
    cmd: Command,
) -> JSONResponse:
    # Not found is answered here, after the body is validated (a bad body is 422 anywhere).
    if household_id is None:
        raise HTTPException(status_code=404, detail=f"conflict {conflict_id} not found")
    app = cmd.application
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.resolve_conflict(household_id, str(conflict_id), body.value, ctx),
    )
