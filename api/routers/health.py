"""Liveness and readiness probes (unauthenticated, for orchestrators)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.config import ApiSettings
from api.deps import ReadPool
from projections.registry import PROJECTIONS
from projections.status import APPLICATION, EVENTS_TABLE

router = APIRouter(tags=["health"])

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


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "The database does not answer in time, or a view is stale"}},
)
async def readyz(request: Request, pool: ReadPool) -> JSONResponse:
    """Each projection's lag and liveness and the scheduler's last sweep; 503 (with the
    reasons) when the database does not answer within the timeout, a projection is further
    behind than the bound, or is behind with a silent projector."""
    settings: ApiSettings = request.app.state.settings
    try:
        live = await asyncio.wait_for(read_liveness(pool), settings.ready_timeout_seconds)
    except Exception as exc:  # any database failure or the timeout: "not ready", never a crash
        detail = str(exc) or type(exc).__name__
        return JSONResponse(
            status_code=503,
            content={"status": "unavailable", "reasons": [f"database: {detail}"]},
            headers={"Retry-After": "5"},
        )
    reasons = live.reasons(settings.ready_max_lag_events, settings.ready_heartbeat_seconds)
    body = {
        "status": "unavailable" if reasons else "ok",
        "reasons": reasons,
        "log_head": live.head,
        "projections": live.projections,
        "scheduler": live.scheduler,
    }
    return JSONResponse(status_code=503 if reasons else 200, content=body)
