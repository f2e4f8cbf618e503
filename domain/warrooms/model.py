"""The WarRoom aggregate: one per ward; its members, weekly meetings, action items and the
questions a community raised at its imbizo (and what became of them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation

_WAR_ROOM_NAMESPACE = uuid.UUID("6f0d2c2e-8b7a-4f57-9a0c-3b1f5c2d9e41")


def war_room_id(ward_id: str) -> UUID:
    """One war room per ward: its id is derived from the ward, so a second one collides."""
    return uuid.uuid5(_WAR_ROOM_NAMESPACE, f"war-room:{ward_id}")


@dataclass
class Member:
    member_id: str
    seat: str
    department: str | None
    active: bool = True


@dataclass
class ActionItem:
    item_id: str
    owner_member_id: str | None
    due_on: date | None
    done: bool = False


@dataclass
class Meeting:
    meeting_id: str
    held_on: date
    departments_present: list[str]
    households_discussed: list[str]


class ImbizoOutcome(StrEnum):
    """What became of a question raised at an imbizo ("you said, we did")."""

    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_POSSIBLE = "not_possible"


#: Outcomes after which a question takes no further answer.
FINAL_OUTCOMES = frozenset({ImbizoOutcome.DONE, ImbizoOutcome.NOT_POSSIBLE})


@dataclass
class ImbizoQuestion:
    question_id: str
    imbizo_on: date
    outcome: ImbizoOutcome | None = None


class WarRoom(SukumaAggregate):
    """A ward's war room."""

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

    class ImbizoQuestionRecorded(SukumaAggregate.Event):
        question_id: str
        imbizo_on: date
        question: str

    class ImbizoQuestionAnswered(SukumaAggregate.Event):
        question_id: str
        outcome: str
        answer: str

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
        self.members: dict[str, Member] = {}
        self.meetings: list[Meeting] = []
        self.action_items: dict[str, ActionItem] = {}
        self.imbizo_questions: dict[str, ImbizoQuestion] = {}

    @property
    def seated_departments(self) -> set[str]:
        return {m.department for m in self.members.values() if m.active and m.department}

    def join(
        self,
        *,
        member_id: str,
        name: str,
        seat: str,
        department: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Seat a member (a department seat names its department)."""
        if member_id in self.members and self.members[member_id].active:
            raise RuleViolation("member-unique", f"member {member_id} is already seated")
        if seat == "department" and not department:
            raise RuleViolation("department-seat", "a department seat must name its department")
        self._member_joined(
            member_id=member_id,
            name=name,
            seat=seat,
            department=department,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(MemberJoined)
    def _member_joined(
        self,
        member_id: str,
        name: str,
        seat: str,
        department: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.members[member_id] = Member(member_id, seat, department)

    def leave(self, member_id: str, reason: str | None, occurred_at: datetime, actor: str) -> None:
        member = self.members.get(member_id)
        if member is None or not member.active:
            raise RuleViolation(
                "member-seated", f"member {member_id} is not seated in this war room"
            )
        self._member_left(member_id=member_id, reason=reason, occurred_at=occurred_at, actor=actor)

    @event(MemberLeft)
    def _member_left(
        self, member_id: str, reason: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.members[member_id].active = False

    def hold_meeting(
        self,
        *,
        meeting_id: str,
        attendee_member_ids: list[str],
        households_discussed: list[str],
        notes: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record a meeting: only seated members attend; departments follow their seats."""
        if any(m.meeting_id == meeting_id for m in self.meetings):
            raise RuleViolation("meeting-unique", f"meeting {meeting_id} is already recorded")
        strangers = [
            m for m in attendee_member_ids if m not in self.members or not self.members[m].active
        ]
        if strangers:
            raise RuleViolation(
                "attendance-seated-members", f"not seated in this war room: {', '.join(strangers)}"
            )
        departments = sorted(
            {d for m in attendee_member_ids if (d := self.members[m].department) is not None}
        )
        self._meeting_held(
            meeting_id=meeting_id,
            held_on=occurred_at.date(),
            attendee_member_ids=attendee_member_ids,
            departments_present=departments,
            households_discussed=households_discussed,
            notes=notes,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(MeetingHeld)
    def _meeting_held(
        self,
        meeting_id: str,
        held_on: date,
        attendee_member_ids: list[str],
        departments_present: list[str],
        households_discussed: list[str],
        notes: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.meetings.append(
            Meeting(meeting_id, held_on, departments_present, households_discussed)
        )

    def agree_action_item(
        self,
        *,
        item_id: str,
        text: str,
        owner_member_id: str | None,
        due_on: date | None,
        meeting_id: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Agree an action item; its owner must be a seated member."""
        if item_id in self.action_items:
            raise RuleViolation("action-item-unique", f"action item {item_id} already exists")
        if owner_member_id is not None and (
            owner_member_id not in self.members or not self.members[owner_member_id].active
        ):
            raise RuleViolation(
                "action-owner-seated", f"owner {owner_member_id} is not seated in this war room"
            )
        if meeting_id is not None and not any(m.meeting_id == meeting_id for m in self.meetings):
            raise RuleViolation("action-meeting-exists", f"meeting {meeting_id} is not recorded")
        self._action_item_agreed(
            item_id=item_id,
            text=text,
            owner_member_id=owner_member_id,
            due_on=due_on,
            meeting_id=meeting_id,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(ActionItemAgreed)
    def _action_item_agreed(
        self,
        item_id: str,
        text: str,
        owner_member_id: str | None,
        due_on: date | None,
        meeting_id: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.action_items[item_id] = ActionItem(item_id, owner_member_id, due_on)

    def complete_action_item(
        self, item_id: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        item = self.action_items.get(item_id)
        if item is None:
            raise RuleViolation("action-item-exists", f"action item {item_id} does not exist")
        if item.done:
            raise RuleViolation("action-item-done-once", f"action item {item_id} is already done")
        self._action_item_done(item_id=item_id, note=note, occurred_at=occurred_at, actor=actor)

    @event(ActionItemDone)
    def _action_item_done(
        self, item_id: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.action_items[item_id].done = True

    def record_imbizo_question(
        self, *, question_id: str, imbizo_on: date, question: str, occurred_at: datetime, actor: str
    ) -> None:
        """Record a question the community raised at the imbizo held on ``imbizo_on``."""
        if question_id in self.imbizo_questions:
            raise RuleViolation(
                "imbizo-question-unique", f"imbizo question {question_id} already exists"
            )
        if imbizo_on > occurred_at.date():
            raise RuleViolation(
                "imbizo-held", "a question is recorded on or after the imbizo it was raised at"
            )
        self._imbizo_question_recorded(
            question_id=question_id,
            imbizo_on=imbizo_on,
            question=question,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(ImbizoQuestionRecorded)
    def _imbizo_question_recorded(
        self, question_id: str, imbizo_on: date, question: str, occurred_at: datetime, actor: str
    ) -> None:
        self.imbizo_questions[question_id] = ImbizoQuestion(question_id, imbizo_on)

    def answer_imbizo_question(
        self,
        *,
        question_id: str,
        outcome: ImbizoOutcome,
        answer: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Say what became of a question: progress may be reported again until it is done or
        found not possible."""
        question = self.imbizo_questions.get(question_id)
        if question is None:
            raise RuleViolation(
                "imbizo-question-exists", f"imbizo question {question_id} does not exist"
            )
        if question.outcome in FINAL_OUTCOMES:
            raise RuleViolation(
                "imbizo-question-final", f"imbizo question {question_id} is already answered"
            )
        self._imbizo_question_answered(
            question_id=question_id,
            outcome=str(outcome),
            answer=answer,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(ImbizoQuestionAnswered)
    def _imbizo_question_answered(
        self, question_id: str, outcome: str, answer: str, occurred_at: datetime, actor: str
    ) -> None:
        self.imbizo_questions[question_id].outcome = ImbizoOutcome(outcome)
