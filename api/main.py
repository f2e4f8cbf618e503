"""The FastAPI application: routers under /v1, one error table, the write model in app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from api import errors
from api.routers import fieldworkers, health, households, reference, referrals, warrooms
from domain.application import Sukuma
from sukuma.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    application: Sukuma,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """Build the HTTP app around an application (the caller owns its lifecycle)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    api = FastAPI(
        title="Sukuma",
        version="0.1.0",
        summary="Event-sourced case management for Operation Sukuma Sakhe war rooms",
        lifespan=lifespan,
    )
    api.state.settings = settings
    api.state.sukuma = application
    api.state.clock = clock
    errors.install(api)
    api.include_router(health.router)
    for module in (households, referrals, warrooms, fieldworkers, reference):
        api.include_router(module.router, prefix="/v1")
    return api
