"""How a seated body's events change its row: a war room's and a task team's alike.

Both aggregates record the same events (``domain.bodies``: members joining and leaving,
meetings, action items agreed and done), so one function says how each changes a row's
``members``, ``meetings`` and ``action_items`` lists and its meeting figures. Text is copied
as the event store holds it (a war room's is sealed under its data key).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

Change = Callable[[dict[str, Any]], None]
#: A new body's lists and figures.
EMPTY: dict[str, Any] = {
    "last_meeting_on": None,
    "meetings_held": 0,
    "members": [],
    "meetings": [],
    "action_items": [],
}


def iso_day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def update_entry(
    row: dict[str, Any], column: str, key: str, ident: str, changes: dict[str, Any]
) -> None:
    """Change one entry of a row's list (a new list: a page being written keeps the old)."""
    row[column] = [{**x, **changes} if x[key] == ident else x for x in row[column]]


def seated_change(e: Any) -> Change:
    """The change one of a seated body's events makes to its row."""
    kind = type(e).__name__
    if kind == "MemberJoined":
        member = {
            "member_id": e.member_id,
            "name": e.name,
            "seat": e.seat,
            "department": e.department,
            "active": True,
            "joined_on": iso_day(e.occurred_at.date()),
            "left_on": None,
        }

        def joined(row: dict[str, Any]) -> None:
            # A member who left may be seated again: the new seat replaces the old one.
            others = [m for m in row["members"] if m["member_id"] != e.member_id]
            row["members"] = [*others, member]

        return joined
    if kind == "MemberLeft":
        left = {"active": False, "left_on": iso_day(e.occurred_at.date())}
        return lambda row: update_entry(row, "members", "member_id", e.member_id, left)
    if kind == "MeetingHeld":
        meeting = {
            "meeting_id": e.meeting_id,
            "held_on": iso_day(e.held_on),
            "attendee_member_ids": e.attendee_member_ids,
            "departments_present": e.departments_present,
            "households_discussed": e.households_discussed,
            "notes": e.notes,
        }

        def held(row: dict[str, Any]) -> None:
            last = row["last_meeting_on"]
            row["last_meeting_on"] = e.held_on if last is None else max(last, e.held_on)
            row["meetings_held"] += 1
            row["meetings"] = [*row["meetings"], meeting]

        return held
    if kind == "ActionItemAgreed":
        item = {
            "item_id": e.item_id,
            "text": e.text,
            "owner_member_id": e.owner_member_id,
            "due_on": iso_day(e.due_on),
            "meeting_id": e.meeting_id,
            "status": "open",
            "agreed_on": iso_day(e.occurred_at.date()),
            "done_on": None,
        }
        return lambda row: row.update(action_items=[*row["action_items"], item])
    if kind == "ActionItemDone":
        done = {"status": "done", "done_on": iso_day(e.occurred_at.date())}
        return lambda row: update_entry(row, "action_items", "item_id", e.item_id, done)
    raise TypeError(f"not a seated body's event: {kind}")
