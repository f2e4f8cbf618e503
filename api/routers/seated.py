"""The routes every seated body has, written once: seat and unseat members, record meetings,
agree action items and mark them done (``/{id}/members``, ``/{id}/members/{member_id}/remove``,
``/{id}/meetings``, ``/{id}/action-items``, ``/{id}/action-items/{item_id}/done``).

``install`` adds them to a body's router (the war rooms', the task teams'), naming the id in
its paths as that router does (``room_id``, ``team_id``) and its member's request body (their
seats differ); each runs the application's command for that body's aggregate
(``domain.body_commands``). The functions keep their names, so the operations' ids are the
same as when each router wrote its own.
"""

# No ``from __future__ import annotations``: FastAPI reads these routes' annotations, which
# name the router's own types (its id's name, its member's body) held in this closure.

from datetime import datetime
from typing import Annotated, Protocol, cast
from uuid import UUID, uuid4

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from api.deps import Command
from api.schemas.common import CREATED, WRITTEN, CommandBody
from api.schemas.warrooms import AgreeActionItem, CompleteActionItem, HoldMeeting, RemoveMember
from domain.base import SukumaAggregate


class MemberBody(Protocol):
    """What a body's member request holds (``AddMember``, ``AddTeamMember``)."""

    member_id: UUID | None
    name: str
    seat: str
    department: str | None
    occurred_at: datetime | None


def install(
    router: APIRouter, cls: type[SukumaAggregate], id_name: str, member: type[CommandBody]
) -> None:
    """Add the seated-body routes for ``cls`` to ``router``; ``id_name`` names its path's id."""
    BodyId = Annotated[UUID, Path(alias=id_name)]  # noqa: N806 (a type, named as one)
    Member = member  # noqa: N806

    @router.post(f"/{{{id_name}}}/members", status_code=201, responses=CREATED)
    def add_member(body_id: BodyId, body: Member, cmd: Command) -> JSONResponse:  # type: ignore[valid-type]
        """Seat a member (a department's seat names its department)."""
        app, seated = cmd.application, cast(MemberBody, body)
        member_id = seated.member_id or uuid4()
        new = (member_id, seated.name, seated.seat, seated.department)
        return cmd.run(
            body_id,
            seated.occurred_at,
            lambda c: app.seat_member(cls, body_id, new, c),
            status_code=201,
            extra={"member_id": str(member_id)},
        )

    @router.post(f"/{{{id_name}}}/members/{{member_id}}/remove", responses=WRITTEN)
    def remove_member(
        body_id: BodyId, member_id: UUID, body: RemoveMember, cmd: Command
    ) -> JSONResponse:
        """Unseat a member (a department whose last member leaves no longer has a seat)."""
        app = cmd.application
        leaving = (str(member_id), body.reason)
        return cmd.run(
            body_id, body.occurred_at, lambda c: app.unseat_member(cls, body_id, leaving, c)
        )

    @router.post(f"/{{{id_name}}}/meetings", status_code=201, responses=CREATED)
    def hold_meeting(body_id: BodyId, body: HoldMeeting, cmd: Command) -> JSONResponse:
        """A meeting: who attended (seated members; departments through their seats), the
        households discussed, notes."""
        app = cmd.application
        meeting_id = body.meeting_id or uuid4()
        attendees = [str(m) for m in body.attendee_member_ids]
        meeting = (meeting_id, attendees, [str(h) for h in body.households_discussed], body.notes)
        return cmd.run(
            body_id,
            body.occurred_at,
            lambda c: app.record_meeting(cls, body_id, meeting, c),
            status_code=201,
            extra={"meeting_id": str(meeting_id)},
        )

    @router.post(f"/{{{id_name}}}/action-items", status_code=201, responses=CREATED)
    def agree_action_item(body_id: BodyId, body: AgreeActionItem, cmd: Command) -> JSONResponse:
        """An action item: its text, owner (a seated member), date and the meeting it was
        agreed at."""
        app = cmd.application
        item_id = body.item_id or uuid4()
        owner = None if body.owner_member_id is None else str(body.owner_member_id)
        meeting = None if body.meeting_id is None else str(body.meeting_id)
        item = (item_id, body.text, owner, body.due_on, meeting)
        return cmd.run(
            body_id,
            body.occurred_at,
            lambda c: app.agree_item(cls, body_id, item, c),
            status_code=201,
            extra={"item_id": str(item_id)},
        )

    @router.post(f"/{{{id_name}}}/action-items/{{item_id}}/done", responses=WRITTEN)
    def complete_action_item(
        body_id: BodyId, item_id: UUID, body: CompleteActionItem, cmd: Command
    ) -> JSONResponse:
        app = cmd.application
        done = (str(item_id), body.note)
        return cmd.run(
            body_id, body.occurred_at, lambda c: app.complete_item(cls, body_id, done, c)
        )
