"""The two reports of one ward: the ward report read out at an imbizo, and the pack the war
room meets over.

The imbizo report is read in public: its counts under 5 are suppressed when shown (``SMALL``)
and special need categories are always summed into broad ones, whoever prints it. The
meeting pack is for the war room: it lists overdue referrals and alerts as the reader's lists
show them, with the household's name only where the reader may see it (``api.personal``).

Both are made as of any day by recorded time, from what the log held at its end: the area
figures from their snapshots, the war room and the referrals from their versions, the alerts
from their events (``ReportRequest.history``). The names in a pack are read as they are now
(an erased household stays erased in a pack made again).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from fastapi.concurrency import run_in_threadpool

from api.personal import CaseRows
from domain.access.categories import broad_counts
from domain.access.policy import row_scope
from domain.warrooms.model import war_room_id
from projections.alerts.queries import AlertFilters, alerts_oldest
from projections.nerve_centre.queries import areas, indicators
from projections.nerve_centre.queries.board import open_referrals
from projections.nerve_centre.queries.departments import ward_departments
from projections.war_rooms.queries import open_free_text, war_room
from web.names import household_names
from web.reports.gather import ReportRequest, Sources

#: Counts under this are shown as "fewer than 5" in a public report.
SMALL = 5
#: An imbizo report covers the last quarter (izimbizo are held about four times a year).
QUARTER_WEEKS = 13
#: A meeting pack looks back over this many meetings for absent departments.
RECENT_MEETINGS = 4
#: What an access log names as the reads a meeting pack's names were shown to.
ENDPOINT = "GET /v1/reports/meeting-pack"
PACK_ROWS = 100


def suppressed(count: int | None) -> str:
    """A count as a public report shows it: under ``SMALL`` (but not none) as "<5"."""
    if count is None:
        return ""
    return f"<{SMALL}" if 0 < count < SMALL else str(count)


async def _room(sources: Sources, ward_id: str, as_of: date | None) -> dict[str, Any] | None:
    """The ward's war room from its view (as it stood at the end of ``as_of``, if given), its
    text opened (None before one is established)."""
    scope = row_scope(sources.principal, "warroom")
    row = await war_room(sources.db, war_room_id(ward_id), scope, as_of)
    if row is None or sources.keys is None:
        return row
    return await run_in_threadpool(open_free_text, sources.keys, row)


def _meetings(room: dict[str, Any] | None, since: date, until: date) -> list[dict[str, Any]]:
    """Meetings held in [since, until], newest first, each with the departments absent (seated
    on that day, not present)."""
    if room is None:
        return []
    out = []
    for meeting in room["meetings"]:
        held = date.fromisoformat(meeting["held_on"])
        if not since <= held <= until:
            continue
        seated = {
            m["department"]
            for m in room["members"]
            if m["department"]
            and date.fromisoformat(m["joined_on"]) <= held
            and (m["left_on"] is None or date.fromisoformat(m["left_on"]) > held)
        }
        out.append(
            {
                "held_on": held,
                "present": len(meeting["attendee_member_ids"]),
                "departments_present": sorted(meeting["departments_present"]),
                "departments_absent": sorted(seated - set(meeting["departments_present"])),
            }
        )
    return sorted(out, key=lambda m: m["held_on"], reverse=True)


def _items(
    room: dict[str, Any] | None, since: date, today: date, *, open_only: bool
) -> list[dict[str, Any]]:
    """Action items agreed since ``since`` or still open (only open ones if ``open_only``),
    overdue first, each with its owner's seat (and department)."""
    if room is None:
        return []
    seats = {m["member_id"]: m for m in room["members"]}
    out = []
    for item in room["action_items"]:
        is_open = item["status"] == "open"
        if (open_only and not is_open) or (
            not is_open and date.fromisoformat(item["agreed_on"]) < since
        ):
            continue
        due = date.fromisoformat(item["due_on"]) if item["due_on"] else None
        owner = seats.get(item["owner_member_id"] or "")
        out.append(
            {
                "text": item["text"],
                "status": item["status"],
                "due_on": due,
                "overdue": is_open and due is not None and due < today,
                "done_on": date.fromisoformat(item["done_on"]) if item["done_on"] else None,
                "owner": owner["department"] or owner["seat"] if owner else None,
                "owner_name": owner["name"] if owner else None,
            }
        )
    return sorted(
        out, key=lambda i: (not i["overdue"], i["status"] != "open", i["due_on"] or today)
    )


def _questions(room: dict[str, Any] | None, as_of: date) -> tuple[date | None, list[Any]]:
    """The last imbizo held by ``as_of`` and the questions raised at it, as they stand."""
    if room is None:
        return None, []
    days = [date.fromisoformat(q["imbizo_on"]) for q in room["imbizo_questions"]]
    held = max((d for d in days if d <= as_of), default=None)
    asked = [
        {**q, "answered_on": date.fromisoformat(q["answered_on"]) if q["answered_on"] else None}
        for q, day in zip(room["imbizo_questions"], days, strict=True)
        if day == held
    ]
    return held, asked


