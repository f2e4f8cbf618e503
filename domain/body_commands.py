"""The commands of a seated body (a war room, a task team), once for both: each takes the
body's aggregate class, a ``SeatedBody`` (``domain.bodies``). The API's seated-body routes
(``api.routers.seated``) call them with the router's class; each context's application keeps
its named commands (``add_war_room_member``, ``hold_task_team_meeting``, ...) over them."""

from __future__ import annotations

from datetime import date
from typing import TypeVar, cast
from uuid import UUID

from domain.application import ApplicationBase
from domain.base import SukumaAggregate
from domain.bodies import SeatedBody
from domain.context import CommandContext, Written

B = TypeVar("B", bound=SukumaAggregate)


def _seated(body: SukumaAggregate) -> SeatedBody:
    return cast(SeatedBody, body)  # the classes passed below are SeatedBody aggregates


class BodyCommands(ApplicationBase):
    def seat_member(
        self,
        cls: type[B],
        body_id: UUID,
        member: tuple[UUID, str, str, str | None],
        ctx: CommandContext,
    ) -> Written:
        """Seat ``member`` (id, name, seat, department) in the body."""
        member_id, name, seat, department = member
        if department is not None:
            self._check_department(department)
        return self._change(
            cls,
            body_id,
            ctx,
            lambda body: _seated(body).join(
                member_id=str(member_id),
                name=name,
                seat=seat,
                department=department,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="member",
        )

    def unseat_member(
        self, cls: type[B], body_id: UUID, member: tuple[str, str | None], ctx: CommandContext
    ) -> Written:
        """Unseat a member (id, reason)."""
        member_id, reason = member
        return self._change(
            cls,
            body_id,
            ctx,
            lambda body: _seated(body).leave(member_id, reason, ctx.occurred_at, ctx.actor),
            action="member",
        )

    def record_meeting(
        self,
        cls: type[B],
        body_id: UUID,
        meeting: tuple[UUID, list[str], list[str], str | None],
        ctx: CommandContext,
    ) -> Written:
        """Record a meeting (id, attendees, households discussed, notes); the same meeting
        submitted again is already recorded."""
        meeting_id, attendees, households, notes = meeting

        def command(aggregate: B) -> None:
            body = _seated(aggregate)
            if any(m.meeting_id == str(meeting_id) for m in body.meetings):
                return
            body.hold_meeting(
                meeting_id=str(meeting_id),
                attendee_member_ids=attendees,
                households_discussed=households,
                notes=notes,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )

        return self._change(cls, body_id, ctx, command, action="meeting")

    def agree_item(
        self,
        cls: type[B],
        body_id: UUID,
        item: tuple[UUID, str, str | None, date | None, str | None],
        ctx: CommandContext,
    ) -> Written:
        """Agree an action item (id, text, owner, due date, meeting)."""
        item_id, text, owner_member_id, due_on, meeting_id = item
        return self._change(
            cls,
            body_id,
            ctx,
            lambda body: _seated(body).agree_action_item(
                item_id=str(item_id),
                text=text,
                owner_member_id=owner_member_id,
                due_on=due_on,
                meeting_id=meeting_id,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="action_item",
        )

    def complete_item(
        self, cls: type[B], body_id: UUID, item: tuple[str, str | None], ctx: CommandContext
    ) -> Written:
        """Mark an action item (id, note) done."""
        item_id, note = item
        return self._change(
            cls,
            body_id,
            ctx,
            lambda body: _seated(body).complete_action_item(
                item_id, note, ctx.occurred_at, ctx.actor
            ),
            action="action_item",
        )
