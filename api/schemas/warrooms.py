"""War-room commands and read shape."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, DepartmentCode, Note, ShortText, WardId
from domain.vocabulary import SeatRole
from domain.warrooms.model import WarRoom


class EstablishWarRoom(CommandBody):
    ward_id: WardId
    name: ShortText
    meeting_cadence_days: int = Field(default=7, ge=1, le=90, description="Weekly by default")


class AddMember(CommandBody):
    member_id: UUID | None = None
    name: ShortText
    seat: SeatRole
    department: DepartmentCode | None = Field(
        default=None, description="Required for a department seat"
    )


class RemoveMember(CommandBody):
    reason: Note | None = Field(default=None, description="Why the member leaves the seat")


class HoldMeeting(CommandBody):
    meeting_id: UUID | None = None
    attendee_member_ids: list[UUID] = Field(default_factory=list, max_length=200)
    households_discussed: list[UUID] = Field(default_factory=list, max_length=500)
    notes: Note | None = None


class AgreeActionItem(CommandBody):
    item_id: UUID | None = None
    text: Note
    owner_member_id: UUID | None = None
    due_on: date | None = None
    meeting_id: UUID | None = None


class CompleteActionItem(CommandBody):
    note: Note | None = None


class WarRoomRead(BaseModel):
    id: str
    version: int
    ward_id: str
    name: str
    meeting_cadence_days: int
    established_on: date
    members: list[dict[str, Any]]
    meetings: list[dict[str, Any]]
    action_items: list[dict[str, Any]]

    @classmethod
    def of(cls, room: WarRoom) -> WarRoomRead:
        return cls(
            id=str(room.id),
            version=room.version,
            ward_id=room.ward_id,
            name=room.name,
            meeting_cadence_days=room.meeting_cadence_days,
            established_on=room.established_on,
            members=[asdict(m) for m in room.members.values()],
            meetings=[asdict(m) for m in room.meetings],
            action_items=[asdict(i) for i in room.action_items.values()],
        )