def _league(sources: Sources, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each department's referrals against its standard: what it did, and did not do."""
    return [
        {
            **r,
            "name": sources.departments.get(r["department"], r["department"]),
            "acknowledged_late": r["acknowledged"] - r["acknowledged_within"],
            "delivered_late": r["delivered"] - r["delivered_within"],
        }
        for r in sorted(rows, key=lambda r: (-r["received"], r["department"]))
        if r["received"]
    ]


async def imbizo(sources: Sources, request: ReportRequest) -> dict[str, Any]:
    """The ward report for an imbizo: the last quarter's work, and "you said, we did"."""
    db, ward, today = sources.db, request.code, request.as_of
    as_of = request.history(sources.today)
    day = as_of.day if as_of else None
    weeks = await areas.trends(db, "ward", ward, QUARTER_WEEKS, today, as_of)
    since = weeks[0]["week_start"]
    summary = await areas.dashboard(db, "ward", ward, today, as_of)
    figures = await indicators.indicators(db, "ward", ward, QUARTER_WEEKS, today, as_of)
    found: Counter[str] = Counter()
    for week in figures["weekly"]:
        if date.fromisoformat(str(week["week_start"])) >= since:
            found.update(week["M3_needs_by_category"])
    # Read aloud in public: special categories only ever as their broad ones.
    needs = sorted(broad_counts(found).items(), key=lambda c: (-c[1], c[0]))
    league = await ward_departments(db, ward, today, day)
    room = await _room(sources, ward, day)
    last_imbizo, questions = _questions(room, today)
    return {
        "since": since,
        "households": {
            "registered": summary["households"]["total"],
            "profiled": summary["households"]["profiled"],
            "profiles": sum(w["profiles"] for w in weeks),
            "visits": sum(w["visits"] for w in weeks),
            "graduations": sum(w["graduations"] for w in weeks),
        },
        "needs": [(category, n) for category, n in needs if n],
        "needs_total": sum(found.values()),
        "referrals": {
            "made": sum(w["referrals_made"] for w in weeks),
            "completed": sum(w["referrals_completed"] for w in weeks),
            "open": summary["referrals"]["open"],
            "overdue": summary["referrals"]["overdue"],
        },
        "departments": _league(sources, league),
        "war_room": room is not None,
        "meetings": _meetings(room, since, today),
        "action_items": _items(room, since, today, open_only=False),
        "last_imbizo": last_imbizo,
        "questions": questions,
    }


def _absences(room: dict[str, Any] | None, today: date) -> list[dict[str, Any]]:
    """Seated departments absent from any of the last ``RECENT_MEETINGS`` meetings."""
    meetings = _meetings(room, date.min, today)[:RECENT_MEETINGS]
    missed = Counter(d for m in meetings for d in m["departments_absent"])
    return [{"department": d, "missed": n, "of": len(meetings)} for d, n in sorted(missed.items())]


async def meeting_pack(sources: Sources, request: ReportRequest) -> dict[str, Any]:
    """The war room's pack: the agenda, and the lists behind each of its items."""
    db, ward, today, me = sources.db, request.code, request.as_of, sources.principal
    as_of = request.history(sources.today)
    day = as_of.day if as_of else None
    shaped = CaseRows(sources.app, me)
    scope = row_scope(me, "referral")
    referrals = await open_referrals(db, scope, today, ward=ward, limit=500, as_of=day)
    overdue = await shaped.page(
        [r for r in referrals if (r["days_past"] or 0) > 0][:PACK_ROWS], ENDPOINT
    )
    names = await run_in_threadpool(
        household_names, sources.app, me, {r["household_id"] for r in overdue}, ENDPOINT
    )
    open_here = AlertFilters(status="open", ward=ward)
    alerts = await alerts_oldest(db, open_here, me, PACK_ROWS, as_of=as_of)
    alerts = await shaped.page(alerts, ENDPOINT)
    room = await _room(sources, ward, day)
    items = _items(room, today, today, open_only=True)
    absent = _absences(room, today)
    last_imbizo, questions = _questions(room, today)
    waiting = [q for q in questions if q["outcome"] in (None, "in_progress")]
    return {
        "room": room,
        "next_meeting": _next_meeting(room, today),
        "overdue_referrals": [
            {**r, "household_name": names.get(r["household_id"])} for r in overdue
        ],
        "overdue_total": sum(1 for r in referrals if (r["days_past"] or 0) > 0),
        "alerts": alerts,
        "action_items": items,
        "absent_departments": [
            {**a, "name": sources.departments.get(a["department"], a["department"])} for a in absent
        ],
        "last_imbizo": last_imbizo,
        "questions_waiting": waiting,
        "agenda": [
            ("attendance", None),
            ("action_items", len(items)),
            ("overdue_referrals", sum(1 for r in referrals if (r["days_past"] or 0) > 0)),
            ("alerts", len(alerts)),
            ("absent_departments", len(absent)),
            ("imbizo_questions", len(waiting)),
            ("other_business", None),
        ],
    }


def _next_meeting(room: dict[str, Any] | None, today: date) -> date | None:
    if room is None or room["last_meeting_on"] is None:
        return None
    last: date = room["last_meeting_on"]
    return max(last + timedelta(days=room["meeting_cadence_days"]), today)
