"""The war-rooms view's reads (asyncpg), always scoped, and the opening of its sealed text.

A list page carries each room's figures (members seated, departments with a seat, action
items open and overdue); one room's read carries its members, meetings and action items whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.data_keys import DataKeyStore
from adapters.shredding import is_sealed, unseal
from domain.access.policy import RowScope
from domain.personal_data import ERASED
from projections.scoping import Db, Where, scoped
from projections.war_rooms.view import RECORDED_ON, ROOM_COLUMNS, ROOMS, ROOMS_VERSIONS

#: The sealed fields of each list, as the event store's paths name them (FREE_TEXT_PATHS).
SEALED: dict[str, tuple[str, ...]] = {
    "members": ("name",),
    "meetings": ("notes",),
    "action_items": ("text",),
    "imbizo_questions": ("question", "answer"),
}
#: A list entry: the room's plain columns and its figures, computed by the server from the
#: JSON lists (only the figures travel, however many items a room has agreed over the years).
_SEATED = "FROM jsonb_array_elements(members) m WHERE (m->>'active')::boolean"
_OPEN = "FROM jsonb_array_elements(action_items) i WHERE i->>'status' = 'open'"
LIST_SELECT = ", ".join(
    [
        *(c for c in ROOM_COLUMNS if c not in SEALED),
        f"(SELECT count(*) {_SEATED})::int AS members_seated",
        "(SELECT coalesce(array_agg(DISTINCT m->>'department' ORDER BY m->>'department'), "
        f"ARRAY[]::text[]) {_SEATED} AND m->>'department' IS NOT NULL) AS departments_seated",
        f"(SELECT count(*) {_OPEN})::int AS action_items_open",
        f"(SELECT count(*) {_OPEN} AND (i->>'due_on')::date < {{today}})::int "
        "AS action_items_overdue",
    ]
)


@dataclass(frozen=True)
class WarRoomFilters:
    ward: str | None = None
    municipality: str | None = None
    district: str | None = None


def _row(record: Any) -> dict[str, Any]:
    row = dict(record)
    for column in SEALED:
        row[column] = orjson.loads(row[column])
    return row


async def war_rooms_page(
    db: Db,
    filters: WarRoomFilters,
    scope: RowScope,
    today: date,
    after: UUID | None,
    limit: int,
) -> tuple[list[dict[str, Any]], UUID | None]:
    """Up to ``limit`` war rooms the caller sees after key ``after`` in id order, and the
    next page's key."""
    q = Where()
    today_arg = q.arg(today)
    scoped(q, scope)
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    q.where("war_room_id > {}", after)
    rows = await db.fetch(
        f"SELECT {LIST_SELECT.format(today=today_arg)} FROM {ROOMS}{q.clause()} "
        f"ORDER BY war_room_id LIMIT {int(limit) + 1}",
        *q.args,
    )
    page = [dict(r) for r in rows[:limit]]
    return page, (page[-1]["war_room_id"] if len(rows) > limit else None)


async def war_room(
    db: Db, room_id: UUID, scope: RowScope, as_of: date | None = None
) -> dict[str, Any] | None:
    """One war room's row with its members, meetings and action items (text still sealed), or None
    if it does not exist or the caller does not see it; with ``as_of``, as it stood at the end
    of that day (by recorded time: None if it was not established by then)."""
    q = Where()
    scoped(q, scope)
    q.where("war_room_id = {}", room_id)
    source = ROOMS
    if as_of is not None:
        day, key = q.arg(as_of), q.arg(room_id)
        columns = ", ".join(ROOM_COLUMNS)
        source = (
            f"(SELECT {columns} FROM {ROOMS} WHERE war_room_id = {key} "
            f"AND {RECORDED_ON} <= {day} UNION ALL SELECT {columns} FROM {ROOMS_VERSIONS} "
            f"WHERE war_room_id = {key} AND {RECORDED_ON} <= {day} AND until > {day}) AS r"
        )
    record = await db.fetchrow(
        f"SELECT {', '.join(ROOM_COLUMNS)} FROM {source}{q.clause()}", *q.args
    )
    return None if record is None else _row(record)


def open_free_text(keys: DataKeyStore, row: dict[str, Any]) -> dict[str, Any]:
    """The row with its names, notes and items' text opened by the war room's data key
    (blocking: the key may be read from the database). Text stored before sealing existed is
    plain already; with no key left it reads as erased."""
    room_id: UUID = row["war_room_id"]
    key = keys.key(room_id)
    cipher = AESGCM(key) if isinstance(key, bytes) else None

    def opened(value: Any, field: str) -> Any:
        if not is_sealed(value):
            return value
        return ERASED if cipher is None else unseal(cipher, room_id, (field,), value)

    return {
        **row,
        **{
            column: [
                {**entry, **{field: opened(entry[field], field) for field in fields}}
                for entry in row[column]
            ]
            for column, fields in SEALED.items()
        },
    }
