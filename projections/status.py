"""How far the views have got: their tracked positions against the event log's head."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from domain.sukuma import Sukuma
from projections.nerve_centre.tables import TRACKING as NERVE_CENTRE_TRACKING
from projections.registry import PROJECTIONS
from projections.scoping import Db

APPLICATION = Sukuma.name
EVENTS_TABLE = f"{APPLICATION}_events"  # the event store's table (eventsourcing's naming)


def position_columns(tracking: str, application: str) -> str:
    """A select list's ``position`` (of the view tracked in ``tracking``) and ``head`` (the
    log's), ``application`` being the placeholder bound to ``APPLICATION``: scalar subqueries,
    so a read of a view's rows can carry them in its own statement (``positions_of``)."""
    return (
        f"(SELECT max(notification_id) FROM {tracking} WHERE application_name = {application}) "
        f"AS position, (SELECT max(notification_id) FROM {EVENTS_TABLE}) AS head"
    )


def positions_of(row: Mapping[str, Any]) -> tuple[int, int]:
    """(position, head) from a row with ``position_columns`` (none yet: 0)."""
    return int(row["position"] or 0), int(row["head"] or 0)


async def positions(db: Db, tracking: str = NERVE_CENTRE_TRACKING) -> tuple[int, int]:
    """(a projection's tracked position, the nerve centre's by default; the log's head)."""
    return positions_of(
        await db.fetchrow(f"SELECT {position_columns(tracking, '$1')}", APPLICATION)
    )


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


# One round trip: each projection's tracked position beside the log's head.
_POSITIONS = " UNION ALL ".join(
    f"SELECT '{name}' AS name, (SELECT max(notification_id) FROM {name}_tracking"
    " WHERE application_name = $1) AS position"
    for name in PROJECTIONS
)
_HEAD = f"SELECT max(notification_id) FROM {EVENTS_TABLE}"
_BEATS = (
    "SELECT worker, position, beat_at, detail,"
    " extract(epoch FROM clock_timestamp() - beat_at)::float8 AS age FROM sukuma_heartbeats"
)


@dataclass
class Liveness:
    """The log head, each projection's position and heartbeat, the scheduler's last sweep."""

    head: int
    projections: dict[str, dict[str, Any]] = field(default_factory=dict)
    scheduler: dict[str, Any] | None = None

    def reasons(self, max_lag: int, heartbeat_seconds: float) -> list[str]:
        """Why the views cannot be trusted (empty: ready)."""
        out = []
        for name, p in self.projections.items():
            if p["lag_events"] > max_lag:
                out.append(f"{name}: {p['lag_events']} events behind (bound {max_lag})")
            # Caught up, a silent projector is harmless; behind, nothing will catch it up.
            if p["lag_events"] > 0 and not _alive(p["heartbeat_age_seconds"], heartbeat_seconds):
                age = p["heartbeat_age_seconds"]
                silent = "never" if age is None else f"not for {age:.0f} s"
                out.append(f"{name}: projector dead (heartbeat {silent}, lag {p['lag_events']})")
        return out


def _alive(age: float | None, heartbeat_seconds: float) -> bool:
    return age is not None and age <= heartbeat_seconds


async def read_liveness(pool: asyncpg.Pool) -> Liveness:
    async with pool.acquire() as db:
        head = int(await db.fetchval(_HEAD) or 0)
        positions = {
            r["name"]: int(r["position"] or 0) for r in await db.fetch(_POSITIONS, APPLICATION)
        }
        beats = {r["worker"]: r for r in await db.fetch(_BEATS)}
    live = Liveness(head)
    for name, position in positions.items():
        beat = beats.get(f"projection:{name}")
        live.projections[name] = {
            "position": position,
            "lag_events": max(0, head - position),
            "heartbeat_at": beat["beat_at"].isoformat() if beat else None,
            "heartbeat_age_seconds": round(beat["age"], 1) if beat else None,
        }
    sweep = beats.get("scheduler")
    if sweep is not None:
        live.scheduler = {
            "last_sweep_at": sweep["beat_at"].isoformat(),
            "age_seconds": round(sweep["age"], 1),
            "kind": sweep["detail"],
        }
    return live
