"""Renewing a page session signed in through the identity provider: on a request within a
minute of its ID token's expiry (or after it, while the session has not idled out), the
refresh token kept for it on the server is sent to the provider's token endpoint (through
authlib's OAuth 2.0 client), and the answer is checked as at sign-in: the ID token by the
issuer's keys (issuer, audience, expiry, the same ``sub``), the access token as the API
checks a bearer token. The session then carries the principal's roles and scopes as they are
now, until the new ID token's expiry; the rotated refresh token replaces the old one. A
refusal (a revoked or expired refresh token, another user, the provider unreachable) drops
the kept token and signs the page out: the next page asks to sign in again.

Requests of one session renew one at a time in a process (the first's tokens are adopted by
the others); two replicas renewing the same session at once may see the provider refuse the
second (a rotated refresh token used twice), which signs that session out."""

from __future__ import annotations

import asyncio
import weakref
from datetime import UTC, datetime
from typing import Any

from fastapi.concurrency import run_in_threadpool
from joserfc.errors import JoseError
from starlette.requests import Request

from api.auth.oidc import ExternalIssuer
from api.auth.tokens import InvalidToken
from domain.access.principal import Principal
from web.oidc import TIMEOUT_SECONDS, Provider, SignInFailed, id_claims, kept_tokens, provider_of
from web.session import RENEW_BEFORE, renew_external, session_of

#: One renewal at a time per session in this process (the others wait, then adopt it).
_RENEWING: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _refreshed(
    provider: Provider, issuer: ExternalIssuer, refresh_token: str, user_id: str, now: int
) -> tuple[Principal, float, str | None]:
    """The principal, its new ID token's expiry and the rotated refresh token (if any)
    (blocking: HTTP to the provider)."""
    metadata, keys = provider.metadata()
    client = provider.client("")
    try:
        token: dict[str, Any] = client.refresh_token(
            metadata["token_endpoint"], refresh_token=refresh_token, timeout=TIMEOUT_SECONDS
        )
    except Exception as exc:  # authlib's OAuthError, requests' errors, a non-JSON answer
        raise SignInFailed(f"the refresh: {exc}") from None
    try:
        claims = id_claims(provider, keys, token, None, now)
        principal = issuer.verify(token["access_token"])
    except (KeyError, JoseError, InvalidToken, ValueError) as exc:
        raise SignInFailed(f"the refreshed tokens: {exc}") from None
    if not (principal.user_id == user_id == f"oidc:{claims['sub']}"):
        raise SignInFailed("the refreshed tokens name another user")
    rotated = token.get("refresh_token")
    return principal, float(claims["exp"]), rotated if isinstance(rotated, str) else None


async def renew(request: Request) -> bool:
    """Refresh the provider's tokens of this request's session (``False``: refused, and
    its kept token dropped)."""
    user = session_of(request).user
    provider, issuer = provider_of(request), request.app.state.auth.external
    store, pool = kept_tokens(request), request.app.state.read_pool
    if user is None or not user.get("sid"):
        return False
    sid, user_id = str(user["sid"]), str(user["id"])
    lock = _RENEWING.setdefault(sid, asyncio.Lock())
    async with lock:
        now: datetime = request.app.state.clock()
        kept = await store.find(pool, sid, user_id, now)
        if kept is not None and kept.token_until - RENEW_BEFORE > now:
            # Renewed meanwhile by another request of this session: adopt its expiry.
            current = session_of(request).principal()
            if current is not None:
                renew_external(request, current, kept.token_until.timestamp())
                return True
        if kept is None or provider is None or issuer is None:
            await store.drop(pool, sid, now)
            return False
        try:
            principal, until, rotated = await run_in_threadpool(
                _refreshed, provider, issuer, kept.refresh_token, user_id, int(now.timestamp())
            )
        except SignInFailed:
            await store.drop(pool, sid, now)
            return False
        until_at = datetime.fromtimestamp(until, UTC)
        await store.keep(pool, sid, user_id, rotated or kept.refresh_token, until_at, until_at)
        renew_external(request, principal, until)
        return True


async def forget(request: Request) -> None:
    """Sign-out: drop the session's kept refresh token (if it has one)."""
    user = session_of(request).user
    if user is not None and user.get("sid"):
        now = request.app.state.clock()
        await kept_tokens(request).drop(request.app.state.read_pool, str(user["sid"]), now)
