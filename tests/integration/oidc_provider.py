"""A small OpenID Connect provider for tests, on a real uvicorn on a loopback port: discovery,
its key set, an authorization endpoint that signs in whoever the test says (no form), and a
token endpoint that checks the PKCE code verifier, the redirect URI and the client, and (when
``refresh`` is on) issues refresh tokens, rotated on each use, which the test may revoke."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.integration.helpers import served_in_thread

CLIENT_ID = "sukuma-web"


@dataclass
class Provider:
    base: str = ""
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    #: Who the next sign-in is: ``sub`` and the claims added to both tokens.
    user: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Every token request's form, for the tests to look at.
    token_requests: list[dict[str, str]] = field(default_factory=list)
    lifetime: int = 300
    #: Issue refresh tokens (each works once: a refresh answers with the next one).
    refresh: bool = False
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The provider's time (a test aligns it with the app's clock).
    clock: Callable[[], float] = time.time

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True), "kid": "t1"}]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, "RS256", headers={"kid": "t1"})

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "jwks_uri": f"{self.base}/jwks",
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def keys(self, request: Request) -> Response:
        return JSONResponse(self.jwks())

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
        assert q["code_challenge_method"] == "S256" and "openid" in q["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": q["code_challenge"],
            "nonce": q["nonce"],
            "redirect_uri": q["redirect_uri"],
        }
        back = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return RedirectResponse(back, status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if form.get("grant_type") == "refresh_token":
            user = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if user is None or form.get("client_id") != CLIENT_ID:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            # The user's claims as they are now (roles may have changed since sign-in).
            same = self.user.get("sub") == user.get("sub")
            return self.issue(dict(self.user) if same else user, None)
        issued = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            issued is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != CLIENT_ID
            or form.get("redirect_uri") != issued["redirect_uri"]
            or challenge.decode() != issued["challenge"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return self.issue(dict(self.user), issued["nonce"])

    def issue(self, user: dict[str, Any], nonce: str | None) -> Response:
        now = int(self.clock())
        common = {"iss": self.base, "iat": now, "exp": now + self.lifetime, **user}
        id_claims = {**common, "aud": CLIENT_ID, **({"nonce": nonce} if nonce else {})}
        answer = {
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "access_token": self.sign({**common, "aud": "sukuma"}),
            "id_token": self.sign(id_claims),
        }
        if self.refresh:
            refresh = secrets.token_urlsafe(24)
            answer["refresh_token"] = refresh
            self.refresh_tokens[refresh] = user
        return JSONResponse(answer)


@contextmanager
def running_provider() -> Iterator[Provider]:
    provider = Provider()
    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", provider.discovery),
            Route("/jwks", provider.keys),
            Route("/authorize", provider.authorize),
            Route("/token", provider.token, methods=["POST"]),
        ]
    )
    with served_in_thread(app, "oidc-provider") as base:
        provider.base = base
        yield provider
