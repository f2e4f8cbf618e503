"""Signing in to the pages through the OpenID Connect provider the API already trusts.

With ``SUKUMA_OIDC_CLIENT_ID`` set (beside ``SUKUMA_OIDC_ISSUER`` and ``SUKUMA_OIDC_JWKS_URL``)
the sign-in page offers the provider: the authorization code flow with PKCE (S256), through
authlib's OAuth 2.0 client. The flow's state, nonce and code verifier wait in a short-lived
signed cookie (``SameSite=Lax``: the provider sends the browser back from another site, which
a ``Strict`` cookie would not survive). On the way back the ID token is checked with joserfc
(signature by the issuer's published keys, issuer, audience = this client, expiry, nonce),
and the access token exactly as the API checks a bearer token
(``api.auth.oidc.ExternalIssuer``): the user is ``oidc:<sub>`` with the roles and scopes of
its claims, so a page and the API see the same principal. Sukuma keeps nothing for such a
user but the provider's refresh token, when it gives one: sealed on the server
(``api.auth.provider_sessions``; the cookie holds only its id), so the page session renews
its tokens before they expire (``web.oidc_renewal``) until it idles out, signs out, reaches
``SUKUMA_REFRESH_TOKEN_HOURS`` or the provider refuses. Without a refresh token the session
ends when the ID token expires.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import SecretStr
from starlette.responses import Response

from api.auth.oidc import ALGORITHMS, ExternalIssuer
from api.auth.provider_sessions import ProviderSessions, new_session_id
from api.auth.tokens import InvalidToken
from domain.access.principal import Principal
from web.i18n import LANGUAGES
from web.labels import N_
from web.render import local_path, page, redirect
from web.session import start_external

router = APIRouter(include_in_schema=False)

COOKIE = "sukuma_oidc"
CALLBACK = "/sign-in/provider/callback"
#: How long the provider may take to send the browser back (a person typing a password).
FLOW_SECONDS = 600
#: The provider's metadata and keys are fetched at most this often (and with a timeout).
CACHE_SECONDS = 300.0
TIMEOUT_SECONDS = 5.0
FAILED = (
    N_("Signing in with your organisation's account did not work"),
    N_("Go back to the sign-in page and try again. If it keeps failing, tell your administrator."),
)


class OidcSettings(Protocol):
    @property
    def oidc_issuer(self) -> str | None: ...
    @property
    def oidc_jwks_url(self) -> str | None: ...
    @property
    def oidc_client_id(self) -> str | None: ...
    @property
    def oidc_client_secret(self) -> SecretStr | None: ...
    @property
    def secret_key(self) -> SecretStr: ...
    @property
    def refresh_token_hours(self) -> int: ...


class SignInFailed(Exception):
    """The provider's answer could not be used (logged at no level: it may be an attack)."""


@dataclass
class Provider:
    """The issuer's discovery document and keys, fetched lazily and cached."""

    issuer: str
    jwks_url: str
    client_id: str
    client_secret: str | None
    _fetched: tuple[float, dict[str, Any], KeySet] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope="openid",
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.client_secret else "none",
        )

    def metadata(self) -> tuple[dict[str, Any], KeySet]:
        """The discovery document (OpenID Connect Discovery 1.0) and the key set (blocking)."""
        with self._lock:
            if self._fetched is not None and time.monotonic() - self._fetched[0] < CACHE_SECONDS:
                return self._fetched[1], self._fetched[2]
        url = f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            found: dict[str, Any] = requests.get(url, timeout=TIMEOUT_SECONDS).json()
            keys = KeySet.import_key_set(
                requests.get(self.jwks_url, timeout=TIMEOUT_SECONDS).json()
            )
        except (requests.RequestException, ValueError, JoseError) as exc:
            raise SignInFailed(f"the provider's metadata: {exc}") from None
        if found.get("issuer") != self.issuer:
            raise SignInFailed("the discovery document names another issuer")
        with self._lock:
            self._fetched = (time.monotonic(), found, keys)
        return found, keys


def provider_of(request: Request) -> Provider | None:
    """The configured provider (``None``: the pages offer only passwords)."""
    existing: Provider | None = getattr(request.app.state, "web_oidc", None)
    if existing is not None:
        return existing
    settings: OidcSettings = request.app.state.settings
    client_id = getattr(settings, "oidc_client_id", None)
    if not (client_id and settings.oidc_issuer and settings.oidc_jwks_url):
        return None
    secret = getattr(settings, "oidc_client_secret", None)
    created = Provider(
        settings.oidc_issuer,
        settings.oidc_jwks_url,
        client_id,
        secret.get_secret_value() if secret else None,
    )
    request.app.state.web_oidc = created
    return created


def kept_tokens(request: Request) -> ProviderSessions:
    """Where the provider's refresh tokens of page sessions are kept, sealed."""
    existing: ProviderSessions | None = getattr(request.app.state, "web_kept_tokens", None)
    if existing is None:
        existing = ProviderSessions(request.app.state.settings.secret_key.get_secret_value())
        request.app.state.web_kept_tokens = existing
    return existing


