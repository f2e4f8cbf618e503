"""The agenda drawn from a war room's row: the next meeting's date, the items due by then and
the departments absent, counted only over meetings held while they had a seat."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.war_rooms.agenda import Absence, absences, absent_at, items_due, next_meeting_on


def member(member_id: str, department: str | None, joined: str, left: str | None = None) -> Any:
    return {
        "member_id": member_id,
        "department": department,
        "active": left is None,
        "joined_on": joined,
        "left_on": left,
    }


def meeting(held_on: str, *present: str) -> dict[str, Any]:
    return {"meeting_id": held_on, "held_on": held_on, "departments_present": list(present)}


ROOM: dict[str, Any] = {
    "meeting_cadence_days": 7,
    "last_meeting_on": date(2026, 11, 20),
    "members": [
        member("c", None, "2026-01-01"),
        member("s", "SASSA", "2026-01-01"),
        member("d", "DHA", "2026-01-01"),
        member("h", "DOH", "2026-11-14"),  # seated after the first two meetings below
        member("x", "DSD", "2026-01-01", left="2026-11-10"),  # left: never counted now
    ],
    "meetings": [
        meeting("2026-11-06", "SASSA"),
        meeting("2026-11-13", "SASSA", "DHA"),
        meeting("2026-11-20", "SASSA"),
        meeting("2026-10-30"),  # a fourth, older than the last three
    ],
    "action_items": [
        {"item_id": "1", "status": "open", "due_on": "2026-11-27"},
        {"item_id": "2", "status": "open", "due_on": "2026-11-28"},
        {"item_id": "3", "status": "done", "due_on": "2026-11-01"},
        {"item_id": "4", "status": "open", "due_on": None},
        {"item_id": "5", "status": "open", "due_on": "2026-11-02"},
    ],
}


def test_the_next_meeting_is_a_cadence_after_the_last_and_never_in_the_past() -> None:
    assert next_meeting_on(ROOM, date(2026, 11, 23)) == date(2026, 11, 27)
    assert next_meeting_on(ROOM, date(2026, 12, 1)) == date(2026, 12, 1)
    assert next_meeting_on({**ROOM, "last_meeting_on": None}, date(2026, 12, 1)) == date(
        2026, 12, 1
    )


def test_items_due_by_the_meeting_are_the_open_ones_earliest_first() -> None:
    assert [i["item_id"] for i in items_due(ROOM, date(2026, 11, 27))] == ["5", "1"]


def test_a_department_is_absent_only_from_meetings_held_while_it_had_a_seat() -> None:
    # DOH joined on the 14th: only the meeting of the 20th counts for it; DSD has left.
    assert absences(ROOM) == [Absence("DHA", 2, 3), Absence("DOH", 1, 1)]
    assert absent_at(ROOM, meeting("2026-11-06", "SASSA")) == ["DHA", "DSD"]
