"""The war rooms' read model: one row per war room, its members and action items.

Table (prefixed ``war_rooms_``): ``rooms``, scoped by ward/municipality/district like the
nerve-centre rows. ``members``, ``meetings``, ``action_items`` and ``imbizo_questions`` are JSON
lists in the order they joined, met, were agreed or raised; a member's ``name``, a meeting's
``notes``, an item's ``text`` and a question's ``question`` and ``answer`` are kept as the
event store holds them,
sealed under the war room's data key (``domain.personal_data.FREE_TEXT_PATHS``), so this table
reads no more than the event log without the master key. ``queries.open_free_text`` opens them.

``rooms_versions``: a room's row as it stood at the end of a recorded day it changed on, kept
when a later recorded day changes it again (``recorded_on`` to ``until``), for the ward's
reports as of a day (``queries.war_room``'s ``as_of``), as the case rows' versions are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
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
ROOMS_VERSIONS = f"{ROOMS}_versions"
RECORDED_ON = "recorded_on"  # the recorded day of a room's latest change

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
#: What a room's row stores: the columns read, and the recorded day of its latest change.
STORED_COLUMNS = (*ROOM_COLUMNS, RECORDED_ON)


class WarRoomsView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = ("rooms", "rooms_versions")

    def reset(self) -> None:
        self.rooms: dict[UUID, dict[str, Any]] = {}
        self.versions: list[tuple[Any, ...]] = []

    def load_rooms(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql("SELECT * FROM {t_rooms} WHERE war_room_id = ANY(%s)"), (wanted,))
            return {row["war_room_id"]: dict(row) for row in curs.fetchall()}

    def version(self, row: dict[str, Any], until: date) -> None:
        """Keep a room's row as it stood before a change recorded on a later day (``until``)."""
        self.versions.append((*_detached(row), until))

    def take(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rows = [_detached(row) for row in self.rooms.values()]
        versions = self.versions
        self.reset()
        return rows, versions

    def staged(self) -> int:
        return len(self.rooms) + len(self.versions)

    def write(
        self, curs: Cursor[DictRow], changes: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]
    ) -> None:
        rows, versions = changes
        if versions:
            columns = (*STORED_COLUMNS, "until")
            stage = self.stage(curs, "rooms_versions", columns, versions)
            cols = ", ".join(columns)
            curs.execute(
                self.sql(
                    f"INSERT INTO {{t_rooms_versions}} ({cols}) SELECT {cols} FROM {{stage}} "
                    "ON CONFLICT DO NOTHING",
                    stage=stage,
                )
            )
        if not rows:
            return
        stage = self.stage(curs, "rooms", STORED_COLUMNS, rows)
        cols = ", ".join(STORED_COLUMNS)
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in STORED_COLUMNS[1:])
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_rooms}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT (war_room_id) DO UPDATE SET {sets}",
                stage=stage,
            )
        )


def _detached(row: dict[str, Any]) -> tuple[Any, ...]:
    # As JSON text: the projection goes on changing its cached rows (and their members'
    # dicts) while a page commits.
    return tuple(
        orjson.dumps(row[c]).decode() if c in _JSON_COLUMNS else row.get(c) for c in STORED_COLUMNS
    )
