"""Access tokens from an external OpenID Connect issuer (a province's identity provider).

Enabled by ``SUKUMA_OIDC_ISSUER`` and ``SUKUMA_OIDC_JWKS_URL``. A token whose ``iss`` is that
issuer is verified against the issuer's published keys (RS256/ES256 only, never a shared
secret: no algorithm confusion), its audience (``SUKUMA_OIDC_AUDIENCE``) and expiry; the
roles and scopes come from its claims (``sukuma_roles``, ``sukuma_scopes`` by default, lists
or space-separated strings; unknown roles are ignored). The identity provider owns such users'
lifecycle: Sukuma keeps no state for them, so their tokens should be short-lived.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt

from api.auth.tokens import InvalidToken
from domain.access.principal import Principal, Role

ALGORITHMS = ["RS256", "ES256"]
#: External users' ids and names are marked, so they never collide with local users'.
PREFIX = "oidc:"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


class ExternalIssuer:
    def __init__(
        self,
        issuer: str,
        jwks_url: str,
        audience: str,
        roles_claim: str,
        scopes_claim: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.roles_claim = roles_claim
        self.scopes_claim = scopes_claim
        self.keys = jwt.PyJWKClient(jwks_url, cache_keys=True)
        self._clock = clock

    def issued(self, token: str) -> bool:
        """Whether the (not yet verified) token names this issuer."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return False
        return bool(unverified.get("iss") == self.issuer)

    def verify(self, token: str) -> Principal:
        """The token's principal (blocking on a key fetch: call it in a thread)."""
        try:
            key = self.keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub"]},
            )
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise InvalidToken(str(exc)) from None
        if claims["exp"] <= self._clock().timestamp():
            raise InvalidToken("the token has expired")
        known = {str(r) for r in Role}
        name = str(claims.get("preferred_username") or claims["sub"])
        return Principal(
            user_id=f"{PREFIX}{claims['sub']}",
            username=f"{PREFIX}{name}",
            roles=frozenset(Role(r) for r in _strings(claims.get(self.roles_claim)) if r in known),
            scopes=frozenset(_strings(claims.get(self.scopes_claim))),
        )