def _flows(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.settings.secret_key.get_secret_value()
    return URLSafeTimedSerializer(secret, salt="sukuma-web-oidc")


def _callback_url(request: Request) -> str:
    return str(request.url.replace(path=CALLBACK, query=""))


def _failed(request: Request, status: int = 400) -> Response:
    headline, advice = FAILED
    answer = page(request, "error.html", status, headline=headline, advice=advice)
    answer.delete_cookie(COOKIE, path=CALLBACK)
    return answer


@router.get("/sign-in/provider")
async def to_provider(
    request: Request, next: Annotated[str, Query(max_length=2048)] = "/"
) -> Response:
    """Send the browser to the provider, with a new state, nonce and PKCE code verifier."""
    provider = provider_of(request)
    if provider is None:
        raise HTTPException(404)
    try:
        metadata, _ = await run_in_threadpool(provider.metadata)
    except SignInFailed:
        return _failed(request, 503)
    flow = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "verifier": secrets.token_urlsafe(64),  # 86 characters: RFC 7636 allows 43 to 128
        "next": local_path(next),
    }
    url, _ = provider.client(_callback_url(request)).create_authorization_url(
        metadata["authorization_endpoint"],
        state=flow["state"],
        code_verifier=flow["verifier"],
        nonce=flow["nonce"],
    )
    answer = redirect(request, url)
    answer.set_cookie(
        COOKIE,
        _flows(request).dumps(flow),
        max_age=FLOW_SECONDS,
        path=CALLBACK,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
    )
    return answer


def id_claims(
    provider: Provider, keys: KeySet, token: dict[str, Any], nonce: str | None, now: int
) -> dict[str, Any]:
    """The ID token's claims, checked: the issuer's signature, issuer, audience = this client,
    expiry and issue time at ``now`` (the app's clock, as the API checks its tokens), and the
    flow's nonce (a refreshed ID token need not carry one)."""
    id_token = jwt.decode(token["id_token"], keys, algorithms=ALGORITHMS)
    expected: dict[str, Any] = {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
    }
    if nonce is not None:
        expected["nonce"] = {"essential": True, "value": nonce}
    jwt.JWTClaimsRegistry(now=now, leeway=60, **expected).validate(id_token.claims)
    return dict(id_token.claims)


def _signed_in(
    provider: Provider,
    issuer: ExternalIssuer,
    redirect_uri: str,
    code: str,
    flow: dict[str, str],
    now: int,
) -> tuple[Principal, dict[str, Any], str | None]:
    """The principal, the ID token's claims and the refresh token (if the provider gave one)
    for ``code`` (blocking: HTTP to the provider)."""
    metadata, keys = provider.metadata()
    client = provider.client(redirect_uri)
    try:
        token = client.fetch_token(
            metadata["token_endpoint"],
            code=code,
            code_verifier=flow["verifier"],
            timeout=TIMEOUT_SECONDS,
        )
    except Exception as exc:  # authlib's OAuthError, requests' errors, a non-JSON answer
        raise SignInFailed(f"the token request: {exc}") from None
    try:
        claims = id_claims(provider, keys, token, flow["nonce"], now)
        principal = issuer.verify(token["access_token"])  # as the API checks a bearer token
    except (KeyError, JoseError, InvalidToken, ValueError) as exc:
        raise SignInFailed(f"the tokens: {exc}") from None
    if principal.user_id != f"oidc:{claims['sub']}":
        raise SignInFailed("the ID token and the access token name other users")
    refresh = token.get("refresh_token")
    return principal, claims, refresh if isinstance(refresh, str) else None


@router.get(CALLBACK)
async def from_provider(
    request: Request,
    code: Annotated[str, Query(max_length=4096)] = "",
    state: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    """The provider's answer: checked against this browser's flow, then a page session."""
    provider = provider_of(request)
    issuer: ExternalIssuer | None = request.app.state.auth.external
    raw = request.cookies.get(COOKIE)
    if provider is None or issuer is None or not raw or not code:
        return _failed(request)
    try:
        flow: dict[str, str] = _flows(request).loads(raw, max_age=FLOW_SECONDS)
    except BadSignature:
        return _failed(request)
    if not hmac.compare_digest(state.encode(), str(flow.get("state", "")).encode()):
        return _failed(request)
    try:
        principal, claims, refresh_token = await run_in_threadpool(
            _signed_in,
            provider,
            issuer,
            _callback_url(request),
            code,
            flow,
            int(request.app.state.clock().timestamp()),
        )
    except SignInFailed:
        return _failed(request, 401)
    settings: OidcSettings = request.app.state.settings
    ends = request.app.state.clock() + timedelta(hours=settings.refresh_token_hours)
    until = min(float(claims["exp"]), ends.timestamp())
    sid = None
    if refresh_token is not None:  # kept on the server, sealed: the cookie holds its id
        sid = new_session_id()
        at = datetime.fromtimestamp(until, UTC)
        await kept_tokens(request).keep(
            request.app.state.read_pool, sid, principal.user_id, refresh_token, at, ends
        )
    locale = str(claims.get("locale", ""))[:2]
    start_external(request, principal, until, locale if locale in LANGUAGES else None, sid)
    # A page, not a redirect: the browser came from the provider's site, and a redirect
    # would carry that (cross-site) into the next request, which the session's
    # SameSite=Strict cookie would then miss. From this page on, navigation is same-site.
    answer = page(request, "signed_in.html", next=flow.get("next") or "/")
    answer.delete_cookie(COOKIE, path=CALLBACK)
    return answer


def sign_in_link(request: Request, next: str) -> str | None:
    """The sign-in page's link to the provider (``None`` without one)."""
    if provider_of(request) is None:
        return None
    return f"/sign-in/provider?{urlencode({'next': local_path(next)})}"
