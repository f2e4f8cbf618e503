"""The FastAPI application: routers under /v1, one error table, the write model in app.state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from anyio import to_thread
from fastapi import Depends, FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from adapters.database import asyncpg_connect_kwargs
from api import docs, errors, links, metrics, route_groups
from api.auth.service import Auth
from api.config import ApiSettings
from api.deps import current_principal
from api.feedback.service import Feedback
from api.middleware import BodyLimit, SecurityHeaders
from api.openrosa import http as openrosa
from api.ratelimit import ClientRateLimit
from api.routers import (
    alerts,
    attachments,
    audit,
    auth,
    caseloads,
    conflicts,
    delivery,
    devices,
    duplicates,
    feedback,
    fieldworkers,
    health,
    households,
    imports,
    indicators,
    open_data,
    privacy,
    quarantine,
    reference,
    referrals,
    solutions,
    stocktakes,
    sync,
    taskteams,
    users,
    views,
    warrooms,
)
from api.schemas.common import REFUSED
from domain.sukuma import Sukuma

#: The authenticated routers, in matching order: the field's commands first (most requests);
#: the views before the field workers' routes (/field-workers/activity is not /{worker_id}).
ROUTER_MODULES = (
    households, attachments, privacy, referrals, sync, warrooms, views,
    indicators, alerts, fieldworkers, users, reference, audit, devices, quarantine,
    imports, conflicts, caseloads, duplicates, feedback, delivery, taskteams, stocktakes,
    solutions,
)  # fmt: skip


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: ApiSettings,
    application: Sukuma,
    *,
    clock: Callable[[], datetime] = utc_now,
    database_url: str | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> FastAPI:
    """Build the HTTP app around an application (the caller owns its lifecycle; a worker
    process's app closes it with ``on_shutdown``, run in a thread when the app stops)."""

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
            # Bounded waits: a connection (or a reconnection after an outage) and a query.
            timeout=settings.database_connect_timeout,
            command_timeout=settings.database_command_timeout,
            connect=_connect,
            **asyncpg_connect_kwargs(url, settings.schema_for(url)),
        )
        # Blocking work (commands, event-store reads) at most as many at once as the event
        # store has connections: the rest wait here, unhurried, rather than at the pool, whose
        # tries (SUKUMA_WRITE_POOL_TIMEOUT) end in 503 when a burst outnumbers it.
        to_thread.current_default_thread_limiter().total_tokens = (
            settings.write_pool_size + settings.write_pool_max_overflow
        )
        try:
            yield
        finally:
            await app.state.read_pool.close()
            if on_shutdown is not None:
                await asyncio.to_thread(on_shutdown)

    api = FastAPI(
        title="Sukuma",
        version="0.1.0",
        summary="Event-sourced case management for Operation Sukuma Sakhe war rooms",
        lifespan=lifespan,
        # The docs pages come from api.docs, with their assets served from the package.
        docs_url=None,
        redoc_url=None,
        # Opt-in: with it off, requests skip FastAPI's per-request telemetry checks. Its log
        # records stay off even then: validation failures would carry personal data.
        telemetry={"tracing": settings.telemetry, "metrics": settings.telemetry, "logs": False},
    )
    api.state.settings = settings
    api.state.sukuma = application
    api.state.clock = clock
    api.state.auth = Auth.build(settings, application, clock)
    errors.install(api)
    metrics.install(api)  # request timing
    # Outermost last: the client's address from a trusted proxy, the headers (on a 413 too),
    # then the size limit.
    api.add_middleware(BodyLimit, max_bytes=settings.max_request_body_bytes)
    api.add_middleware(SecurityHeaders)
    # Everything else needs a valid token: a router added here is authenticated, and its
    # objects are scoped by the access policy (domain.access.policy) in the application.
    # Each in a group of its own (api.route_groups): a request skips a router that cannot
    # match its path without trying its routes one by one.
    signed_in = [Depends(current_principal)]
    for module in ROUTER_MODULES:
        route_groups.include(
            api, module.router, prefix="/v1", dependencies=signed_in, responses=REFUSED
        )
    # Routes outside the schema after the /v1 routers, which most requests are for: a command
    # no longer tries their five paths (and the docs' mount) on its way to its own router.
    metrics.install_route(api)  # /metrics
    docs.install(api)  # /docs, /redoc and their assets under /docs-assets
    # Field apps (ODK Collect): HTTP Basic or a device token, never the bearer token.
    openrosa.install(api)
    if settings.trusted_proxies:
        # X-Forwarded-For only from these (the sign-in throttle counts per address); servers
        # run with uvicorn's own proxy headers off, so no other address is ever trusted.
        api.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    # Public: health checks, sign-in (and /v1/me, which needs the token it reads), the docs.
    route_groups.include(api, health.router)
    route_groups.include(api, auth.router, prefix="/v1")
    # Open data: published releases only, for anyone, limited per client address.
    api.state.open_data_limit = ClientRateLimit("open-data", settings.open_data_rate_limit)
    route_groups.include(api, open_data.router)
    # Citizen feedback: a household's answer with its code (guesses throttled per address).
    api.state.feedback = Feedback(
        application,
        settings.secret_key.get_secret_value(),
        settings.login_window_seconds,
        settings.feedback_max_failures_per_address,
        settings.feedback_code_days,
    )
    route_groups.include(api, feedback.public)
    links.install(api)  # the schema's OpenAPI links, from one answer to the next request
    _document_public_first(api)
    return api


#: The public routers, matched after the /v1 routers (a command is then matched against the
#: routes of its own router, not theirs first) but documented first, as they always were.
PUBLIC_ROUTERS = (
    (health.router, ""),
    (auth.router, "/v1"),
    (open_data.router, ""),
    (feedback.public, ""),
)


def _document_public_first(api: FastAPI) -> None:
    """The schema's paths in their documented order: the public routes' first."""
    build = api.openapi
    public = [prefix + route.path for router, prefix in PUBLIC_ROUTERS for route in router.routes]  # type: ignore[attr-defined]

    def openapi() -> dict[str, Any]:
        schema = build()
        paths: dict[str, Any] = schema["paths"]
        first = [path for path in dict.fromkeys(public) if path in paths]
        if list(paths)[: len(first)] != first:  # once: the schema is built and kept
            schema["paths"] = {**{p: paths[p] for p in first}, **paths}
        return schema

    api.openapi = openapi  # type: ignore[method-assign]


async def _connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    """asyncpg's connect, with an unreachable server always a ConnectionError (a missing
    unix socket is a FileNotFoundError otherwise): the error table answers it with 503."""
    try:
        return await asyncpg.connect(*args, **kwargs)
    except ConnectionError:
        raise
    except OSError as exc:
        raise ConnectionError(f"cannot reach the database: {exc}") from exc
