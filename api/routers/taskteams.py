"""Task teams (LTT, DTT, PTT): establish, seat members, record meetings and action items as a
war room does; read them, and each team's queue of what is escalated to its level."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import Clock, Command, CurrentUser, ReadPool, ReferralRows
from api.freshness import freshness_of
from api.personal import ShapedRows
from api.routers import seated
from api.schemas.common import CREATED, WRITTEN
from api.schemas.delivery import (
    AddTeamMember,
    EstablishTaskTeam,
    LinkTeamUser,
    TaskTeamList,
    TaskTeamQueue,
    TaskTeamRead,
    TeamKind,
)
from api.schemas.views import FreshnessRead
from domain.access.policy import RowScope, row_scope
from domain.delivery.taskteam import TaskTeam
from domain.delivery.teams import TEAM_LEVEL, task_team_id
from domain.errors import NotFoundError
from projections.delivery import queries
from projections.delivery.view import TRACKING

router = APIRouter(prefix="/task-teams", tags=["results and delivery"])

Fresh = Annotated[FreshnessRead, Depends(freshness_of(TRACKING))]


async def team_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "taskteam")


TeamRows = Annotated[RowScope, Depends(team_rows)]


def _read(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "level": TEAM_LEVEL[row["kind"]]}


@router.post("", status_code=201, responses=CREATED)
def establish(body: EstablishTaskTeam, cmd: Command) -> JSONResponse:
    """An area's task team (its id follows from its kind and area: one of each)."""
    app = cmd.application
    team_id = task_team_id(body.kind, body.code)
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.establish_task_team(body.kind, body.code, body.name, c),
        status_code=201,
        location=f"/v1/task-teams/{team_id}",
    )


@router.get("")
async def list_task_teams(
    pool: ReadPool, fresh: Fresh, scope: TeamRows, kind: Annotated[TeamKind | None, Query()] = None
) -> TaskTeamList:
    """The task teams the caller sees (of one kind), with members, meetings, action items."""
    rows = await queries.teams(pool, scope, kind)
    return TaskTeamList.model_validate({"data": [_read(r) for r in rows], "freshness": fresh})


@router.get("/{team_id}")
async def get_task_team(
    team_id: UUID, pool: ReadPool, scope: TeamRows, response: Response
) -> TaskTeamRead:
    row = await queries.team(pool, team_id, scope)
    if row is None:
        raise NotFoundError("task team", team_id)
    response.headers["ETag"] = f'"{row["version"]}"'
    return TaskTeamRead.model_validate(_read(row))


@router.get("/{team_id}/queue")
async def task_team_queue(
    team_id: UUID,
    pool: ReadPool,
    scope: TeamRows,
    principal: CurrentUser,
    referral_scope: ReferralRows,
    shaped: ShapedRows,
    clock: Clock,
    limit: Annotated[int, Query(ge=1, le=500, description="Of each list")] = 100,
) -> TaskTeamQueue:
    """Open alerts at the team's ladder level and open referrals escalated to it, in its area
    (only those the caller may see, shaped as the alerts and referrals lists shape them)."""
    row = await queries.team(pool, team_id, scope)
    if row is None:
        raise NotFoundError("task team", team_id)
    alerts, referrals = await queries.queue(
        pool, row, principal, referral_scope, clock().date(), limit
    )
    endpoint = "GET /v1/task-teams/{team_id}/queue"
    return TaskTeamQueue(
        team_id=team_id,
        level=TEAM_LEVEL[row["kind"]],
        alerts=jsonable_encoder(await shaped.page(alerts, endpoint)),
        referrals=jsonable_encoder(await shaped.page(referrals, endpoint)),
    )


# Seats, meetings and action items: the routes every seated body has (``api.routers.seated``).
seated.install(router, TaskTeam, "team_id", AddTeamMember)


@router.post("/{team_id}/members/{member_id}/user", responses=WRITTEN)
def link_user(team_id: UUID, member_id: UUID, body: LinkTeamUser, cmd: Command) -> JSONResponse:
    """Name the user who holds a seat: while seated, it runs the team's routine."""
    app = cmd.application
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.link_task_team_user(team_id, str(member_id), body.username, c),
    )
