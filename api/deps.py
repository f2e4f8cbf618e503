"""Dependency aliases: the application, the acting user, the command runner, the read pool."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

import asyncpg
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from pydantic import WithJsonSchema

from adapters.idempotency import request_fingerprint
from api.auth.service import Auth, NotAuthenticated
from api.auth.tokens import InvalidToken
from api.commands import CommandRunner
from api.errors import BadHeader
from domain.access.policy import RowScope, row_scope
from domain.access.principal import Principal
from domain.sukuma import Sukuma


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


class SignedInBearer(OAuth2PasswordBearer):
    """The bearer scheme (documented as OAuth2 password flow) that also verifies the token.

    One dependency rather than a verifier over the scheme: FastAPI solves each node of a
    route's dependency tree on every request, and this one runs for every /v1 route.
    """

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        """Who is acting: the verified access token's principal, while its user is still
        active at the token's generation (a cached check: no database round trip on most
        requests). Left on ``request.state`` for ``acting_principal``."""
        token = await super().__call__(request)
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


#: The /v1 routers' dependency (``api.main``).
current_principal = SignedInBearer(
    tokenUrl="/v1/auth/token", auto_error=False, scheme_name="OAuth2PasswordBearer"
)


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
    route outside the authenticated routers asks for it)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        principal = await current_principal(request)
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


async def war_room_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "warroom")


#: The rows of a list or export the caller may see (rendered in SQL by ``projections.scoping``).
HouseholdRows = Annotated[RowScope, Depends(household_rows)]
ReferralRows = Annotated[RowScope, Depends(referral_rows)]
WarRoomRows = Annotated[RowScope, Depends(war_room_rows)]


def parse_if_match(value: str | None) -> int | None:
    """``If-Match: "3"`` (or ``3``, or ``W/"3"``) names the version the client last saw."""
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadHeader("If-Match", f'expected an aggregate version such as "3", got {value!r}')
    return int(raw)


#: Longest ``Idempotency-Key`` kept (a UUID is 36; the bound keeps receipts small).
MAX_IDEMPOTENCY_KEY = 255


def parse_idempotency_key(value: str | None) -> str | None:
    if value is not None and not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY:
        raise BadHeader(
            "Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters, got {len(value)}"
        )
    return value


# Declared with no constraints for FastAPI to check: the parsers above refuse a bad value with
# the answer clients already get (422 naming the header). The schemas say what a valid value
# is (a header is a string when sent, never null).
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description="Expected version (the ETag read); a stale one answers 412."
    ),
    WithJsonSchema({"type": "string", "title": "If-Match", "pattern": r'^(W/)?"?[0-9]{1,9}"?$'}),
]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retry-safe key for this request."),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_IDEMPOTENCY_KEY,
            "title": "Idempotency-Key",
        }
    ),
]


def runner_for(
    request: Request,
    principal: Principal,
    *,
    expected_version: int | None,
    idempotency_key: str | None,
    fingerprint: str,
) -> CommandRunner:
    """A command runner acting as ``principal`` with the app's application, window and clock
    (one per route call, or one per item of an offline-sync batch)."""
    state = request.app.state
    window_days: int = state.settings.occurred_at_window_days
    return CommandRunner(
        application=state.sukuma,
        actor=principal.actor,
        principal=principal,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        window=timedelta(days=window_days),
        clock=state.clock,
        request=request,
        idempotency_wait=state.settings.idempotency_wait_seconds,
    )


async def command_runner(
    request: Request,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandRunner:
    """Everything a command route needs from the request, in one dependency (the principal
    read here rather than declared: a dependency node fewer for FastAPI to solve per command)."""
    principal = await acting_principal(request)
    # FastAPI has read the body already (for the route's model); retries are recognised by it.
    return build_runner(request, principal, if_match, idempotency_key, await request.body())


def build_runner(
    request: Request,
    principal: Principal,
    if_match: str | None,
    idempotency_key: str | None,
    body: bytes,
) -> CommandRunner:
    """A command runner whose retries are recognised by ``body`` (for a route whose request
    FastAPI has streamed rather than kept: a multipart upload's file)."""
    return runner_for(
        request,
        principal,
        expected_version=parse_if_match(if_match),
        idempotency_key=parse_idempotency_key(idempotency_key),
        # The scope's path, as the receipts already stored were fingerprinted.
        fingerprint=request_fingerprint(request.method, request.scope["path"], body),
    )


Command = Annotated[CommandRunner, Depends(command_runner)]
