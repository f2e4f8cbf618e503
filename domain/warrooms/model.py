"""The WarRoom aggregate: one per ward; its members, weekly meetings and action items."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.bodies import ActionItem, Meeting, Member, SeatedBody

# Member, Meeting and ActionItem are the seated bodies' (``domain.bodies``), named here too.
__all__ = ["ActionItem", "Meeting", "Member", "WarRoom", "war_room_id"]

_WAR_ROOM_NAMESPACE = uuid.UUID("6f0d2c2e-8b7a-4f57-9a0c-3b1f5c2d9e41")


def war_room_id(ward_id: str) -> UUID:
    """One war room per ward: its id is derived from the ward, so a second one collides."""
    return uuid.uuid5(_WAR_ROOM_NAMESPACE, f"war-room:{ward_id}")


class WarRoom(SeatedBody, SukumaAggregate):
    """A ward's war room (its seats, meetings and action items: ``domain.bodies``)."""

    body = "war room"

    class Established(SukumaAggregate.Created):
        ward_id: str
        name: str
        meeting_cadence_days: int

    class MemberJoined(SukumaAggregate.Event):
        member_id: str
        name: str
        seat: str
        department: str | None

    class MemberLeft(SukumaAggregate.Event):
        member_id: str
        reason: str | None

    class MeetingHeld(SukumaAggregate.Event):
        meeting_id: str
        held_on: date
        attendee_member_ids: list[str]
        departments_present: list[str]
        households_discussed: list[str]
        notes: str | None

    class ActionItemAgreed(SukumaAggregate.Event):
        item_id: str
        text: str
        owner_member_id: str | None
        due_on: date | None
        meeting_id: str | None

    class ActionItemDone(SukumaAggregate.Event):
        item_id: str
        note: str | None

    @event(Established)
    def __init__(
        self,
        *,
        id: UUID,
        ward_id: str,
        name: str,
        meeting_cadence_days: int,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.ward_id = ward_id
        self.name = name
        self.meeting_cadence_days = meeting_cadence_days
        self.established_on = occurred_at.date()
        self.members = {}
        self.meetings = []
        self.action_items = {}

    # The appliers of domain.bodies' commands, bound to this aggregate's own events.
    _member_joined = event(MemberJoined)(SeatedBody._seat)
    _member_left = event(MemberLeft)(SeatedBody._unseat)
    _meeting_held = event(MeetingHeld)(SeatedBody._add_meeting)
    _action_item_agreed = event(ActionItemAgreed)(SeatedBody._add_action_item)
    _action_item_done = event(ActionItemDone)(SeatedBody._mark_done)
