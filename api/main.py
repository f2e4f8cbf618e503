"""The FastAPI application: routers under /v1, one error table, the write model in app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter

from adapters.database import asyncpg_connect_kwargs
from api import errors, metrics
from api.auth.service import Auth
from api.config import ApiSettings
from api.deps import COMMAND_HEADERS, command_runner, current_principal
from api.routers import (
    alerts,
    audit,
    auth,
    fieldworkers,
    health,
    households,
    indicators,
    privacy,
    reference,
    referrals,
    users,
    views,
    warrooms,
)
from api.schemas.common import REFUSED
from domain.sukuma import Sukuma

#: The authenticated routers, in matching order: the field's commands first (most requests);
#: the views before the field workers' routes (/field-workers/activity is not /{worker_id}).
ROUTER_MODULES = (
    households, privacy, referrals, warrooms, views,
    indicators, alerts, fieldworkers, users, reference, audit,
)  # fmt: skip


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: ApiSettings,
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
        # Opt-in: with it off, requests skip FastAPI's per-request telemetry checks. Its log
        # records stay off even then: validation failures would carry personal data.
        telemetry={"tracing": settings.telemetry, "metrics": settings.telemetry, "logs": False},
    )
    api.state.settings = settings
    api.state.sukuma = application
    api.state.clock = clock
    api.state.auth = Auth.build(settings, application, clock)
    errors.install(api)
    metrics.install(api)  # /metrics and request timing
    # Public: health checks, sign-in (and /v1/me, which needs the token it reads), the docs.
    api.include_router(health.router)
    api.include_router(auth.router, prefix="/v1")
    # Everything else needs a valid token: a router added here is authenticated, and its
    # objects are scoped by the access policy (domain.access.policy) in the application.
    # Each is included straight into the app (not through a /v1 router of routers): FastAPI
    # matches nested inclusions level by level on every request.
    signed_in = [Depends(current_principal)]
    for module in ROUTER_MODULES:
        _document_command_headers(module.router)
        api.include_router(module.router, prefix="/v1", dependencies=signed_in, responses=REFUSED)
    return api


def _document_command_headers(router: APIRouter) -> None:
    """List If-Match and Idempotency-Key on every route that runs commands (the command
    runner reads them from the request, so FastAPI cannot see them). Before the router is
    included: the app's view of an included route copies its ``openapi_extra`` when built."""
    for route in router.routes:
        if not isinstance(route, APIRoute) or not _runs_commands(route.dependant):
            continue
        extra = route.openapi_extra or {}
        documented = extra.get("parameters", [])
        if not any(p.get("name") == "Idempotency-Key" for p in documented):  # routes are shared
            route.openapi_extra = {**extra, "parameters": [*documented, *COMMAND_HEADERS]}


def _runs_commands(dependant: Dependant) -> bool:
    return any(d.call is command_runner or _runs_commands(d) for d in dependant.dependencies)
