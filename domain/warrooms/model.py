"""The WarRoom aggregate: one per ward; its members, weekly meetings, action items and the
questions a community raised at its imbizo (and what became of them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain import bodies
from domain.base import SukumaAggregate
from domain.bodies import ActionItem, Meeting, Member, SeatedBody
from domain.errors import RuleViolation

# Member, Meeting and ActionItem are the seated bodies' (``domain.bodies``), named here too.
__all__ = [
    "ActionItem",
    "ImbizoOutcome",
    "ImbizoQuestion",
    "Meeting",
    "Member",
    "WarRoom",
    "war_room_id",
]

_WAR_ROOM_NAMESPACE = uuid.UUID("6f0d2c2e-8b7a-4f57-9a0c-3b1f5c2d9e41")


def war_room_id(ward_id: str) -> UUID:
    """One war room per ward: its id is derived from the ward, so a second one collides."""
    return uuid.uuid5(_WAR_ROOM_NAMESPACE, f"war-room:{ward_id}")


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


class WarRoom(SeatedBody, SukumaAggregate):
    """A ward's war room (its seats, meetings and action items: ``domain.bodies``)."""

    body = "war room"

    class Established(SukumaAggregate.Created):
        ward_id: str
        name: str
        meeting_cadence_days: int

    # The seated body's events (their fields: ``domain.bodies``), nested here so that their
    # stored topics name this aggregate (``<module>:<Aggregate>.MemberJoined``, ...).
    class MemberJoined(bodies.MemberJoined):
        pass

    class MemberLeft(bodies.MemberLeft):
        pass

    class MeetingHeld(bodies.MeetingHeld):
        pass

    class ActionItemAgreed(bodies.ActionItemAgreed):
        pass

    class ActionItemDone(bodies.ActionItemDone):
        pass

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
        self.members = {}
        self.meetings = []
        self.action_items = {}
        self.imbizo_questions: dict[str, ImbizoQuestion] = {}

    # The appliers of domain.bodies' commands, bound to this aggregate's own events.
    _member_joined = event(MemberJoined)(SeatedBody._seat)
    _member_left = event(MemberLeft)(SeatedBody._unseat)
    _meeting_held = event(MeetingHeld)(SeatedBody._add_meeting)
    _action_item_agreed = event(ActionItemAgreed)(SeatedBody._add_action_item)
    _action_item_done = event(ActionItemDone)(SeatedBody._mark_done)

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
