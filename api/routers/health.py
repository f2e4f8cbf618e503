"""Liveness and readiness probes (unauthenticated, for orchestrators)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SukumaApp

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The event store does not answer"}})
def readyz(app: SukumaApp) -> JSONResponse:
    """The event store answers."""
    try:
        head = app.recorder.max_notification_id()
    except Exception as exc:  # any database failure means "not ready", never a crash
        return JSONResponse(status_code=503, content={"status": "unavailable", "detail": str(exc)})
    return JSONResponse(content={"status": "ok", "log_head": head or 0})
