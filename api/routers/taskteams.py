"""Task teams (LTT, DTT, PTT): establish, seat members, record meetings and action items as a
war room does; read them, and each team's queue of what is escalated to its level."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import Clock, Command, CurrentUser, ReadPool, ReferralRows
from api.freshness import freshness_of
from api.personal import ShapedRows
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
from api.schemas.warrooms import AgreeActionItem, CompleteActionItem, HoldMeeting, RemoveMember
from domain.access.policy import RowScope, row_scope
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


@router.post("/{team_id}/members", status_code=201, responses=CREATED)
def add_member(team_id: UUID, body: AddTeamMember, cmd: Command) -> JSONResponse:
    app = cmd.application
    member_id = body.member_id or uuid4()
    member = (member_id, body.name, body.seat, body.department)
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.add_task_team_member(team_id, member, c),
        status_code=201,
        extra={"member_id": str(member_id)},
    )


@router.post("/{team_id}/members/{member_id}/remove", responses=WRITTEN)
def remove_member(team_id: UUID, member_id: UUID, body: RemoveMember, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.remove_task_team_member(team_id, str(member_id), body.reason, c),
    )


@router.post("/{team_id}/members/{member_id}/user", responses=WRITTEN)
def link_user(team_id: UUID, member_id: UUID, body: LinkTeamUser, cmd: Command) -> JSONResponse:
    """Name the user who holds a seat: while seated, it runs the team's routine."""
    app = cmd.application
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.link_task_team_user(team_id, str(member_id), body.username, c),
    )


@router.post("/{team_id}/meetings", status_code=201, responses=CREATED)
def hold_meeting(team_id: UUID, body: HoldMeeting, cmd: Command) -> JSONResponse:
    """A meeting: who attended (seated members; departments through their seats), the
    households discussed, notes."""
    app = cmd.application
    meeting_id = body.meeting_id or uuid4()
    attendees = [str(m) for m in body.attendee_member_ids]
    meeting = (meeting_id, attendees, [str(h) for h in body.households_discussed], body.notes)
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.hold_task_team_meeting(team_id, meeting, c),
        status_code=201,
        extra={"meeting_id": str(meeting_id)},
    )


@router.post("/{team_id}/action-items", status_code=201, responses=CREATED)
def agree_action_item(team_id: UUID, body: AgreeActionItem, cmd: Command) -> JSONResponse:
    app = cmd.application
    item_id = body.item_id or uuid4()
    owner = None if body.owner_member_id is None else str(body.owner_member_id)
    meeting = None if body.meeting_id is None else str(body.meeting_id)
    item = (item_id, body.text, owner, body.due_on, meeting)
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.agree_task_team_action(team_id, item, c),
        status_code=201,
        extra={"item_id": str(item_id)},
    )


@router.post("/{team_id}/action-items/{item_id}/done", responses=WRITTEN)
def complete_action_item(
    team_id: UUID, item_id: UUID, body: CompleteActionItem, cmd: Command
) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        team_id,
        body.occurred_at,
        lambda c: app.complete_task_team_action(team_id, str(item_id), body.note, c),
    )
