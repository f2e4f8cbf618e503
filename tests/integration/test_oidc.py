"""Tokens from an external OpenID Connect issuer: verified by its keys, mapped to a principal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api.main import create_app
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import BASE_URL, Clock

ISSUER = "https://idp.province.example/realms/sukuma"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWKS = {"keys": [{**RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True), "kid": "k1"}]}
#: The timeout of each key-set fetch the app made.
FETCHES: list[float] = []


@pytest.fixture
async def http(
    settings: Settings, application: Sukuma, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    FETCHES.clear()

    def fetch(self: jwt.PyJWKClient) -> dict[str, Any]:
        FETCHES.append(self.timeout)
        return JWKS

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fetch)
    external = settings.model_copy(
        update={"oidc_issuer": ISSUER, "oidc_jwks_url": f"{ISSUER}/protocol/openid-connect/certs"}
    )
    api = create_app(external, application, clock=clock)
    async with api.router.lifespan_context(api):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api), base_url=BASE_URL
        ) as client:
            yield client


def token(clock: Clock, kid: str = "k1", **claims: Any) -> str:
    payload = {
        "iss": ISSUER,
        "aud": "sukuma",
        "sub": "f81d4fae",
        "preferred_username": "nomsa",
        "sukuma_roles": ["analyst", "no-such-role"],
        "sukuma_scopes": "district:DC22 pii:read",
        "iat": clock.now,
        "exp": clock.now + timedelta(minutes=5),
        **claims,
    }
    return jwt.encode(payload, KEY, "RS256", headers={"kid": kid})


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def test_an_external_token_is_accepted_with_its_roles_and_scopes(
    http: httpx.AsyncClient, clock: Clock
) -> None:
    me = await http.get("/v1/me", headers=bearer(token(clock)))

    assert me.status_code == 200, me.text
    assert me.json() == {
        "user_id": "oidc:f81d4fae",
        "username": "oidc:f81d4fae",  # the issuer's sub, not its preferred_username
        "roles": ["analyst"],
        "scopes": ["district:DC22", "pii:read"],
        "may_read_pii": True,
    }
    dashboard = await http.get("/v1/dashboard/district/DC22", headers=bearer(token(clock)))
    assert dashboard.status_code == 200


async def test_a_wrong_audience_an_expired_or_a_secret_signed_external_token_is_refused(
    http: httpx.AsyncClient, clock: Clock, settings: Settings
) -> None:
    secret = settings.secret_key.get_secret_value()
    claims = {"iss": ISSUER, "aud": "sukuma", "sub": "x", "exp": clock.now + timedelta(minutes=5)}
    confused = jwt.encode(claims, secret, "HS256")  # our own secret must not pass as the IdP
    refused = [
        token(clock, aud="another-app"),
        token(clock, exp=clock.now - timedelta(seconds=1)),
        confused,
    ]

    for value in refused:
        response = await http.get("/v1/me", headers=bearer(value))
        assert response.status_code == 401, response.text


async def test_a_malformed_external_token_or_an_unknown_key_is_a_401_not_a_500(
    http: httpx.AsyncClient, clock: Clock
) -> None:
    good = token(clock)
    header, payload, signature = good.split(".")
    refused = [
        token(clock, exp="tomorrow"),  # exp of the wrong type (once a 500)
        token(clock, exp=None),
        token(clock, sub=None),
        f"{header}.{payload}.{signature[:-8]}AAAAAAAA",  # a broken signature
        f"{header}.{payload}",
        token(clock, kid="unknown-1"),
        token(clock, kid="unknown-2"),
        token(clock, kid="unknown-3"),
    ]

    answers = [await http.get("/v1/me", headers=bearer(value)) for value in refused]

    assert [r.status_code for r in answers] == [401] * len(refused), [r.text for r in answers]
    # The key set was fetched once, and refetched once for all the unknown key ids, with a
    # short timeout: made-up kids cannot make every request wait on the provider.
    assert FETCHES == [5.0, 5.0]
    assert (await http.get("/v1/me", headers=bearer(good))).status_code == 200
    assert len(FETCHES) == 2  # served from the cached key set
