"""War-room commands (seats, meetings and action items as every seated body's:
``domain.body_commands``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.access.policy import Location
from domain.body_commands import BodyCommands
from domain.context import CommandContext, Written
from domain.warrooms.model import ImbizoOutcome, WarRoom, war_room_id


class WarRoomCommands(BodyCommands):
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
        return self.seat_member(WarRoom, room_id, (member_id, name, seat, department), ctx)

    def remove_war_room_member(
        self, room_id: UUID, member_id: str, reason: str | None, ctx: CommandContext
    ) -> Written:
        return self.unseat_member(WarRoom, room_id, (member_id, reason), ctx)

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
        meeting = (meeting_id, attendee_member_ids, households_discussed, notes)
        return self.record_meeting(WarRoom, room_id, meeting, ctx)

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
        item = (item_id, text, owner_member_id, due_on, meeting_id)
        return self.agree_item(WarRoom, room_id, item, ctx)

    def complete_action_item(
        self, room_id: UUID, item_id: str, note: str | None, ctx: CommandContext
    ) -> Written:
        return self.complete_item(WarRoom, room_id, (item_id, note), ctx)

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
