"""The pages' session: a signed cookie (itsdangerous) holding who signed in and a CSRF token.

The cookie is ``HttpOnly``, ``SameSite=Strict``, and ``Secure`` whenever the request came over
TLS (directly, or through a proxy trusted by ``SUKUMA_TRUSTED_PROXIES``). It is signed, not
encrypted: it holds the user's id, name, roles and scopes (what the access token carries too)
and never a password or personal data. A session ends after ``IDLE`` without a request, after
the refresh token's lifetime at most, on sign-out, and when the user's generation moves on
(deactivation, password change): the same cached check as the API's tokens.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from api.auth.service import Auth
from api.auth.sessions import UserState
from domain.access.principal import Principal, Role
from domain.users.model import User

COOKIE = "sukuma_session"
#: A signed-in page left this long without a request asks for the password again.
IDLE = timedelta(minutes=30)
#: An unchanged session's cookie is signed again (its ``seen`` renewed) only when it is this
#: old: a reader's burst of requests is not signed a dozen times, and a session then ends
#: between ``IDLE - RESIGN_AFTER`` and ``IDLE`` after its last request, never later.
RESIGN_AFTER = timedelta(seconds=60)
#: The session's state on ``request.state`` (read once per request).
STATE = "web_session"
#: An identity provider's session renews its tokens on a request this close to their expiry
#: (or after it, while the session has not idled out).
RENEW_BEFORE = timedelta(seconds=60)
#: Refreshes the identity provider's tokens of this request's session (``web.oidc_renewal.renew``,
#: set on ``app.state.web_renew`` by ``web.install``): ``False`` when the provider refused.
Renew = Callable[[Request], Awaitable[bool]]


class SignInRequired(Exception):
    """No session, or one that has ended: the page answers with the sign-in form."""


class CsrfRefused(Exception):
    """A form came without this session's CSRF token (or with another one)."""


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user: dict[str, Any] | None = None
    #: One-shot notice shown on the next page ("Referral acknowledged.").
    notice: str | None = None
    #: What its cookie held when read (``seen`` apart) and that ``seen``: ``None`` for a new
    #: session.
    signed: tuple[dict[str, Any], float] | None = field(default=None, compare=False, repr=False)

    def content(self) -> dict[str, Any]:
        """What its cookie holds but ``seen`` (the user's a copy: pages change its items)."""
        user = None if self.user is None else dict(self.user)
        return {"csrf": self.csrf, "user": user, "n": self.notice}

    def principal(self) -> Principal | None:
        if self.user is None:
            return None
        return Principal(
            user_id=self.user["id"],
            username=self.user["name"],
            roles=frozenset(Role(r) for r in self.user["roles"]),
            scopes=frozenset(self.user["scopes"]),
        )


