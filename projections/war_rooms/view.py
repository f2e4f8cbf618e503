"""The war rooms' read model: one row per war room, its members and action items.

Table (prefixed ``war_rooms_``): ``rooms``, scoped by ward/municipality/district like the
nerve-centre rows. ``members``, ``meetings``, ``action_items`` and ``imbizo_questions`` are JSON
lists in the order they joined, met, were agreed or raised; a member's ``name``, a meeting's
``notes``, an item's ``text`` and a question's ``question`` and ``answer`` are kept as the
event store holds them,
sealed under the war room's data key (``domain.personal_data.FREE_TEXT_PATHS``), so this table
reads no more than the event log without the master key. ``queries.open_free_text`` opens them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from uuid import UUID

import orjson
from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

# The live tables' names, for every query outside this module.
NAME = "war_rooms"
TRACKING = f"{NAME}_tracking"
ROOMS = f"{NAME}_rooms"

ROOM_COLUMNS = (
    "war_room_id",
    "ward_id",
    "municipality",
    "district",
    "name",
    "meeting_cadence_days",
    "established_on",
    "last_meeting_on",
    "meetings_held",
    "members",
    "meetings",
    "action_items",
    "imbizo_questions",
    "version",
    "position",
)
_JSON_COLUMNS = frozenset({"members", "meetings", "action_items", "imbizo_questions"})


class WarRoomsView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = ("rooms",)

    def reset(self) -> None:
        self.rooms: dict[UUID, dict[str, Any]] = {}

    def load_rooms(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql("SELECT * FROM {t_rooms} WHERE war_room_id = ANY(%s)"), (wanted,))
            return {row["war_room_id"]: dict(row) for row in curs.fetchall()}

    def take(self) -> list[tuple[Any, ...]]:
        # Detached as JSON text: the projection goes on changing its cached rows (and their
        # members' dicts) while a page commits.
        rows = [
            tuple(
                orjson.dumps(row[c]).decode() if c in _JSON_COLUMNS else row[c]
                for c in ROOM_COLUMNS
            )
            for row in self.rooms.values()
        ]
        self.reset()
        return rows

    def write(self, curs: Cursor[DictRow], changes: list[tuple[Any, ...]]) -> None:
        if not changes:
            return
        stage = self.stage(curs, "rooms", ROOM_COLUMNS, changes)
        cols = ", ".join(ROOM_COLUMNS)
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in ROOM_COLUMNS[1:])
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_rooms}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT (war_room_id) DO UPDATE SET {sets}",
                stage=stage,
            )
        )
