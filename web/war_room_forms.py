"""The war room's forms: establish a ward's room, seat and unseat members, record a meeting,
agree an action item and mark one done. Each runs the application command the API's war-room
routes run, as the signed-in user, then shows the room once the view has it
(``?min_position=``, as an API client reads its own writes); ``web.war_room`` shows the room."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Form
from starlette.responses import Response

from api.commands import checked_occurred_at
from api.deps import SukumaApp
from domain.context import CommandContext, Written
from domain.households.model import Household
from domain.vocabulary import SeatRole
from domain.warrooms.model import war_room_id
from web.actions import Act, Acting, Note, optional
from web.labels import N_
from web.session import Csrf
from web.war_room import HOUSEHOLDS_OFFERED

forms = APIRouter(include_in_schema=False, dependencies=[Csrf])

Name = Annotated[str, Form(min_length=1, max_length=200)]
Text = Annotated[str, Form(min_length=1, max_length=2000)]


def _then(
    act: Acting, command: Callable[[CommandContext], Written], room_id: UUID, notice: str
) -> Response:
    """Run ``command`` as the signed-in user, then show the room once its view has the write."""
    return act.then(command, f"/war-rooms/{room_id}", notice, fresh=True)


@forms.post("/war-rooms")
def establish(
    act: Act,
    app: SukumaApp,
    ward: Annotated[str, Form(max_length=32, pattern=r"^[A-Za-z0-9\-]+$")],
    name: Name,
) -> Response:
    """Establish a ward's war room (one per ward: its id follows from the ward)."""
    return _then(
        act,
        lambda ctx: app.establish_war_room(ward, name.strip(), 7, ctx),
        war_room_id(ward),
        N_("War room established."),
    )


@forms.post("/war-rooms/{room_id}/members")
def add_member(
    room_id: UUID,
    act: Act,
    app: SukumaApp,
    name: Name,
    seat: Annotated[SeatRole, Form()],
    department: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_\-]*$")] = "",
) -> Response:
    return _then(
        act,
        lambda ctx: app.add_war_room_member(
            room_id=room_id,
            member_id=uuid4(),
            name=name.strip(),
            seat=seat,
            department=department or None,
            ctx=ctx,
        ),
        room_id,
        N_("Member seated."),
    )


@forms.post("/war-rooms/{room_id}/members/{member_id}/remove")
def remove_member(
    room_id: UUID, member_id: UUID, act: Act, app: SukumaApp, reason: Note = ""
) -> Response:
    return _then(
        act,
        lambda ctx: app.remove_war_room_member(room_id, str(member_id), optional(reason), ctx),
        room_id,
        N_("Member unseated."),
    )


@forms.post("/war-rooms/{room_id}/meetings")
def record_meeting(
    room_id: UUID,
    act: Act,
    app: SukumaApp,
    attended: Annotated[list[UUID] | None, Form(max_length=200)] = None,
    discussed: Annotated[list[UUID] | None, Form(max_length=HOUSEHOLDS_OFFERED)] = None,
    held_on: Annotated[date | None, Form()] = None,
    notes: Note = "",
    meeting_id: Annotated[UUID | None, Form()] = None,
) -> Response:
    """Record a meeting, today's or an earlier one within the backdating window the API
    allows, with who attended (their departments are present) and the households discussed
    (each one the reader may read)."""
    held_at = _held_at(act, held_on)

    def hold(ctx: CommandContext) -> Written:
        for household_id in discussed or []:  # one the reader may not read: not found
            app.read(Household, household_id, act.principal)
        return app.hold_meeting(
            room_id=room_id,
            # The form's own id: the same form posted twice is one meeting.
            meeting_id=meeting_id or uuid4(),
            attendee_member_ids=[str(m) for m in attended or []],
            households_discussed=[str(h) for h in discussed or []],
            notes=optional(notes),
            ctx=replace(ctx, occurred_at=held_at),
        )

    return _then(act, hold, room_id, N_("Meeting recorded."))


def _held_at(act: Acting, held_on: date | None) -> datetime:
    """When the meeting was held: now, or noon of an earlier day (UTC) within
    ``SUKUMA_OCCURRED_AT_WINDOW_DAYS``, the window a command's ``occurred_at`` has."""
    now = act.clock()
    if held_on is None or held_on == now.date():
        return now
    window = timedelta(days=act.request.app.state.settings.occurred_at_window_days)
    return checked_occurred_at(datetime.combine(held_on, time(12), tzinfo=UTC), now, window)


@forms.post("/war-rooms/{room_id}/action-items")
def agree_action_item(
    room_id: UUID,
    act: Act,
    app: SukumaApp,
    text: Text,
    owner: Annotated[UUID | None, Form()] = None,
    due_on: Annotated[date | None, Form()] = None,
    meeting: Annotated[UUID | None, Form()] = None,
) -> Response:
    return _then(
        act,
        lambda ctx: app.agree_action_item(
            room_id=room_id,
            item_id=uuid4(),
            text=text.strip(),
            owner_member_id=None if owner is None else str(owner),
            due_on=due_on,
            meeting_id=None if meeting is None else str(meeting),
            ctx=ctx,
        ),
        room_id,
        N_("Action item agreed."),
    )


@forms.post("/war-rooms/{room_id}/action-items/{item_id}/done")
def complete_action_item(
    room_id: UUID, item_id: UUID, act: Act, app: SukumaApp, note: Note = ""
) -> Response:
    return _then(
        act,
        lambda ctx: app.complete_action_item(room_id, str(item_id), optional(note), ctx),
        room_id,
        N_("Action item done."),
    )
