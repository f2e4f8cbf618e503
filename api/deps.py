"""Dependency aliases: the application, the acting user, the command runner, the read pool."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

import asyncpg
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from api.auth.service import Auth, NotAuthenticated
from api.auth.tokens import InvalidToken
from api.commands import CommandRunner
from api.errors import BadHeader
from domain.access.policy import RowScope, row_scope
from domain.access.principal import Principal
from domain.application import Sukuma
from sukuma.persistence import request_fingerprint


async def get_application(request: Request) -> Sukuma:
    application: Sukuma = request.app.state.sukuma
    return application


async def get_clock(request: Request) -> Callable[[], datetime]:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


async def get_read_pool(request: Request) -> asyncpg.Pool:
    """The asyncpg pool of the read side, opened by the app's lifespan."""
    pool: asyncpg.Pool | None = getattr(request.app.state, "read_pool", None)
    if pool is None:
        raise RuntimeError("the read pool is opened in the app's lifespan: run it (uvicorn does)")
    return pool


# Trivial dependencies are async: a sync one would cost a threadpool hop per request.
SukumaApp = Annotated[Sukuma, Depends(get_application)]
Clock = Annotated[Callable[[], datetime], Depends(get_clock)]
ReadPool = Annotated[asyncpg.Pool, Depends(get_read_pool)]


async def get_auth(request: Request) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


async def current_principal(
    request: Request, token: Annotated[str | None, Depends(bearer)]
) -> Principal:
    """Who is acting: the verified access token's principal, while its user is still active at
    the token's generation (a cached check: no database round trip on most requests).

    The /v1 router runs this for every route; it leaves the principal on ``request.state`` so
    that routes reach it through ``acting_principal`` (one step) rather than solving this
    dependency tree again: FastAPI re-walks a cached dependency's sub-dependencies per use.
    """
    auth: Auth = request.app.state.auth
    if not token:
        raise NotAuthenticated("missing bearer token", error=None)
    if auth.external is not None and auth.external.issued(token):
        try:
            principal: Principal = await run_in_threadpool(auth.external.verify, token)
        except InvalidToken as exc:
            raise NotAuthenticated(str(exc)) from None
    else:
        principal = await _signed_in(auth, token)
    request.state.principal = principal
    return principal


async def _signed_in(auth: Auth, token: str) -> Principal:
    try:
        claims = auth.tokens.verify_access(token)
    except InvalidToken as exc:
        raise NotAuthenticated(str(exc)) from None
    user_id = claims.principal.user_id
    hit, state = auth.states.cached(user_id)
    if not hit:
        state = await run_in_threadpool(auth.states.load, user_id)
    if state is None or not state.active or state.generation != claims.generation:
        raise NotAuthenticated("the session has ended")
    return claims.principal


async def acting_principal(request: Request) -> Principal:
    """The principal ``current_principal`` verified for this request (verified here when a
    route outside the authenticated router asks for it)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        principal = await current_principal(request, await bearer(request))
    return principal


CurrentUser = Annotated[Principal, Depends(acting_principal)]


async def current_actor(principal: CurrentUser) -> str:
    """What events record as ``actor``: the principal's user name."""
    return principal.actor


Actor = Annotated[str, Depends(current_actor)]


async def household_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "household")


async def referral_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "referral")


#: The rows of a list or export the caller may see (rendered in SQL by ``api.readmodels``).
HouseholdRows = Annotated[RowScope, Depends(household_rows)]
ReferralRows = Annotated[RowScope, Depends(referral_rows)]


def parse_if_match(value: str | None) -> int | None:
    """``If-Match: "3"`` (or ``3``, or ``W/"3"``) names the version the client last saw."""
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadHeader("If-Match", f'expected an aggregate version such as "3", got {value!r}')
    return int(raw)


async def command_runner(
    request: Request,
    principal: CurrentUser,
    if_match: Annotated[str | None, Header(description="Expected version (the ETag read).")] = None,
    idempotency_key: Annotated[
        str | None,
        Header(min_length=1, max_length=255, description="Retry-safe key for this request."),
    ] = None,
) -> CommandRunner:
    # The body is read here (async) so retries can be recognised by content; starlette caches it.
    body = await request.body()
    fingerprint = request_fingerprint(request.method, request.url.path, body)
    state = request.app.state  # not dependencies: each costs FastAPI a walk per request
    window_days: int = state.settings.occurred_at_window_days
    return CommandRunner(
        application=state.sukuma,
        actor=principal.actor,
        principal=principal,
        expected_version=parse_if_match(if_match),
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        window=timedelta(days=window_days),
        clock=state.clock,
    )


Command = Annotated[CommandRunner, Depends(command_runner)]
