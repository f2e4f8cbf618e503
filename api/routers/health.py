"""Liveness and readiness probes (unauthenticated, for orchestrators)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.config import ApiSettings
from api.deps import ReadPool
from projections.status import read_liveness

router = APIRouter(tags=["health"])


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
