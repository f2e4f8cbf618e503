"""The war room: its members and department seats, its meetings with attendance, its action
items, and the next meeting's agenda drawn from the data (overdue referrals, open alerts,
action items falling due, departments absent from recent meetings).

A room is read from the war-rooms view (``projections.war_rooms``) as ``GET /v1/war-rooms/{id}``
reads it, its sealed names and text opened the same way; the agenda adds the board's and the
alert queue's queries for the room's ward. The households its meeting form offers are read
when the form asks for them (a fragment; without script, the form on a page of its own). Its
forms are ``web.war_room_forms``'s."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

import asyncpg
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from adapters.data_keys import DataKeyStore
from api.deps import Clock, ReadPool, SukumaApp
from api.names import named
from api.personal import CaseRows
from api.routers.warrooms import DataKeys
from domain.access.policy import Decision, Location, decide, row_scope
from domain.access.principal import Principal
from domain.errors import NotFoundError
from domain.sukuma import Sukuma
from projections.alerts import queries as alert_queries
from projections.alerts.queries import AlertFilters
from projections.nerve_centre.queries.board import household_ids_at_risk, open_referrals
from projections.scoping import Db
from projections.war_rooms import agenda, queries
from projections.war_rooms.queries import WarRoomFilters
from projections.war_rooms.view import TRACKING
from web.departments import in_service_now
from web.freshness import PageFreshness, page_freshness
from web.i18n import language_of
from web.labels import choices
from web.render import page
from web.session import Viewer, session_of
from web.war_room_rows import (
    done_rows,
    meeting_rows,
    offered_checks,
    open_item_rows,
    seated_rows,
)

router = APIRouter(include_in_schema=False)

#: War rooms listed at once (a convener has one; an analyst pages through a district's).
ROOMS_SHOWN = 100
#: Alert groups and overdue referrals an agenda lists (the most urgent first).
AGENDA_ROWS = 50
#: The room's latest meetings shown (a quarter's), and its latest action items done: a room
#: holds years of them, and the view API (``GET /v1/war-rooms/{id}``) serves them all.
MEETINGS_SHOWN = 13
DONE_SHOWN = 20
#: Households a meeting form offers as discussed (the ward's with open needs, highest risk
#: first), for a reader who may read them.
HOUSEHOLDS_OFFERED = 50

#: The war-rooms view's freshness, read beside a room's own reads.
RoomFresh = Annotated[PageFreshness, Depends(page_freshness(TRACKING))]


async def _row(db: Db, me: Principal, room_id: UUID) -> dict[str, Any]:
    """The room's row, its text still sealed."""
    row = await queries.war_room(db, room_id, row_scope(me, "warroom"))
    if row is None:
        raise NotFoundError("war room", room_id)
    return row


async def _open(keys: DataKeyStore, row: dict[str, Any]) -> dict[str, Any]:
    """The row with its text opened, its lists' dates still ISO text."""
    # Opening the sealed text may read the room's data key from the database: blocking.
    opened: dict[str, Any] = await run_in_threadpool(queries.open_free_text, keys, row)
    return opened


async def _opened(db: Db, keys: DataKeyStore, me: Principal, room_id: UUID) -> dict[str, Any]:
    """The room with its text opened, its lists' dates still ISO text."""
    return await _open(keys, await _row(db, me, room_id))


async def _room(db: Db, keys: DataKeyStore, me: Principal, room_id: UUID) -> dict[str, Any]:
    return _dated(await _opened(db, keys, me, room_id))


