"""Hostile input gets a 4xx, never a 500 (issue 22, item 3): deep JSON, lone surrogates,
non-finite numbers, NUL bytes, out-of-range integers, oversized bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.conftest import BROAD_SCOPES, add_user, bearer
from tests.integration.helpers import each_on_one_connection, served

HOUSEHOLDS = "/v1/households"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "body",
    [b"[" * 5000 + b"]" * 5000, b'{"a":' * 2000 + b"1" + b"}" * 2000],
    ids=["deep-list", "deep-object"],
)
async def test_json_nested_too_deeply_is_a_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(HOUSEHOLDS, content=body, headers=JSON)

    # (Our error table's answer, or FastAPI's own where it parses the body itself.)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"ward_id": "\\ud800", "dwelling_type": "informal"}',
        b'{"ward_id": "KZN225-W001", "dwelling_type": "informal", "occurred_at": 1e400}',
        b'{"ward_id": NaN, "dwelling_type": "informal"}',
        b'{"ward_id": Infinity, "dwelling_type": "informal"}',
        b'{"ward_id": "KZN225-W001\\u0000", "dwelling_type": "informal"}',
    ],
    ids=["lone-surrogate", "1e400", "nan", "infinity", "nul"],
)
async def test_a_malformed_json_body_is_a_422_that_serialises(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(HOUSEHOLDS, content=body, headers=JSON)

    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_a_lone_surrogate_in_valid_looking_text_is_a_422(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    body = f'{{"ward_id": "{ward_id}", "name": "Room \\ud800"}}'.encode()

    response = await client.post("/v1/war-rooms", content=body, headers=JSON)

    assert response.status_code == 422, response.text


async def test_a_nul_byte_in_free_text_is_a_422(client: httpx.AsyncClient, ward_id: str) -> None:
    body = f'{{"ward_id": "{ward_id}", "name": "Room\\u0000 7"}}'.encode()

    response = await client.post("/v1/war-rooms", content=body, headers=JSON)

    assert response.status_code == 422, response.text


async def test_a_nul_byte_in_the_sign_in_name_is_refused_not_a_500(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.post(
        "/v1/auth/token", data={"username": "demo\x00admin", "password": "whatever-it-is"}
    )

    assert response.status_code in (401, 422), response.text


@pytest.mark.parametrize(
    "query",
    ["user_id=a%00b", "cursor=9223372036854775808", "cursor=99999999999999999999999"],
)
async def test_the_pii_reads_log_refuses_what_postgresql_cannot_take(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"/v1/audit/pii-reads?{query}")

    assert response.status_code == 422, response.text


async def test_a_body_over_the_limit_is_a_413_before_it_is_parsed(
    client: httpx.AsyncClient,
) -> None:
    body = b'{"ward_id": "' + b"x" * (2 * 1024 * 1024) + b'"}'

    response = await client.post(HOUSEHOLDS, content=body, headers=JSON)

    assert response.status_code == 413, response.text[:200]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_a_422_does_not_echo_a_large_input(client: httpx.AsyncClient) -> None:
    body = b'{"ward_id": "' + b"x" * 500_000 + b'", "dwelling_type": "informal"}'

    response = await client.post(HOUSEHOLDS, content=body, headers=JSON)

    assert response.status_code == 422
    assert len(response.content) < 4096, len(response.content)


async def test_over_a_real_server_bad_input_keeps_the_connection(
    api: FastAPI, application: Sukuma, ward_id: str
) -> None:
    """As a client meets them through uvicorn: a 4xx, and the keep-alive connection is
    still there for the next request (a 500 closes it)."""
    add_user(application, "tester", tuple(Role), BROAD_SCOPES)
    token = bearer(api, application, "tester")["Authorization"].removeprefix("Bearer ")
    form = "application/x-www-form-urlencoded"
    requests = [
        ("POST", HOUSEHOLDS, b"[" * 5000 + b"]" * 5000, "application/json"),
        ("POST", HOUSEHOLDS, b'{"ward_id": "\\ud800", "dwelling_type": "x"}', "application/json"),
        ("POST", HOUSEHOLDS, b'{"ward_id": 1e400, "dwelling_type": "x"}', "application/json"),
        ("POST", HOUSEHOLDS, b'{"ward_id": NaN, "dwelling_type": "x"}', "application/json"),
        (
            "POST",
            "/v1/war-rooms",
            f'{{"ward_id": "{ward_id}", "name": "R \\ud800"}}'.encode(),
            "application/json",
        ),
        ("POST", "/v1/auth/token", b"username=a%00b&password=whatever-it-is", form),
        ("GET", "/v1/audit/pii-reads?user_id=a%00b", b"", "text/plain"),
        ("GET", "/v1/audit/pii-reads?cursor=9223372036854775808", b"", "text/plain"),
        ("POST", HOUSEHOLDS, b'{"ward_id": "' + b"x" * 500_000 + b'"}', "application/json"),
    ]
    async with served(api) as port:
        results = await asyncio.to_thread(each_on_one_connection, port, token, requests)

    assert [status for status, _ in results] == [400, 422, 422, 422, 422, 422, 422, 422, 422]
    assert all(kept for _, kept in results), results


async def test_a_streamed_body_over_the_limit_is_a_413_too(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"ward_id": "'
        for _ in range(40):
            yield b"x" * 65536

    response = await client.post(HOUSEHOLDS, content=chunks(), headers=JSON)

    assert response.status_code == 413, response.text[:200]


@pytest.mark.parametrize("field", ["password", "refresh_token"])
async def test_a_nul_in_a_sign_in_field_is_a_422_naming_it(
    anonymous: httpx.AsyncClient, field: str
) -> None:
    grant = "password" if field == "password" else "refresh_token"
    form = {"grant_type": grant, "username": "demo-admin", field: "a\x00b"}

    response = await anonymous.post("/v1/auth/token", data=form)

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [["body", field]]
    assert "NUL" in detail[0]["msg"]
