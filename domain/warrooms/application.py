"""War-room commands."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.access.policy import Location
from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.warrooms.model import ImbizoOutcome, WarRoom, war_room_id


class WarRoomCommands(ApplicationBase):
    def establish_war_room(
        self, ward_id: str, name: str, meeting_cadence_days: int, ctx: CommandContext
    ) -> Written:
        """Establish the ward's war room; its id follows from the ward (one per ward)."""
        self._check_ward(ward_id)
        room_id = war_room_id(ward_id)
        content: dict[str, object] = {
            "ward_id": ward_id,
            "name": name,
            "meeting_cadence_days": meeting_cadence_days,
        }
        return self._create(
            WarRoom,
            room_id,
            ctx,
            content,
            lambda: [
                WarRoom(
                    id=room_id,
                    ward_id=ward_id,
                    name=name,
                    meeting_cadence_days=meeting_cadence_days,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="establish",
            at=Location.ward(ward_id),
        )

    def add_war_room_member(
        self,
        *,
        room_id: UUID,
        member_id: UUID,
        name: str,
        seat: str,
        department: str | None,
        ctx: CommandContext,
    ) -> Written:
        if department is not None:
            self._check_department(department)
        return self._change(
            WarRoom,
            room_id,
            ctx,
            lambda w: w.join(
                member_id=str(member_id),
                name=name,
                seat=seat,
                department=department,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="member",
        )

    def remove_war_room_member(
        self, room_id: UUID, member_id: str, reason: str | None, ctx: CommandContext
    ) -> Written:
        return self._change(
            WarRoom,
            room_id,
            ctx,
            lambda w: w.leave(member_id, reason, ctx.occurred_at, ctx.actor),
            action="member",
        )

    def hold_meeting(
        self,
        *,
        room_id: UUID,
        meeting_id: UUID,
        attendee_member_ids: list[str],
        households_discussed: list[str],
        notes: str | None,
        ctx: CommandContext,
    ) -> Written:
        def command(room: WarRoom) -> None:
            if any(m.meeting_id == str(meeting_id) for m in room.meetings):
                return  # the same meeting submitted again: already recorded
            room.hold_meeting(
                meeting_id=str(meeting_id),
                attendee_member_ids=attendee_member_ids,
                households_discussed=households_discussed,
                notes=notes,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )

        return self._change(WarRoom, room_id, ctx, command, action="meeting")

    def agree_action_item(
        self,
        *,
        room_id: UUID,
        item_id: UUID,
        text: str,
        owner_member_id: str | None,
        due_on: date | None,
        meeting_id: str | None,
        ctx: CommandContext,
    ) -> Written:
        return self._change(
            WarRoom,
            room_id,
            ctx,
            lambda w: w.agree_action_item(
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

    def complete_action_item(
        self, room_id: UUID, item_id: str, note: str | None, ctx: CommandContext
    ) -> Written:
        return self._change(
            WarRoom,
            room_id,
            ctx,
            lambda w: w.complete_action_item(item_id, note, ctx.occurred_at, ctx.actor),
            action="action_item",
        )

    def record_imbizo_question(
        self,
        *,
        room_id: UUID,
        question_id: UUID,
        imbizo_on: date,
        question: str,
        ctx: CommandContext,
    ) -> Written:
        """A question the community raised at an imbizo (a convener's, as meetings are)."""
        return self._change(
            WarRoom,
            room_id,
            ctx,
            lambda w: w.record_imbizo_question(
                question_id=str(question_id),
                imbizo_on=imbizo_on,
                question=question,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="meeting",
        )

    def answer_imbizo_question(
        self,
        *,
        room_id: UUID,
        question_id: str,
        outcome: ImbizoOutcome,
        answer: str,
        ctx: CommandContext,
    ) -> Written:
        """What became of an imbizo question (reported back at the next imbizo)."""
        return self._change(
            WarRoom,
            room_id,
            ctx,
            lambda w: w.answer_imbizo_question(
                question_id=question_id,
                outcome=outcome,
                answer=answer,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="meeting",
        )
