"""Results and Delivery: a task team's priorities and targets, their trajectories, and the
ratings agreed (writes through the application; reads from the delivery view)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from api.deps import Clock, Command, CurrentUser, ReadPool
from api.freshness import freshness_of
from api.schemas.common import CREATED, WRITTEN
from api.schemas.delivery import (
    AddChainLink,
    AreaCode,
    DefinePriority,
    PriorityList,
    PriorityRead,
    RateTarget,
    RemoveChainLink,
    ReviseTrajectory,
    SetTarget,
    TargetRead,
    TeamKind,
    WriteNote,
)
from api.schemas.views import FreshnessRead, PageCursor, encode_cursor
from domain.access.policy import RowScope, row_scope
from domain.delivery.rating import RatingThresholds
from domain.delivery.trajectory import month_of
from domain.errors import NotFoundError
from projections.delivery import queries
from projections.delivery.view import TRACKING
from scheduler.rules.config import load_rules_file

router = APIRouter(tags=["results and delivery"])

Fresh = Annotated[FreshnessRead, Depends(freshness_of(TRACKING))]


async def priority_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "priority")


async def target_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "target")


PriorityRows = Annotated[RowScope, Depends(priority_rows)]
TargetRows = Annotated[RowScope, Depends(target_rows)]


@cache
def _thresholds(path: Path | None) -> RatingThresholds:
    return load_rules_file(path).rating.thresholds


async def rating_thresholds(request: Request) -> RatingThresholds:
    """The rules file's ``[rating]``: how far behind trajectory each suggested rating is."""
    return _thresholds(getattr(request.app.state.settings, "rules_file", None))


Thresholds = Annotated[RatingThresholds, Depends(rating_thresholds)]


@router.post("/priorities", status_code=201, responses=CREATED)
def define_priority(body: DefinePriority, cmd: Command) -> JSONResponse:
    """A task team's priority (by analysts of the team's area, or its seated users)."""
    app = cmd.application
    priority_id = body.priority_id or uuid4()
    return cmd.run(
        priority_id,
        body.occurred_at,
        lambda c: app.define_priority(
            priority_id=priority_id,
            title=body.title,
            description=body.description,
            team=body.team,
            team_code=body.team_code,
            ctx=c,
        ),
        status_code=201,
        location=f"/v1/priorities/{priority_id}",
    )