#: The dates in a room's JSON lists (ISO text in the view), as dates for the page.
_DATES = {
    "members": ("joined_on", "left_on"),
    "meetings": ("held_on",),
    "action_items": ("due_on", "agreed_on", "done_on"),
}


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _dated_entries(entries: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """``entries`` of the room's list ``column`` with their dates as dates."""
    fields = _DATES[column]
    return [{**entry, **{f: _day(entry[f]) for f in fields}} for entry in entries]


def _dated(room: dict[str, Any]) -> dict[str, Any]:
    return {**room, **{column: _dated_entries(room[column], column) for column in _DATES}}


def _seated(room: dict[str, Any]) -> list[dict[str, Any]]:
    """The room's members seated now, their dates as dates."""
    return _dated_entries([m for m in room["members"] if m["active"]], "members")


def _may(me: Principal, ward_id: str, *verbs: str) -> dict[str, bool]:
    at = Location.ward(ward_id)
    return {v: decide(me, f"warroom.{v}", at) is Decision.ALLOW for v in verbs}


@router.get("/war-rooms")
async def war_rooms(
    request: Request, me: Viewer, pool: ReadPool, clock: Clock, fresh: RoomFresh
) -> Response:
    """The war rooms the reader sees, with their figures (a convener's is usually one)."""
    freshness, (rows, more) = await fresh.beside(
        queries.war_rooms_page(
            pool, WarRoomFilters(), row_scope(me, "warroom"), clock().date(), None, ROOMS_SHOWN
        )
    )
    # The reader's own wards still without a room, where the policy lets them establish one.
    roomed = {r["ward_id"] for r in rows}
    wards = sorted(s.removeprefix("ward:") for s in me.scopes if s.startswith("ward:"))
    to_establish = [
        w
        for w in wards
        if w not in roomed and decide(me, "warroom.establish", Location.ward(w)) is Decision.ALLOW
    ]
    return page(
        request,
        "war_rooms.html",
        rooms=rows,
        more=more is not None,
        to_establish=to_establish,
        fresh=freshness,
    )


@router.get("/war-rooms/{room_id}")
async def war_room(
    request: Request,
    room_id: UUID,
    me: Viewer,
    pool: ReadPool,
    keys: DataKeys,
    app: SukumaApp,
    clock: Clock,
    fresh: RoomFresh,
) -> Response:
    # The room and the view's freshness, and the departments to seat (the catalogue this
    # process holds, read again from the event store's pool when due): at once. The households
    # its meeting form offers are read when the form asks for them (``households_offered``).
    (freshness, room), departments = await asyncio.gather(
        fresh.beside(_opened(pool, keys, me, room_id)), in_service_now(app)
    )
    today = clock().date()
    names = {m["member_id"]: m["name"] for m in room["members"]}
    # Dates (ISO text in the view) made dates only for the entries shown: a room keeps years.
    meetings = [
        {**m, "absent": agenda.absent_at(room, m), "attended": _attended(m, names)}
        for m in _dated_entries(agenda.recent_meetings(room, MEETINGS_SHOWN), "meetings")
    ]
    done = [i for i in room["action_items"] if i["status"] == "done"]
    done.sort(key=lambda i: str(i["done_on"]), reverse=True)  # ISO days sort as days
    # Each open item with its owner's name and whether it is late (not work a row in the
    # template).
    open_items = [
        {**i, "owner": names.get(i["owner_member_id"]), "late": i["due_on"] is not None}
        for i in _dated_entries(
            [i for i in room["action_items"] if i["status"] == "open"], "action_items"
        )
    ]
    for i in open_items:
        i["late"] = i["late"] and i["due_on"] < today
    may = _may(me, room["ward_id"], "member", "meeting", "action_item")
    may_read_households = _may_read(me, room["ward_id"])
    language, csrf = language_of(request), session_of(request).csrf
    room_url = f"/war-rooms/{room['war_room_id']}"
    seated = _seated(room)
    done_shown = _dated_entries(done[:DONE_SHOWN], "action_items")
    return page(
        request,
        "war_room.html",
        room=room,
        seated=seated,
        seated_rows=seated_rows(language, seated, room_url, csrf, may["member"]),
        meetings=meetings,
        meeting_rows=meeting_rows(language, meetings, may_read_households),
        earlier_meetings=len(room["meetings"]) - len(meetings),
        open_items=open_items,
        open_item_rows=open_item_rows(language, open_items, room_url, csrf, may["action_item"]),
        done_items=done_shown,
        done_rows=done_rows(language, done_shown),
        done_count=len(done),
        may=may,
        may_read_households=may_read_households,
        seats=choices("seat"),
        departments=departments,
        fresh=freshness,
        **_meeting_form(request, clock),
    )


def _meeting_form(request: Request, clock: Callable[[], datetime]) -> dict[str, Any]:
    """What a meeting form shows besides the room: its own id (the same form posted twice is
    one meeting), today and the earliest day it may record (the backdating window)."""
    window = timedelta(days=request.app.state.settings.occurred_at_window_days)
    return {
        "new_meeting_id": uuid4(),
        "today": clock().date(),
        "earliest": (clock() - window).date() + timedelta(days=1),
    }


@router.get("/war-rooms/{room_id}/households-offered")
async def households_offered(
    request: Request, room_id: UUID, me: Viewer, pool: ReadPool, app: SukumaApp
) -> Response:
    """The households the room's meeting form offers as discussed, as checkboxes for the form
    (a fragment, fetched when the form asks for them)."""
    async with pool.acquire() as db:
        ward_id = (await _row(db, me, room_id))["ward_id"]
        offered = await _offered(app, me, db, ward_id, "GET /war-rooms/{id}/households-offered")
    checks = offered_checks(language_of(request), offered)
    return page(request, "war_room_offered.html", offered=offered, offered_checks=checks)


@router.get("/war-rooms/{room_id}/meeting")
async def meeting(
    request: Request,
    room_id: UUID,
    me: Viewer,
    pool: ReadPool,
    keys: DataKeys,
    app: SukumaApp,
    clock: Clock,
) -> Response:
    """The room's meeting form on a page of its own, with the households it offers: the room's
    link to them without script."""
    room, offered = await _room_offering(app, pool, keys, me, room_id)
    language, csrf = language_of(request), session_of(request).csrf
    seated = _seated(room)
    attendance = seated_rows(language, seated, f"/war-rooms/{room_id}", csrf, False).attendance
    return page(
        request,
        "war_room_meeting.html",
        room=room,
        attendance=attendance,
        offered=offered,
        offered_checks=offered_checks(language, offered),
        may_meet=_may(me, room["ward_id"], "meeting")["meeting"],
        **_meeting_form(request, clock),
    )


def _attended(meeting: dict[str, Any], names: dict[str, str]) -> str:
    """Who attended, by name where the room knows them (joined here: a meeting's few names,
    on every meeting shown, cost the template a call each)."""
    return ", ".join(names.get(a, a) for a in meeting["attendee_member_ids"])


async def _room_offering(
    app: Sukuma, pool: asyncpg.Pool, keys: DataKeyStore, me: Principal, room_id: UUID
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    # The room's row, then its ward's households, on one connection: the pool resets a
    # connection it takes back (a round trip), once here rather than once a read.
    async with pool.acquire() as db:
        row = await _row(db, me, room_id)
        # Its text opened (in a thread) while its ward's households are read.
        room, offered = await asyncio.gather(
            _open(keys, row), _offered(app, me, db, row["ward_id"], "GET /war-rooms/{id}/meeting")
        )
    return room, offered


def _may_read(me: Principal, ward_id: str) -> bool:
    return decide(me, "household.read", Location.ward(ward_id)) is Decision.ALLOW


async def _offered(
    app: Sukuma, me: Principal, pool: Db, ward_id: str, endpoint: str
) -> list[dict[str, Any]]:
    """The households a meeting may record as discussed: the ward's with open needs, highest
    risk first, named as lists name them (none for a reader who may not read them), the names
    shown logged as read by ``endpoint``."""
    if not _may_read(me, ward_id):
        return []
    # Only their ids: the form shows nothing else of them but their names.
    ids = await household_ids_at_risk(pool, row_scope(me, "household"), ward_id, HOUSEHOLDS_OFFERED)
    rows = [{"household_id": household_id} for household_id in ids]
    # Each one's id as text and its reference, once (a checkbox shows the id three times).
    return [
        {**h, "id": str(h["household_id"]), "ref": str(h["household_id"])[:8].upper()}
        for h in await named(app, me, rows, endpoint, pool)
    ]


@router.get("/war-rooms/{room_id}/agenda")
async def next_agenda(
    request: Request,
    room_id: UUID,
    me: Viewer,
    pool: ReadPool,
    keys: DataKeys,
    app: SukumaApp,
    clock: Clock,
    fresh: RoomFresh,
) -> Response:
    """The next meeting's agenda: what the ward's data says needs the room's attention."""
    freshness, room = await fresh.beside(_room(pool, keys, me, room_id))
    today = clock().date()
    ward = room["ward_id"]
    meeting_on = agenda.next_meeting_on(room, today)
    # The ward's overdue referrals and its alert groups: independent reads, at once.
    overdue, alerts = await asyncio.gather(
        _overdue(app, me, pool, ward, today),
        alert_queries.alert_groups(
            pool, AlertFilters("open", ward=ward), me, "ward_id", AGENDA_ROWS
        ),
    )
    return page(
        request,
        "war_room_agenda.html",
        room=room,
        meeting_on=meeting_on,
        names={m["member_id"]: m["name"] for m in room["members"]},
        overdue=overdue,
        alert_groups=alerts,
        items_due=agenda.items_due(room, meeting_on),
        absences=agenda.absences(room),
        recent=len(agenda.recent_meetings(room)),
        today=today,
        fresh=freshness,
    )


async def _overdue(
    app: Sukuma, me: Principal, pool: Db, ward: str, today: date
) -> list[dict[str, Any]]:
    """The ward's overdue referrals, the most overdue first, as ``api.personal`` shows them."""
    referrals = await open_referrals(
        pool, row_scope(me, "referral"), today, ward=ward, limit=AGENDA_ROWS
    )
    overdue = [r for r in referrals if (r["days_past"] or 0) > 0]
    return await CaseRows(app, me).page(overdue, "GET /war-rooms/{id}/agenda")
