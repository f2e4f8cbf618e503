"""Signing in and out, the landing page by role, and the language switch."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.auth.service import Auth, NotAuthenticated, TooManyAttempts
from api.deps import Clock, ReadPool, SukumaApp, get_auth
from domain.access.principal import Principal, Role
from domain.context import CommandContext
from web import oidc_renewal
from web.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.labels import N_
from web.oidc import sign_in_link
from web.render import local_path, page, redirect
from web.session import Csrf, end, session_of, start

router = APIRouter(include_in_schema=False)

#: Where each role starts its day, first match wins (a user may hold several roles).
LANDING = (
    (Role.CONVENER, "/board"),
    (Role.DEPARTMENT_OFFICER, "/inbox"),
    (Role.ANALYST, "/nerve-centre"),
    (Role.FIELD_WORKER, "/my-households"),
    (Role.ADMIN, "/users"),
)
Text = Annotated[str, Form(max_length=4096, pattern=r"^[^\x00-\x1f\x7f]*$")]
Next = Annotated[str, Form(max_length=2048)]
AuthService = Annotated[Auth, Depends(get_auth)]


def is_local(me: Principal) -> bool:
    """A user of Sukuma's own store (an identity provider's users have ``oidc:`` ids)."""
    try:
        UUID(me.user_id)
    except ValueError:
        return False
    return True


@router.get("/")
async def landing(request: Request) -> Response:
    me = session_of(request).principal()
    if me is None:
        return redirect(request, "/sign-in")
    for role, path in LANDING:
        if me.has_role(role):
            return redirect(request, path)
    return page(request, "home.html")


@router.get("/sign-in")
async def sign_in_form(request: Request, next: str = "/") -> Response:
    return page(
        request, "sign_in.html", next=local_path(next), provider=sign_in_link(request, next)
    )


@router.post("/sign-in", dependencies=[Csrf])
async def sign_in(
    request: Request,
    auth: AuthService,
    pool: ReadPool,
    clock: Clock,
    username: Text,
    password: Annotated[str, Form(max_length=4096)],
    next: Next = "/",
) -> Response:
    """The same check and the same failed sign-in throttle as ``POST /v1/auth/token``."""
    address = request.client.host if request.client else "unknown"
    again = {
        "next": local_path(next),
        "username": username,
        "provider": sign_in_link(request, next),
    }
    try:
        user = await auth.password_sign_in(pool, username, password, address, clock())
    except NotAuthenticated:
        return page(request, "sign_in.html", 401, error="wrong", **again)
    except TooManyAttempts as exc:
        minutes = max(1, -(-exc.retry_after // 60))  # rounded up
        return page(request, "sign_in.html", 429, error="throttled", minutes=minutes, **again)
    start(request, user)
    return redirect(request, local_path(next))


@router.post("/sign-out", dependencies=[Csrf])
async def sign_out(request: Request) -> Response:
    await oidc_renewal.forget(request)  # the provider's refresh token kept for it, if any
    end(request)
    return redirect(request, "/sign-in", notice=N_("You have signed out."))


@router.post("/language", dependencies=[Csrf])
async def choose_language(
    request: Request,
    app: SukumaApp,
    clock: Clock,
    language: Annotated[str, Form(max_length=8)],
    next: Next = "/",
) -> Response:
    """Signed in: the user's own choice, an event on the user (every browser it signs in
    from speaks it). Signed out (the sign-in page), or a user of the identity provider, whom
    Sukuma keeps nothing for: this browser's cookie."""
    session = session_of(request)
    me = session.principal()
    if language in LANGUAGES and me is not None and session.user is not None:
        session.user["lang"] = language
        if is_local(me):
            ctx = CommandContext(actor=me.actor, occurred_at=clock(), principal=me)
            await run_in_threadpool(app.choose_language, UUID(me.user_id), language, ctx)
            request.app.state.auth.states.forget(me.user_id)
            return redirect(request, local_path(next))
    response = redirect(request, local_path(next))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            path="/",
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="strict",
        )
    return response
