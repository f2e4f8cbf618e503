"""Event handlers of the war-rooms projection: each WarRoom event updates its room's row.

Handlers use ``occurred_at`` and the event's own fields, never the clock, so a rebuild yields
the same rows; the day each change was recorded (the event's timestamp) dates the room's
earlier versions. Sealed fields (a member's name, an item's text) are copied as they are stored.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.reference.geography import geography
from domain.warrooms.model import WarRoom
from projections.base import BufferedProjection
from projections.bodies import EMPTY, iso_day, seated_change, update_entry
from projections.war_rooms.view import RECORDED_ON, WarRoomsView

CACHE_LIMIT = 50_000  # about one row per ward: the cache rarely starts afresh


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
        # Known from the day it was recorded (never before the room's latest change: two
        # appends across midnight may commit out of order); the room as it stood at the end
        # of an earlier recorded day is kept for the ward's reports as of that day.
        recorded_on: date | None = row.get(RECORDED_ON)
        recorded = max(e.timestamp.date(), recorded_on or date.min)
        if recorded_on is not None and recorded_on < recorded:
            self.wv.version(row, until=recorded)
        change(row)
        row.update(version=e.originator_version, position=self.position)
        row[RECORDED_ON] = recorded
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
            **copy.deepcopy(EMPTY),
            "imbizo_questions": [],
        }
        self._room(e, lambda row: None)

    @handle.register
    def _(
        self,
        e: WarRoom.MemberJoined
        | WarRoom.MemberLeft
        | WarRoom.MeetingHeld
        | WarRoom.ActionItemAgreed
        | WarRoom.ActionItemDone,
    ) -> None:
        self._room(e, seated_change(e))

    @handle.register
    def _(self, e: WarRoom.ImbizoQuestionRecorded) -> None:
        question = {
            "question_id": e.question_id,
            "imbizo_on": iso_day(e.imbizo_on),
            "question": e.question,
            "recorded_on": iso_day(e.occurred_at.date()),
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
            "answered_on": iso_day(e.occurred_at.date()),
        }
        self._room(
            e,
            lambda row: update_entry(row, "imbizo_questions", "question_id", e.question_id, answer),
        )
