"""The authentication services one app holds: token signing, user-state checks, login throttle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anyio import CapacityLimiter
from fastapi.concurrency import run_in_threadpool

from adapters.passwords import verify_password
from api.auth.oidc import ExternalIssuer
from api.auth.sessions import UserStates, find_user
from api.auth.throttle import LoginThrottle
from api.auth.tokens import Tokens
from api.config import ApiSettings
from domain.errors import NotFoundError
from domain.sukuma import Sukuma
from domain.users.model import User


class NotAuthenticated(Exception):
    """No valid token (HTTP 401 with ``WWW-Authenticate: Bearer``); ``error`` is RFC 6750's
    code for a token that was sent but refused (none when no credentials came at all)."""

    def __init__(self, message: str, error: str | None = "invalid_token") -> None:
        super().__init__(message)
        self.error = error


class TooManyAttempts(Exception):
    """Too many failed sign-ins for this user name or client address (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Auth:
    application: Sukuma
    tokens: Tokens
    states: UserStates
    throttle: LoginThrottle
    #: Password sign-ins (argon2: ~0.15 s of CPU and 64 MiB each) at once in this process;
    #: the rest wait their turn here, before they count as attempts, rather than taking the
    #: thread pool and the cores the commands need (a morning's phones signing in at once).
    sign_ins: CapacityLimiter
    external: ExternalIssuer | None = None

    def signed_in(self, username: str, password: str) -> User | None:
        """The active user whose password this is (event store and argon2: blocking, so call
        it in a thread). An unknown name costs the same time as a wrong password."""
        try:
            user: User | None = self.application.user_named(username)
        except NotFoundError:
            user = None
        ok = verify_password(user.password_hash if user else None, password)
        return user if ok and user is not None and user.active else None

    async def password_sign_in(
        self, pool: Any, username: str, password: str, address: str, now: datetime
    ) -> User:
        """The user these credentials sign in, under the failed sign-in throttle (the API's
        token endpoint and the web sign-in form alike); ``pool`` is the read side's."""
        async with self.sign_ins:
            return await self._password_sign_in(pool, username, password, address, now)

    async def _password_sign_in(
        self, pool: Any, username: str, password: str, address: str, now: datetime
    ) -> User:
        limits = self.throttle.limits(username, address)
        # Counted as a failure before the password is checked (parallel guesses see each
        # other), taken back if it succeeds.
        wait, attempt = await self.throttle.begin(pool, limits, now)
        if attempt is None:
            raise TooManyAttempts(wait or 1)
        user = await run_in_threadpool(self.signed_in, username, password)
        if user is None:
            raise NotAuthenticated("incorrect username or password", error=None)
        await self.throttle.succeeded(pool, limits, attempt)
        return user

    def current_user(self, user_id: str) -> User | None:
        """The user as the event store has it now (blocking)."""
        return find_user(self.application, user_id)

    @classmethod
    def build(
        cls, settings: ApiSettings, application: Sukuma, clock: Callable[[], datetime]
    ) -> Auth:
        return cls(
            application=application,
            tokens=Tokens(
                settings.secret_key.get_secret_value(),
                timedelta(minutes=settings.access_token_minutes),
                timedelta(hours=settings.refresh_token_hours),
                clock,
            ),
            states=UserStates(application, settings.user_state_cache_seconds),
            throttle=LoginThrottle(
                timedelta(seconds=settings.login_window_seconds),
                settings.login_max_failures_per_user,
                settings.login_max_failures_per_address,
            ),
            sign_ins=CapacityLimiter(settings.password_checks),
            external=None
            if settings.oidc_issuer is None or settings.oidc_jwks_url is None
            else ExternalIssuer(
                settings.oidc_issuer,
                settings.oidc_jwks_url,
                settings.oidc_audience,
                settings.oidc_roles_claim,
                settings.oidc_scopes_claim,
                clock,
            ),
        )
