"""What a war room's row says about its next meeting: when it falls, which action items fall
due by then, and which departments with a seat stayed away from its recent meetings.

Pure functions over one row of the war-rooms view (``queries.war_room``), so the page and any
other reader draw the same agenda; the other items of an agenda (overdue referrals, open
alerts) come from their own views' queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

#: How many of the latest meetings an absent department is counted over.
RECENT_MEETINGS = 3


@dataclass(frozen=True)
class Absence:
    department: str
    #: Of the recent meetings held while it had a seat, how many it missed.
    missed: int
    held: int


def _day(value: Any) -> date:
    """A date of the row (its JSON lists hold them as ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def next_meeting_on(row: dict[str, Any], today: date) -> date:
    """The last meeting plus the room's cadence (today if that has passed, or none was held)."""
    if row["last_meeting_on"] is None:
        return today
    last = _day(row["last_meeting_on"])
    return max(today, last + timedelta(days=int(row["meeting_cadence_days"])))


def seated_on(row: dict[str, Any], day: date) -> set[str]:
    """The departments that had a seat on ``day`` (joined by then, not yet left)."""
    return {
        m["department"]
        for m in row["members"]
        if m["department"]
        and _day(m["joined_on"]) <= day
        and (m["left_on"] is None or day < _day(m["left_on"]))
    }


def absent_at(row: dict[str, Any], meeting: dict[str, Any]) -> list[str]:
    """The departments seated when ``meeting`` was held that sent nobody to it."""
    held = _day(meeting["held_on"])
    return sorted(seated_on(row, held) - set(meeting["departments_present"]))


def recent_meetings(row: dict[str, Any], count: int = RECENT_MEETINGS) -> list[dict[str, Any]]:
    """The latest ``count`` meetings, newest first."""
    return sorted(row["meetings"], key=lambda m: str(m["held_on"]), reverse=True)[:count]


def absences(row: dict[str, Any], count: int = RECENT_MEETINGS) -> list[Absence]:
    """Departments seated now that missed any of the last ``count`` meetings held while they
    had a seat, the most absent first."""
    now_seated = {m["department"] for m in row["members"] if m["active"] and m["department"]}
    missed: dict[str, int] = dict.fromkeys(now_seated, 0)
    held: dict[str, int] = dict.fromkeys(now_seated, 0)
    for meeting in recent_meetings(row, count):
        for department in seated_on(row, _day(meeting["held_on"])) & now_seated:
            held[department] += 1
            if department not in meeting["departments_present"]:
                missed[department] += 1
    found = [Absence(d, missed[d], held[d]) for d in now_seated if missed[d]]
    return sorted(found, key=lambda a: (-a.missed, a.department))


def items_due(row: dict[str, Any], by: date) -> list[dict[str, Any]]:
    """Open action items due on or before ``by`` (the next meeting), the earliest first."""
    due = [
        i
        for i in row["action_items"]
        if i["status"] == "open" and i["due_on"] is not None and _day(i["due_on"]) <= by
    ]
    return sorted(due, key=lambda i: str(i["due_on"]))
