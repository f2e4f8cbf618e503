"""Caseloads: assign a household to a field worker (an event), read a field worker's caseload,
its visits due and a ward's households awaiting assignment (the caseloads view, scoped)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.deps import Clock, Command, CurrentUser, ReadPool
from api.freshness import freshness_of
from api.schemas.caseloads import AssignHousehold, CaseloadRead, UnassignedRead, VisitsDueRead
from api.schemas.common import WRITTEN
from api.schemas.views import FreshnessRead, PageCursor, WardCode, encode_cursor
from domain.access.policy import Location, authorize
from domain.errors import NotFoundError
from domain.rules.visits import VISIT_RULE_VERSION
from domain.vocabulary import RiskLevel
from projections.caseloads import queries
from projections.caseloads.view import TRACKING

router = APIRouter(tags=["caseloads"])

#: How fresh the caseloads view is (``?min_position=`` waits for a write's position).
Fresh = Annotated[FreshnessRead, Depends(freshness_of(TRACKING))]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[PageCursor | None, Query(description="next_cursor of the previous page")]


@router.post("/households/{household_id}/assign", responses=WRITTEN, tags=["households"])
def assign_household(household_id: UUID, body: AssignHousehold, cmd: Command) -> JSONResponse:
    """A convener of the household's ward puts it in a field worker's caseload."""
    app = cmd.application
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.assign_household(household_id, str(body.field_worker_id), ctx),
    )


async def visible_worker(worker_id: UUID, pool: ReadPool, user: CurrentUser) -> str:
    """The field worker, if the caller may see it (its wards, as for ``GET /field-workers/{id}``);
    404 otherwise, as for any object out of scope."""
    worker = str(worker_id)
    wards = await queries.field_worker_wards(pool, worker)
    if wards is None:
        raise NotFoundError("fieldworker", worker_id)
    authorize(user, "fieldworker.read", Location(frozenset(wards)), ("fieldworker", worker_id))
    return worker


Worker = Annotated[str, Depends(visible_worker)]


@router.get("/field-workers/{worker_id}/caseload", tags=["field workers"])
async def field_worker_caseload(
    worker: Worker,
    pool: ReadPool,
    fresh: Fresh,
    user: CurrentUser,
    risk_level: Annotated[RiskLevel | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CaseloadRead:
    """The field worker's households the caller may see (counts by risk and status over all
    of them, the list a page at a time)."""
    counts = await queries.caseload_counts(pool, user, worker)
    level = None if risk_level is None else str(risk_level)
    rows, last = await queries.caseload_page(pool, user, worker, level, cursor, limit)
    return CaseloadRead.model_validate(
        {
            "field_worker_id": worker,
            "counts": counts,
            "data": rows,
            "next_cursor": encode_cursor(last) if last else None,
            "freshness": fresh,
        }
    )


@router.get("/field-workers/{worker_id}/visits-due", tags=["field workers"])
async def field_worker_visits_due(
    worker: Worker,
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    user: CurrentUser,
    within_days: Annotated[int, Query(ge=0, le=90, description="Due by today + this")] = 0,
    limit: Limit = 100,
) -> VisitsDueRead:
    """The caseload's households whose next visit is due (most overdue first)."""
    now = clock()
    rows = await queries.visits_due(pool, user, worker, now + timedelta(days=within_days), limit)
    return VisitsDueRead.model_validate(
        {
            "field_worker_id": worker,
            "as_of": now,
            "rule_version": VISIT_RULE_VERSION,
            "data": rows,
            "freshness": fresh,
        }
    )


@router.get("/caseloads/unassigned", tags=["households"])
async def unassigned_households(
    ward: Annotated[WardCode, Query()],
    pool: ReadPool,
    fresh: Fresh,
    user: CurrentUser,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> UnassignedRead:
    """A ward's households in no field worker's caseload (moved in, or registered by none)."""
    rows, last = await queries.unassigned_page(pool, user, ward, cursor, limit)
    return UnassignedRead.model_validate(
        {
            "ward_id": ward,
            "data": rows,
            "next_cursor": encode_cursor(last) if last else None,
            "freshness": fresh,
        }
    )