def _serializer(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.settings.secret_key.get_secret_value()
    return URLSafeTimedSerializer(secret, salt="sukuma-web-session")


def _now(request: Request) -> float:
    """The app's clock (tests move it), as a POSIX timestamp."""
    clock = request.app.state.clock
    return float(clock().timestamp())


def _lifetime(request: Request) -> int:
    hours: int = request.app.state.settings.refresh_token_hours
    return hours * 3600


def session_of(request: Request) -> Session:
    """This request's session: the cookie's when it is valid and not idle, else a new one."""
    cached: Session | None = getattr(request.state, STATE, None)
    if cached is not None:
        return cached
    session = Session()
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _serializer(request).loads(raw, max_age=_lifetime(request))
            seen = float(data["seen"])
            if 0 <= _now(request) - seen <= IDLE.total_seconds():
                session = Session(csrf=data["csrf"], user=data.get("user"), notice=data.get("n"))
                session.signed = (session.content(), seen)
        except (BadSignature, KeyError, TypeError, ValueError):
            pass  # tampered, expired or from an older shape: start again
    setattr(request.state, STATE, session)
    return session


def _begin(request: Request, principal: Principal, **state: Any) -> Session:
    """A new session (a new CSRF token too: none from before sign-in survives)."""
    roles, scopes = sorted(principal.roles), sorted(principal.scopes)
    who = {"id": principal.user_id, "name": principal.username, "roles": roles, "scopes": scopes}
    session = Session(user={**who, **state})
    setattr(request.state, STATE, session)
    return session


def start(request: Request, user: User) -> Session:
    """A new session for ``user``, checked on each request at its generation."""
    return _begin(request, user.principal, gen=user.generation, lang=user.language)


def start_external(
    request: Request,
    principal: Principal,
    until: float,
    language: str | None,
    sid: str | None = None,
) -> Session:
    """A new session for a user of the identity provider, until ``until`` (POSIX time: its
    ID token's expiry). ``sid``: the id its refresh token is kept under on the server
    (``web.oidc``), which renews the tokens before ``until``; without one the session ends
    then."""
    return _begin(request, principal, gen=None, until=until, lang=language, sid=sid)


def renew_external(request: Request, principal: Principal, until: float) -> None:
    """The identity provider's tokens were refreshed: its roles and scopes now, until
    ``until``."""
    user = session_of(request).user
    if user is not None:
        user.update(roles=sorted(principal.roles), scopes=sorted(principal.scopes), until=until)


def end(request: Request) -> None:
    setattr(request.state, STATE, Session())


def attach(request: Request, response: Response) -> Response:
    """Write the session (its ``seen`` renewed) into ``response``'s cookie, unless it is the
    cookie's as read, signed less than ``RESIGN_AFTER`` ago."""
    session = session_of(request)
    content, now = session.content(), _now(request)
    if session.signed is not None:
        before, seen = session.signed
        if content == before and 0 <= now - seen < RESIGN_AFTER.total_seconds():
            return response
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps({**content, "seen": now}),
        max_age=_lifetime(request),
        path="/",
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )
    return response


def take_notice(request: Request) -> str | None:
    session = session_of(request)
    notice, session.notice = session.notice, None
    return notice


async def viewer(request: Request) -> Principal:
    """The signed-in user of this page, still active at the generation they signed in with."""
    session = session_of(request)
    principal = session.principal()
    if principal is None or session.user is None:
        raise SignInRequired
    if session.user["gen"] is None:  # the identity provider's user: until its token expires
        until = float(session.user.get("until") or 0)
        if session.user.get("sid") and _now(request) >= until - RENEW_BEFORE.total_seconds():
            renew: Renew = request.app.state.web_renew
            if not await renew(request):  # refused: signed out, its kept token dropped
                end(request)
                raise SignInRequired
            principal = session.principal() or principal
        elif _now(request) >= until:
            end(request)
            raise SignInRequired
        return principal
    state = await _state(request, principal.user_id)
    if state is None or not state.active or state.generation != session.user["gen"]:
        end(request)
        raise SignInRequired
    # A language chosen in another browser follows within the state cache's lifetime.
    if state.language is not None:
        session.user["lang"] = state.language
    session.user["fw"] = state.field_worker_id  # linked or unlinked by an administrator
    return principal


async def _state(request: Request, user_id: str) -> UserState | None:
    auth: Auth = request.app.state.auth
    hit, state = auth.states.cached(user_id)
    if not hit:
        state = await run_in_threadpool(auth.states.load, user_id)
    return state


def linked_field_worker(request: Request) -> str | None:
    """The field-worker record the signed-in user works as, as ``viewer`` read it from the
    user's cached state this request (``None``: not linked, or a user of the identity
    provider, whom Sukuma keeps nothing for)."""
    user = session_of(request).user
    worker = None if user is None else user.get("fw")
    return worker if isinstance(worker, str) else None


def chosen_language(request: Request) -> str | None:
    """The signed-in user's chosen language (``None``: not chosen, or signed out)."""
    user = session_of(request).user
    language = None if user is None else user.get("lang")
    return language if isinstance(language, str) else None


async def checked_csrf(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> None:
    """Every form carries the session's token: a page of another site cannot post one."""
    if not hmac.compare_digest(csrf.encode(), session_of(request).csrf.encode()):
        raise CsrfRefused


Viewer = Annotated[Principal, Depends(viewer)]
Csrf = Depends(checked_csrf)
