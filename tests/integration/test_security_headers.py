"""Headers and token checks of issue 22, item 4: no caching of tokens or personal data, no
sniffing, 401s that do not quote the JWT library, no future ``iat``, and X-Forwarded-For
believed only from configured proxies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from api.main import create_app
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import BASE_URL, TEST_PASSWORD, Clock, add_user
from tests.integration.helpers import household


async def test_tokens_and_personal_data_are_never_cached(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, ward_id: str
) -> None:
    add_user_response = await anonymous.post(
        "/v1/auth/token", data={"username": "tester", "password": TEST_PASSWORD}
    )
    household_id = await household(client, ward_id)
    answers = [
        add_user_response,
        await client.get(f"/v1/households/{household_id}"),
        await client.get(f"/v1/households/{household_id}/history"),
        await client.get("/v1/households"),
        await anonymous.get("/v1/me"),  # a 401 too
    ]

    for response in answers:
        assert response.status_code < 500, response.text
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url


async def test_every_answer_says_nosniff(anonymous: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/openapi.json", "/no-such-page"):
        response = await anonymous.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path


async def test_a_401_does_not_quote_the_jwt_library(anonymous: httpx.AsyncClient) -> None:
    forged = jwt.encode({"sub": "x"}, "not-our-secret-but-long-enough-for-hs256!", "HS256")
    for token in ("not.a.jwt", forged, "a" * 50):
        response = await anonymous.get("/v1/me", headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 401
        assert response.json() == {"detail": "not authenticated: invalid token"}


async def test_a_token_issued_in_the_future_is_refused(
    api: FastAPI, application: Sukuma, anonymous: httpx.AsyncClient, clock: Clock
) -> None:
    add_user(application, "future", (Role.ANALYST,), ("province:KZN",))
    clock.advance(minutes=5)  # issued five minutes ahead of the server's clock...
    token = (
        await anonymous.post(
            "/v1/auth/token", data={"username": "future", "password": TEST_PASSWORD}
        )
    ).json()["access_token"]
    clock.now -= timedelta(minutes=5)

    response = await anonymous.get("/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "future" in response.json()["detail"]


async def sign_in_from(api: FastAPI, forwarded_for: str, client: str = "127.0.0.1") -> int:
    transport = httpx.ASGITransport(app=api, client=(client, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        response = await http.post(
            "/v1/auth/token",
            # A name per attempt: only the address's limit (20) can be reached.
            data={"username": f"guess-{forwarded_for}", "password": "wrong-password"},
            headers={"X-Forwarded-For": forwarded_for},
        )
        return response.status_code


async def test_rotating_x_forwarded_for_does_not_evade_the_address_limit(api: FastAPI) -> None:
    codes = [await sign_in_from(api, f"203.0.113.{n}") for n in range(21)]

    assert codes[:20] == [401] * 20
    assert codes[20] == 429


@pytest.fixture
async def behind_proxy(
    settings: Settings, application: Sukuma, clock: Clock
) -> AsyncIterator[FastAPI]:
    proxied = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"})
    app = create_app(proxied, application, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


async def test_a_configured_proxy_names_the_client(behind_proxy: FastAPI) -> None:
    rotated = [await sign_in_from(behind_proxy, f"203.0.113.{n}", "10.1.2.3") for n in range(25)]
    assert set(rotated) == {401}  # each a different client, none over its limit

    untrusted = [await sign_in_from(behind_proxy, f"198.51.100.{n}") for n in range(21)]
    assert untrusted[20] == 429  # not from the proxy: its header is ignored
