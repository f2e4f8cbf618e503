"""What every body that meets has: seated members, meetings with attendance, action items.

War rooms (a ward's) and task teams (the LTT, DTT and PTT) keep the same rules: only seated
members attend, a department is present through its seat, an action item's owner is seated
and it is done once. The commands and the events' fields are here, once. Each aggregate nests
a subclass of each event (``class MemberJoined(bodies.MemberJoined)``: its stored topic names
the aggregate, and the library makes it a subclass of the aggregate's ``Event``) and binds
the appliers below to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from domain.base import SukumaAggregate
from domain.errors import RuleViolation

# The events every seated body records (each aggregate nests a subclass of each).


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


class SeatedBody:
    """The commands of a body with seats; its aggregate defines the appliers below."""

    #: how messages name the body ("war room", "task team")
    body: ClassVar[str] = "body"
    members: dict[str, Member]
    meetings: list[Meeting]
    action_items: dict[str, ActionItem]
    # The appliers the commands trigger: each aggregate binds the bodies below to its own
    # events (``_member_joined = event(MemberJoined)(SeatedBody._seat)``), whose stored
    # topics name it.
    _member_joined: Callable[..., None]
    _member_left: Callable[..., None]
    _meeting_held: Callable[..., None]
    _action_item_agreed: Callable[..., None]
    _action_item_done: Callable[..., None]

    @property
    def seated_departments(self) -> set[str]:
        return {m.department for m in self.members.values() if m.active and m.department}

    def is_seated(self, member_id: str) -> bool:
        member = self.members.get(member_id)
        return member is not None and member.active

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
        if self.is_seated(member_id):
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

    def leave(self, member_id: str, reason: str | None, occurred_at: datetime, actor: str) -> None:
        if not self.is_seated(member_id):
            raise RuleViolation(
                "member-seated", f"member {member_id} is not seated in this {self.body}"
            )
        self._member_left(member_id=member_id, reason=reason, occurred_at=occurred_at, actor=actor)

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
        strangers = [m for m in attendee_member_ids if not self.is_seated(m)]
        if strangers:
            raise RuleViolation(
                "attendance-seated-members",
                f"not seated in this {self.body}: {', '.join(strangers)}",
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
        if owner_member_id is not None and not self.is_seated(owner_member_id):
            raise RuleViolation(
                "action-owner-seated", f"owner {owner_member_id} is not seated in this {self.body}"
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

    def complete_action_item(
        self, item_id: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        item = self.action_items.get(item_id)
        if item is None:
            raise RuleViolation("action-item-exists", f"action item {item_id} does not exist")
        if item.done:
            raise RuleViolation("action-item-done-once", f"action item {item_id} is already done")
        self._action_item_done(item_id=item_id, note=note, occurred_at=occurred_at, actor=actor)

    # ---- what each event does to the state (run again on every replay: assignments only) ----

    def _seat(
        self,
        member_id: str,
        name: str,
        seat: str,
        department: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.members[member_id] = Member(member_id, seat, department)

    def _unseat(
        self, member_id: str, reason: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.members[member_id].active = False

    def _add_meeting(
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

    def _add_action_item(
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

    def _mark_done(self, item_id: str, note: str | None, occurred_at: datetime, actor: str) -> None:
        self.action_items[item_id].done = True
