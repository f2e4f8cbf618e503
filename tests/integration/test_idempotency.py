"""Idempotency-Key: a retried POST returns the first answer and appends nothing."""

from __future__ import annotations

import asyncio

import httpx

from domain.access.principal import Role
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household


async def test_retry_with_same_key_returns_original_response(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/needs"
    body = {"category": "water", "severity": "medium"}
    headers = {"Idempotency-Key": "phone-42-need-1"}

    first = await client.post(url, json=body, headers=headers)
    retry = await client.post(url, json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert len(state["needs"]) == 1
    assert state["version"] == 2


async def test_same_key_with_different_body_is_refused(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/needs"
    headers = {"Idempotency-Key": "phone-42-need-2"}
    await client.post(url, json={"category": "water", "severity": "medium"}, headers=headers)

    other = await client.post(url, json={"category": "housing", "severity": "low"}, headers=headers)

    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert len((await client.get(f"/v1/households/{household_id}")).json()["needs"]) == 1


async def test_creation_retry_with_key_and_server_generated_id(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    body = {"ward_id": ward_id, "dwelling_type": "traditional"}
    headers = {"Idempotency-Key": "register-7"}

    first = await client.post("/v1/households", json=body, headers=headers)
    retry = await client.post("/v1/households", json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Location"] == first.headers["Location"]


async def test_concurrent_retries_append_once(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/visits"
    headers = {"Idempotency-Key": "visit-burst"}

    responses = await asyncio.gather(
        *[client.post(url, json={"outcome": "met_household"}, headers=headers) for _ in range(5)]
    )

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["visit_id"] for r in responses}) == 1
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert len(state["visits"]) == 1


async def test_keys_are_scoped_per_actor(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/visits"
    body = {"outcome": "met_household"}
    other = await client_as(Role.CONVENER, f"ward:{ward_id}", username="other")

    mine = await client.post(url, json=body, headers={"Idempotency-Key": "k1"})
    theirs = await other.post(url, json=body, headers={"Idempotency-Key": "k1"})

    assert mine.status_code == theirs.status_code == 201
    assert len((await client.get(f"/v1/households/{household_id}")).json()["visits"]) == 2


async def test_after_erasure_a_key_reused_on_another_route_is_refused_not_replayed(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    # Given a need recorded with a key, and then its household's personal data erased
    household_id = await household(client, ward_id)
    headers = {"Idempotency-Key": "phone-42-need-3"}
    need = {"category": "water", "severity": "medium"}
    first = await client.post(f"/v1/households/{household_id}/needs", json=need, headers=headers)
    assert first.status_code == 201
    erase = {"reason": "data subject asked"}
    erased = await client.post(f"/v1/households/{household_id}/erase", json=erase)
    assert erased.status_code == 200

    # When the same key comes with another request
    other = await client.post(
        "/v1/field-workers", json={"name": "T. Mkhize", "cadre": "ccg"}, headers=headers
    )

    # Then it is refused (the erased receipt still knows its route), not the need's answer
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    # And the need's own retry still replays
    retry = await client.post(f"/v1/households/{household_id}/needs", json=need, headers=headers)
    assert (retry.status_code, retry.json()) == (201, first.json())
