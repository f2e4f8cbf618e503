"""Event handlers of the war-rooms projection: each WarRoom event updates its room's row.

Handlers use ``occurred_at`` and the event's own fields, never the clock, so a rebuild yields
the same rows. Sealed fields (a member's name, an item's text) are copied as they are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.reference.geography import geography
from domain.warrooms.model import WarRoom
from projections.base import BufferedProjection
from projections.war_rooms.view import WarRoomsView

CACHE_LIMIT = 50_000  # about one row per ward: the cache rarely starts afresh


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _update(
    row: dict[str, Any], column: str, key: str, ident: str, changes: dict[str, Any]
) -> None:
    """Change one entry of a row's list (a new list: a page being written keeps the old)."""
    row[column] = [{**x, **changes} if x[key] == ident else x for x in row[column]]


class WarRoomsProjection(BufferedProjection):
    name = "war_rooms"

    def __init__(self, view: WarRoomsView) -> None:
        super().__init__(view)
        self.wv: WarRoomsView = view
        self.cache: dict[UUID, dict[str, Any]] = {}

    def prefetch(self, events: Sequence[Any]) -> None:
        wanted = {
            e.originator_id
            for e in events
            if isinstance(e, WarRoom.Event) and e.originator_version > 1
        }
        self.cache.update(self.wv.load_rooms(wanted - self.cache.keys()))

    def forget(self) -> None:
        self.cache.clear()

    def cache_full(self) -> bool:
        return len(self.cache) > CACHE_LIMIT

    def _room(self, e: Any, change: Callable[[dict[str, Any]], None]) -> None:
        row = self.cache.get(e.originator_id)
        if row is None:
            return
        change(row)
        row.update(version=e.originator_version, position=self.position)
        self.wv.rooms[e.originator_id] = row

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: WarRoom.Established) -> None:
        municipality, district, _ = geography().ancestors(e.ward_id)
        self.cache[e.originator_id] = {
            "war_room_id": e.originator_id,
            "ward_id": e.ward_id,
            "municipality": municipality,
            "district": district,
            "name": e.name,
            "meeting_cadence_days": e.meeting_cadence_days,
            "established_on": e.occurred_at.date(),
            "last_meeting_on": None,
            "meetings_held": 0,
            "members": [],
            "meetings": [],
            "action_items": [],
            "imbizo_questions": [],
        }
        self._room(e, lambda row: None)

    @handle.register
    def _(self, e: WarRoom.MemberJoined) -> None:
        member = {
            "member_id": e.member_id,
            "name": e.name,
            "seat": e.seat,
            "department": e.department,
            "active": True,
            "joined_on": _day(e.occurred_at.date()),
            "left_on": None,
        }

        def change(row: dict[str, Any]) -> None:
            # A member who left may be seated again: the new seat replaces the old one.
            others = [m for m in row["members"] if m["member_id"] != e.member_id]
            row["members"] = [*others, member]

        self._room(e, change)

    @handle.register
    def _(self, e: WarRoom.MemberLeft) -> None:
        left = {"active": False, "left_on": _day(e.occurred_at.date())}
        self._room(e, lambda row: _update(row, "members", "member_id", e.member_id, left))

    @handle.register
    def _(self, e: WarRoom.MeetingHeld) -> None:
        meeting = {
            "meeting_id": e.meeting_id,
            "held_on": _day(e.held_on),
            "attendee_member_ids": e.attendee_member_ids,
            "departments_present": e.departments_present,
            "households_discussed": e.households_discussed,
            "notes": e.notes,
        }

        def change(row: dict[str, Any]) -> None:
            last = row["last_meeting_on"]
            row["last_meeting_on"] = e.held_on if last is None else max(last, e.held_on)
            row["meetings_held"] += 1
            row["meetings"] = [*row["meetings"], meeting]

        self._room(e, change)

    @handle.register
    def _(self, e: WarRoom.ActionItemAgreed) -> None:
        item = {
            "item_id": e.item_id,
            "text": e.text,
            "owner_member_id": e.owner_member_id,
            "due_on": _day(e.due_on),
            "meeting_id": e.meeting_id,
            "status": "open",
            "agreed_on": _day(e.occurred_at.date()),
            "done_on": None,
        }
        self._room(e, lambda row: row.update(action_items=[*row["action_items"], item]))

    @handle.register
    def _(self, e: WarRoom.ActionItemDone) -> None:
        done = {"status": "done", "done_on": _day(e.occurred_at.date())}
        self._room(e, lambda row: _update(row, "action_items", "item_id", e.item_id, done))

    @handle.register
    def _(self, e: WarRoom.ImbizoQuestionRecorded) -> None:
        question = {
            "question_id": e.question_id,
            "imbizo_on": _day(e.imbizo_on),
            "question": e.question,
            "recorded_on": _day(e.occurred_at.date()),
            "outcome": None,
            "answer": None,
            "answered_on": None,
        }
        self._room(e, lambda row: row.update(imbizo_questions=[*row["imbizo_questions"], question]))

    @handle.register
    def _(self, e: WarRoom.ImbizoQuestionAnswered) -> None:
        # The latest answer stands (progress first, then what was done).
        answer = {
            "outcome": e.outcome,
            "answer": e.answer,
            "answered_on": _day(e.occurred_at.date()),
        }
        self._room(
            e, lambda row: _update(row, "imbizo_questions", "question_id", e.question_id, answer)
        )