@router.get("/priorities")
async def list_priorities(
    pool: ReadPool,
    fresh: Fresh,
    scope: PriorityRows,
    team: Annotated[TeamKind | None, Query()] = None,
    team_code: Annotated[AreaCode | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 50,
    cursor: Annotated[
        PageCursor | None, Query(description="next_cursor of the previous page")
    ] = None,
) -> PriorityList:
    """The priorities the caller sees (of one kind of team, or one team), in id order."""
    rows, last = await queries.priorities_page(pool, scope, (team, team_code), cursor, limit)
    return PriorityList.model_validate(
        {"data": rows, "next_cursor": encode_cursor(last) if last else None, "freshness": fresh}
    )


@router.get("/priorities/{priority_id}")
async def get_priority(
    priority_id: UUID, pool: ReadPool, scope: PriorityRows, response: Response
) -> PriorityRead:
    """A priority with its targets (their trajectories, revisions and ratings)."""
    row = await queries.priority(pool, priority_id, scope)
    if row is None:
        raise NotFoundError("priority", priority_id)
    response.headers["ETag"] = f'"{row["version"]}"'
    return PriorityRead.model_validate(row)


@router.post("/priorities/{priority_id}/targets", status_code=201, responses=CREATED)
def set_target(priority_id: UUID, body: SetTarget, cmd: Command) -> JSONResponse:
    """A target of the priority: an indicator for an area inside the team's, its baseline,
    value and date, and its trajectory (a straight line unless ``points`` are given)."""
    app = cmd.application
    target_id = body.target_id or uuid4()
    points = None if body.points is None else [p.model_dump() for p in body.points]
    return cmd.run(
        target_id,
        body.occurred_at,
        lambda c: app.set_target(
            target_id=target_id,
            priority_id=priority_id,
            indicator=body.indicator,
            area=(body.level, body.code),
            baseline=(body.baseline_value, body.baseline_on),
            target=(body.target_value, body.due_on),
            points=points,
            ctx=c,
        ),
        status_code=201,
        location=f"/v1/targets/{target_id}",
    )


@router.get("/targets/{target_id}")
async def get_target(
    target_id: UUID,
    pool: ReadPool,
    fresh: Fresh,
    scope: TargetRows,
    clock: Clock,
    thresholds: Thresholds,
    response: Response,
    as_of: Annotated[date | None, Query(description="Figures up to this day (today)")] = None,
) -> TargetRead:
    """A target with its trajectory (and every revision), and for each month so far the
    planned and actual value, the gap, the rating it suggests and the rating recorded."""
    row = await queries.target(pool, target_id, scope)
    if row is None:
        raise NotFoundError("target", target_id)
    day = as_of or clock().date()
    months = queries.picture(row, await queries.actuals(pool, target_id, day), day, thresholds)
    response.headers["ETag"] = f'"{row["version"]}"'
    return TargetRead.model_validate({**row, "as_of": day, "months": months, "freshness": fresh})


@router.post("/targets/{target_id}/trajectory", responses=WRITTEN)
def revise_trajectory(target_id: UUID, body: ReviseTrajectory, cmd: Command) -> JSONResponse:
    """A new trajectory, with the reason; the earlier ones stay in the record."""
    app = cmd.application
    points = [p.model_dump() for p in body.points]
    return cmd.run(
        target_id,
        body.occurred_at,
        lambda c: app.revise_trajectory(target_id, points, body.reason, c),
    )


async def suggested_rating(
    target_id: UUID,
    body: RateTarget,
    pool: ReadPool,
    scope: TargetRows,
    thresholds: Thresholds,
    clock: Clock,
) -> int | None:
    """The rating the month's gap suggests; None for a target out of sight (the command
    answers 404)."""
    row = await queries.target(pool, target_id, scope)
    if row is None:
        return None
    return await queries.suggested_rating(pool, row, body.month, clock().date(), thresholds)


@router.post("/priorities/{priority_id}/notes", responses=WRITTEN)
def write_note(priority_id: UUID, body: WriteNote, cmd: Command) -> JSONResponse:
    """The month's delivery note on a priority (the routine between stocktakes)."""
    app = cmd.application
    return cmd.run(
        priority_id,
        body.occurred_at,
        lambda c: app.write_priority_note(priority_id, body.month, body.text, c),
    )


@router.post("/targets/{target_id}/ratings", responses=WRITTEN)
def rate_target(
    target_id: UUID,
    body: RateTarget,
    cmd: Command,
    proposed: Annotated[int | None, Depends(suggested_rating)],
) -> JSONResponse:
    """Record the likelihood of delivery judged for a month (1 red .. 4 green), the
    problem-solving level and the reason; the rating the gap suggested is recorded beside it."""
    app = cmd.application
    return cmd.run(
        target_id,
        body.occurred_at,
        lambda c: app.rate_target(
            target_id=target_id,
            month=month_of(body.month),
            rating=body.rating,
            problem_level=body.problem_level,
            reason=body.reason,
            proposed_rating=proposed,
            ctx=c,
        ),
    )


@router.post("/targets/{target_id}/chain", status_code=201, responses=CREATED)
def add_chain_link(target_id: UUID, body: AddChainLink, cmd: Command) -> JSONResponse:
    """A link of the target's delivery chain: who must act (a department, district office,
    war room ...), its named owner, and the indicator that shows whether it works."""
    app = cmd.application
    link_id = body.link_id or uuid4()
    link = {"link_id": str(link_id), "role": body.role, "body": body.body}
    link |= {"owner": body.owner, "indicator": body.indicator}
    return cmd.run(
        target_id,
        body.occurred_at,
        lambda c: app.add_chain_link(target_id, link, c),
        status_code=201,
        extra={"link_id": str(link_id)},
    )


@router.post("/targets/{target_id}/chain/{link_id}/remove", responses=WRITTEN)
def remove_chain_link(
    target_id: UUID, link_id: UUID, body: RemoveChainLink, cmd: Command
) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        target_id,
        body.occurred_at,
        lambda c: app.remove_chain_link(target_id, str(link_id), body.reason, c),
    )
