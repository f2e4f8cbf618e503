"""Signed tokens (JWT, HS256 with ``SUKUMA_SECRET_KEY``): short-lived access, rotating refresh.

An access token carries the principal (``sub``, ``name``, ``roles``, ``scopes``) and the user's
``gen`` (generation) when issued; a refresh token only ``sub``, ``gen`` and a unique ``jti``.
Expiry is checked against the app's clock (injectable in tests), not the library's.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from domain.access.principal import Principal, Role

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "sukuma"
ACCESS = "access"
REFRESH = "refresh"
#: Verified access tokens remembered per process (a phone sends the same token for its
#: lifetime, 15 minutes by default): checking the HMAC and the claims again is most of what
#: authenticating a request costs. Expiry is still checked on every use.
VERIFIED_CACHE_SIZE = 4096
#: Clock skew tolerated between issuers: a token issued later than this ahead of our clock
#: was not issued by a server we trust (or is a forgery's mistake): refused.
IAT_LEEWAY_SECONDS = 60
#: What a 401 says of a token the JWT library refused (its own messages name claims,
#: algorithms and keys: for the log, not the client).
REFUSED = "invalid token"


class InvalidToken(Exception):
    """Missing, malformed, forged, expired or revoked: the answer is 401."""


def check_issued_at(iat: Any, now: float) -> None:
    """Refuse an ``iat`` that is not a number or lies in the future (beyond the leeway)."""
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise InvalidToken("the token's iat is not a number")
    if iat > now + IAT_LEEWAY_SECONDS:
        raise InvalidToken("the token is issued in the future")


@dataclass(frozen=True)
class AccessClaims:
    principal: Principal
    generation: int


@dataclass(frozen=True)
class RefreshClaims:
    user_id: str
    generation: int
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class Tokens:
    def __init__(
        self,
        secret: str,
        access_ttl: timedelta,
        refresh_ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self._clock = clock
        self._verified: dict[str, tuple[AccessClaims, float]] = {}

    def issue(self, principal: Principal, generation: int) -> TokenPair:
        now = self._clock()
        common = {"iss": ISSUER, "sub": principal.user_id, "gen": generation, "iat": now}
        access = {
            **common,
            "typ": ACCESS,
            "name": principal.username,
            "roles": sorted(principal.roles),
            "scopes": sorted(principal.scopes),
            "exp": now + self.access_ttl,
        }
        refresh = {**common, "typ": REFRESH, "jti": uuid.uuid4().hex, "exp": now + self.refresh_ttl}
        return TokenPair(
            access_token=jwt.encode(access, self._secret, algorithm=ALGORITHM),
            refresh_token=jwt.encode(refresh, self._secret, algorithm=ALGORITHM),
            expires_in=int(self.access_ttl.total_seconds()),
        )

    def _decode(self, token: str, kind: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["exp", "iat", "sub", "gen", "typ"],
                },
            )
        except jwt.InvalidTokenError as exc:
            log.debug("token refused: %s", exc)
            raise InvalidToken(REFUSED) from None
        if claims["typ"] != kind:
            raise InvalidToken(f"not an {kind} token")
        now = self._clock().timestamp()
        if not isinstance(claims["exp"], int | float) or claims["exp"] <= now:
            raise InvalidToken("the token has expired")
        check_issued_at(claims["iat"], now)
        return claims

    def verify_access(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            if known[1] > self._clock().timestamp():
                return known[0]
            self._verified.pop(token, None)
        verified = self._verify_access(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # rare (that many live tokens here): simply start afresh
        self._verified[token] = verified
        return verified[0]

    def _verify_access(self, token: str) -> tuple[AccessClaims, float]:
        claims = self._decode(token, ACCESS)
        try:
            principal = Principal(
                user_id=str(claims["sub"]),
                username=str(claims["name"]),
                roles=frozenset(Role(r) for r in claims["roles"]),
                scopes=frozenset(str(s) for s in claims["scopes"]),
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidToken("malformed claims") from None
        return AccessClaims(principal, int(claims["gen"])), float(claims["exp"])

    def verify_refresh(self, token: str) -> RefreshClaims:
        claims = self._decode(token, REFRESH)
        if not isinstance(claims.get("jti"), str):
            raise InvalidToken("malformed claims")
        expires = datetime.fromtimestamp(claims["exp"], tz=self._clock().tzinfo)
        return RefreshClaims(str(claims["sub"]), int(claims["gen"]), claims["jti"], expires)
