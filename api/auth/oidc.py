"""Access tokens from an external OpenID Connect issuer (a province's identity provider).

Enabled by ``SUKUMA_OIDC_ISSUER`` and ``SUKUMA_OIDC_JWKS_URL``. A token whose ``iss`` is that
issuer is verified against the issuer's published keys (RS256/ES256 only, never a shared
secret: no algorithm confusion), its audience (``SUKUMA_OIDC_AUDIENCE``) and expiry; the
roles and scopes come from its claims (``sukuma_roles``, ``sukuma_scopes`` by default, lists
or space-separated strings; unknown roles are ignored). The identity provider owns such users'
lifecycle: Sukuma keeps no state for them, so their tokens should be short-lived.

Such a user is ``oidc:<sub>`` (id, name and the actor in events): ``sub`` is the issuer's
stable identifier, whereas ``preferred_username`` is whatever the user or the provider says,
so two people could share one. The issuer's keys are fetched with a 5 s timeout and cached for
``JWKS_LIFESPAN``; a token naming an unknown ``kid`` forces at most one refetch per
``FORCED_REFRESH_SECONDS`` (a key rotation), otherwise it is simply invalid, so tokens with
made-up key ids cannot make every request wait on the provider. Anything wrong with a token
is a 401, never a 500.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import jwt

from api.auth.tokens import REFUSED, InvalidToken, check_issued_at
from domain.access.principal import Principal, Role

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "ES256"]
#: External users' ids and names are marked, so they never collide with local users'.
PREFIX = "oidc:"
JWKS_TIMEOUT_SECONDS: Final = 5.0
JWKS_LIFESPAN: Final = 300.0
FORCED_REFRESH_SECONDS: Final = 60.0


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
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.roles_claim = roles_claim
        self.scopes_claim = scopes_claim
        self.keys = jwt.PyJWKClient(
            jwks_url,
            cache_keys=False,  # the key set is cached (with a lifespan); keys are looked up in it
            cache_jwk_set=True,
            lifespan=JWKS_LIFESPAN,
            timeout=JWKS_TIMEOUT_SECONDS,
        )
        self._clock = clock
        self._monotonic = monotonic
        self._last_forced = -math.inf
        self._lock = threading.Lock()

    def _signing_key(self, token: str) -> Any:
        """The issuer's key the token names (``kid``), refetching the key set for an unknown
        one at most once per ``FORCED_REFRESH_SECONDS``."""
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key (kid)")
        found = self.keys.match_kid(self.keys.get_signing_keys(), kid)
        if found is None:
            with self._lock:
                now = self._monotonic()
                may_refresh = now - self._last_forced >= FORCED_REFRESH_SECONDS
                if may_refresh:
                    self._last_forced = now
            if may_refresh:
                found = self.keys.match_kid(self.keys.get_signing_keys(refresh=True), kid)
        if found is None:
            raise InvalidToken(f"unknown signing key {kid!r}")
        return found.key

    def issued(self, token: str) -> bool:
        """Whether the (not yet verified) token names this issuer."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        return bool(unverified.get("iss") == self.issuer)

    def verify(self, token: str) -> Principal:
        """The token's principal (blocking on a key fetch: call it in a thread)."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub"]},
            )
        except jwt.PyJWTError as exc:  # every token, key-set and key-fetch error
            log.debug("token of %s refused: %s", self.issuer, exc)
            raise InvalidToken(REFUSED) from None
        exp, sub = claims["exp"], claims["sub"]
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise InvalidToken("the token's exp is not a number")
        if not isinstance(sub, str) or not sub:
            raise InvalidToken("the token's sub is not a string")
        now = self._clock().timestamp()
        if exp <= now:
            raise InvalidToken("the token has expired")
        if "iat" in claims:  # optional in OpenID Connect access tokens
            check_issued_at(claims["iat"], now)
        known = {str(r) for r in Role}
        return Principal(
            user_id=f"{PREFIX}{sub}",
            username=f"{PREFIX}{sub}",
            roles=frozenset(Role(r) for r in _strings(claims.get(self.roles_claim)) if r in known),
            scopes=frozenset(_strings(claims.get(self.scopes_claim))),
        )
