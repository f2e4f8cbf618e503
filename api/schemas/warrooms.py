"""War-room commands and read shape."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, DepartmentCode, Note, ShortText, WardId
from api.schemas.views import FreshnessRead
from domain.vocabulary import SeatRole
from domain.warrooms.model import ImbizoOutcome, WarRoom


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


class RecordImbizoQuestion(CommandBody):
    question_id: UUID | None = None
    imbizo_on: date = Field(description="The day of the imbizo the community raised it at")
    question: Note


class AnswerImbizoQuestion(CommandBody):
    outcome: ImbizoOutcome = Field(
        description="in_progress (may be answered again), done or not_possible (final)"
    )
    answer: Note = Field(description="What was done, told back at the next imbizo")


class WarRoomState(BaseModel):
    """A war room's state as the aggregate held it (its history's ``state``)."""

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
    def of(cls, room: WarRoom) -> WarRoomState:
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


class WarRoomMemberRead(BaseModel):
    member_id: str
    name: str = Field(description="Shown to whoever may read the war room (no pii:read)")
    seat: str
    department: str | None
    active: bool = Field(description="Seated now (false once removed)")
    joined_on: date
    left_on: date | None


class MeetingRead(BaseModel):
    meeting_id: str
    held_on: date
    attendee_member_ids: list[str]
    departments_present: list[str]
    households_discussed: list[str]
    notes: str | None


class ActionItemRead(BaseModel):
    item_id: str
    text: str
    owner_member_id: str | None
    due_on: date | None
    status: Literal["open", "done"]
    meeting_id: str | None
    agreed_on: date
    done_on: date | None


class ImbizoQuestionRead(BaseModel):
    question_id: str
    imbizo_on: date
    question: str
    recorded_on: date
    outcome: ImbizoOutcome | None = Field(description="None until the first answer")
    answer: str | None
    answered_on: date | None


class WarRoomFields(BaseModel):
    war_room_id: UUID
    version: int
    ward_id: str
    municipality: str
    district: str
    name: str
    meeting_cadence_days: int
    established_on: date
    last_meeting_on: date | None
    meetings_held: int


class WarRoomRead(WarRoomFields):
    members: list[WarRoomMemberRead]
    meetings: list[MeetingRead]
    action_items: list[ActionItemRead]
    imbizo_questions: list[ImbizoQuestionRead]
    freshness: FreshnessRead


class WarRoomSummaryRead(WarRoomFields):
    members_seated: int
    departments_seated: list[str]
    action_items_open: int
    action_items_overdue: int = Field(description="Open items past their due date")


class WarRoomList(BaseModel):
    data: list[WarRoomSummaryRead]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: last")
    freshness: FreshnessRead
