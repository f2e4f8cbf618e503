"""Sign-in (OAuth2 password flow, with a rotating refresh token) and the caller's identity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator

from api.auth.service import Auth, NotAuthenticated
from api.auth.throttle import use_refresh_token
from api.auth.tokens import InvalidToken, TokenPair
from api.deps import Clock, CurrentUser, ReadPool, get_auth
from api.schemas.common import REFUSED, ErrorRead, plain_text
from api.schemas.users import MeRead, TokenRead
from domain.context import CommandContext

router = APIRouter(tags=["auth"])

AuthService = Annotated[Auth, Depends(get_auth)]
#: A NUL or a lone surrogate is refused here too, naming the field (as in every body).
FormText = Annotated[str | None, Form(max_length=4096), BeforeValidator(plain_text)]
#: No control characters (a NUL byte cannot even reach PostgreSQL): refused as a 422.
UserName = Annotated[str | None, Form(max_length=4096, pattern=r"^[^\x00-\x1f\x7f]*$")]


def _missing(field: str, grant_type: str) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "type": "missing",
                "loc": ("body", field),
                "msg": f"required for grant_type={grant_type}",
                "input": None,
            }
        ]
    )


def _token_read(pair: TokenPair) -> TokenRead:
    return TokenRead(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


@router.post(
    "/auth/token",
    responses={
        401: {"model": ErrorRead, "description": "Wrong credentials, or a refused refresh token"},
        429: {"model": ErrorRead, "description": "Too many failed sign-ins; see Retry-After"},
    },
)
async def issue_token(
    request: Request,
    auth: AuthService,
    pool: ReadPool,
    clock: Clock,
    grant_type: Annotated[str, Form(pattern="^(password|refresh_token)$")] = "password",
    username: UserName = None,
    password: FormText = None,
    refresh_token: FormText = None,
) -> TokenRead:
    """Sign in with ``username`` and ``password`` (form-encoded, OAuth2 password flow), or
    renew with ``grant_type=refresh_token``: each refresh token works once and is replaced."""
    now = clock()
    if grant_type == "refresh_token":
        return await _refresh(auth, pool, refresh_token, now)
    if not username or password is None:
        raise _missing("password" if username else "username", "password")
    address = request.client.host if request.client else "unknown"
    user = await auth.password_sign_in(pool, username, password, address, now)
    return _token_read(auth.tokens.issue(user.principal, user.generation))


async def _refresh(auth: Auth, pool: ReadPool, token: str | None, now: datetime) -> TokenRead:
    if not token:
        raise _missing("refresh_token", "refresh_token")
    try:
        claims = auth.tokens.verify_refresh(token)
    except InvalidToken as exc:
        raise NotAuthenticated(str(exc)) from None
    if not await use_refresh_token(pool, claims.jti, claims.expires_at, now):
        # A refresh token works once: a second use means it was copied, and which of the two
        # holders is the thief is unknown, so every session of the user ends (both chains).
        await run_in_threadpool(_end_sessions, auth, claims.user_id, now)
        raise NotAuthenticated("this refresh token was already used")
    user = await run_in_threadpool(auth.current_user, claims.user_id)
    if user is None or not user.active or user.generation != claims.generation:
        raise NotAuthenticated("the session has ended")
    return _token_read(auth.tokens.issue(user.principal, user.generation))


def _end_sessions(auth: Auth, user_id: str, now: datetime) -> None:
    user = auth.current_user(user_id)
    if user is None or not user.active:
        return
    ctx = CommandContext(actor="system:auth", occurred_at=now)
    try:
        auth.application.end_sessions(user.id, "refresh token reused", ctx)
    finally:
        auth.states.forget(user_id)


@router.get("/me", responses={401: REFUSED[401]})
async def me(user: CurrentUser) -> MeRead:
    """Who the token says the caller is: roles, scopes, and whether it may read personal data."""
    return MeRead.of(user)
