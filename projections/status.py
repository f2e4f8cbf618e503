"""How far the views have got: their tracked positions against the event log's head."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from domain.sukuma import Sukuma
from projections.nerve_centre.view import TRACKING as NERVE_CENTRE_TRACKING
from projections.scoping import Db

APPLICATION = Sukuma.name
EVENTS_TABLE = f"{APPLICATION}_events"  # the event store's table (eventsourcing's naming)


async def positions(db: Db) -> tuple[int, int]:
    """(the nerve-centre projection's tracked position, the event log's head)."""
    row = await db.fetchrow(
        f"SELECT (SELECT max(notification_id) FROM {NERVE_CENTRE_TRACKING} "
        f"WHERE application_name = $1) AS position, "
        f"(SELECT max(notification_id) FROM {EVENTS_TABLE}) AS head",
        APPLICATION,
    )
    return int(row["position"] or 0), int(row["head"] or 0)


async def projection_status(db: Db, names: list[str], now: datetime) -> dict[str, Any]:
    """Each projection's position and lag (events, and seconds since its oldest pending event)."""
    head = int(await db.fetchval(f"SELECT max(notification_id) FROM {EVENTS_TABLE}") or 0)
    out = []
    for name in names:
        position = 0
        if await db.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{name}_tracking"):
            position = int(
                await db.fetchval(
                    f'SELECT max(notification_id) FROM "{name}_tracking" '
                    "WHERE application_name = $1",
                    APPLICATION,
                )
                or 0
            )
        lag_seconds = 0.0
        if position < head:
            state = await db.fetchval(
                f"SELECT state FROM {EVENTS_TABLE} WHERE notification_id > $1 "
                "ORDER BY notification_id LIMIT 1",
                position,
            )
            recorded = datetime.fromisoformat(orjson.loads(state)["timestamp"]["_data_"])
            lag_seconds = max(0.0, (now - recorded).total_seconds())
        out.append(
            {
                "name": name,
                "position": position,
                "lag_events": head - position,
                "lag_seconds": round(lag_seconds, 3),
            }
        )
    return {"head": head, "projections": out}
