"""The FastAPI application: routers under /v1, one error table, the write model in app.state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI

from api import errors
from api.routers import (
    alerts,
    fieldworkers,
    health,
    households,
    indicators,
    reference,
    referrals,
    views,
    warrooms,
)
from domain.application import Sukuma
from projections.registry import open_projections
from sukuma.database import asyncpg_connect_kwargs
from sukuma.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    application: Sukuma,
    *,
    clock: Callable[[], datetime] = utc_now,
    database_url: str | None = None,
) -> FastAPI:
    """Build the HTTP app around an application (the caller owns its lifecycle)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The embedded server's URL is only known once it runs, so it may be passed apart.
        url = database_url or settings.database_url
        if url is None:
            raise RuntimeError("create_app needs a database URL (or settings.database_url)")
        # The views' tables exist before the first read, even before a projector has run.
        await asyncio.to_thread(open_projections, application.factory.datastore)  # type: ignore[attr-defined]
        # The read side: async queries over the projections' tables (never the event store API).
        app.state.read_pool = await asyncpg.create_pool(
            min_size=settings.read_pool_min_size,
            max_size=settings.read_pool_max_size,
            **asyncpg_connect_kwargs(url, settings.schema_for(url)),
        )
        try:
            yield
        finally:
            await app.state.read_pool.close()

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
    # Before the resource routers: /field-workers/activity must not match /field-workers/{id}.
    api.include_router(views.router, prefix="/v1")
    api.include_router(indicators.router, prefix="/v1")
    api.include_router(alerts.router, prefix="/v1")
    for module in (households, referrals, warrooms, fieldworkers, reference):
        api.include_router(module.router, prefix="/v1")
    return api
