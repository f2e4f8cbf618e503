"""War-room endpoints: establish, seat members, record meetings and action items."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, SukumaApp
from api.history import history_of
from api.schemas.common import CREATED, WRITTEN, AsOf, HistoryRead
from api.schemas.warrooms import (
    AddMember,
    AgreeActionItem,
    CompleteActionItem,
    EstablishWarRoom,
    HoldMeeting,
    RemoveMember,
    WarRoomRead,
)
from domain.warrooms.model import WarRoom, war_room_id

router = APIRouter(prefix="/war-rooms", tags=["war rooms"])


@router.post("", status_code=201, responses=CREATED)
def establish(body: EstablishWarRoom, cmd: Command) -> JSONResponse:
    app = cmd.application
    room_id = war_room_id(body.ward_id)
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.establish_war_room(body.ward_id, body.name, body.meeting_cadence_days, c),
        status_code=201,
        location=f"/v1/war-rooms/{room_id}",
    )


@router.get("/{room_id}")
def get_war_room(
    room_id: UUID, app: SukumaApp, response: Response, user: CurrentUser
) -> WarRoomRead:
    room = app.read(WarRoom, room_id, user)
    response.headers["ETag"] = f'"{room.version}"'
    return WarRoomRead.of(room)


@router.get("/{room_id}/history")
def war_room_history(
    room_id: UUID, app: SukumaApp, user: CurrentUser, as_of: AsOf = None
) -> HistoryRead:
    return history_of(app, WarRoom, room_id, as_of, WarRoomRead.of, user)


@router.post("/{room_id}/members", status_code=201, responses=CREATED)
def add_member(room_id: UUID, body: AddMember, cmd: Command) -> JSONResponse:
    app = cmd.application
    member_id = body.member_id or uuid4()
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.add_war_room_member(
            room_id=room_id,
            member_id=member_id,
            name=body.name,
            seat=body.seat,
            department=body.department,
            ctx=c,
        ),
        status_code=201,
        extra={"member_id": str(member_id)},
    )


@router.post("/{room_id}/members/{member_id}/remove", responses=WRITTEN)
def remove_member(room_id: UUID, member_id: UUID, body: RemoveMember, cmd: Command) -> JSONResponse:
    """Unseat a member (a department whose last member leaves no longer has a seat)."""
    app = cmd.application
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.remove_war_room_member(room_id, str(member_id), body.reason, c),
    )


@router.post("/{room_id}/meetings", status_code=201, responses=CREATED)
def hold_meeting(room_id: UUID, body: HoldMeeting, cmd: Command) -> JSONResponse:
    app = cmd.application
    meeting_id = body.meeting_id or uuid4()
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.hold_meeting(
            room_id=room_id,
            meeting_id=meeting_id,
            attendee_member_ids=[str(m) for m in body.attendee_member_ids],
            households_discussed=[str(h) for h in body.households_discussed],
            notes=body.notes,
            ctx=c,
        ),
        status_code=201,
        extra={"meeting_id": str(meeting_id)},
    )


@router.post("/{room_id}/action-items", status_code=201, responses=CREATED)
def agree_action_item(room_id: UUID, body: AgreeActionItem, cmd: Command) -> JSONResponse:
    app = cmd.application
    item_id = body.item_id or uuid4()
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.agree_action_item(
            room_id=room_id,
            item_id=item_id,
            text=body.text,
            owner_member_id=None if body.owner_member_id is None else str(body.owner_member_id),
            due_on=body.due_on,
            meeting_id=None if body.meeting_id is None else str(body.meeting_id),
            ctx=c,
        ),
        status_code=201,
        extra={"item_id": str(item_id)},
    )


@router.post("/{room_id}/action-items/{item_id}/done", responses=WRITTEN)
def complete_action_item(
    room_id: UUID, item_id: UUID, body: CompleteActionItem, cmd: Command
) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.complete_action_item(room_id, str(item_id), body.note, c),
    )
