"""Concurrent copies of a keyed request all get the first copy's answer (issue 22, item 2).

Copies take turns on a PostgreSQL advisory lock (``adapters.idempotency``): each copy after
the first waits for it and replays its answer, success or refusal; a copy that waits too long
is told so (409), never hangs; keys are per user; a key reused for another request is a 422.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from adapters.idempotency import LOCK_CLASS, lock_key
from api.main import create_app
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.factories import make_profile
from tests.integration.conftest import BASE_URL, BROAD_SCOPES, ClientAs, SignedIn, add_user
from tests.integration.helpers import household, need, referral


def _answers(responses: list[httpx.Response]) -> list[tuple[int, Any]]:
    return [(r.status_code, r.json()) for r in responses]


async def _copies(
    http: httpx.AsyncClient, n: int, url: str, body: dict[str, Any], key: str
) -> list[httpx.Response]:
    headers = {"Idempotency-Key": key}
    return list(
        await asyncio.gather(*[http.post(url, json=body, headers=headers) for _ in range(n)])
    )


async def _open_referral(http: httpx.AsyncClient, ward_id: str) -> str:
    household_id = await household(http, ward_id)
    return await referral(http, household_id, await need(http, household_id))


async def _events(http: httpx.AsyncClient, url: str) -> list[str]:
    history = (await http.get(f"{url}/history")).json()
    return [event["type"] for event in history["events"]]


async def test_concurrent_acknowledgements_with_one_key_all_answer_as_the_first(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    for attempt in range(3):  # the race is the scheduler's: give it several chances
        referral_id = await _open_referral(client, ward_id)
        url = f"/v1/referrals/{referral_id}"

        responses = await _copies(client, 3, f"{url}/acknowledge", {}, f"ack-{attempt}")

        answers = _answers(responses)
        assert answers == [answers[0]] * 3, answers
        assert answers[0][0] == 200
        assert len({r.headers["ETag"] for r in responses}) == 1
        assert (await _events(client, url)).count("Referral.Acknowledged") == 1


async def test_ten_concurrent_referrals_with_one_key_make_one_referral(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    # No id in the body: each copy would make up its own.
    body = {"household_id": household_id, "need_id": need_id, "department": "SASSA"}

    responses = await _copies(client, 10, "/v1/referrals", body, "refer-burst")

    answers = _answers(responses)
    assert answers == [answers[0]] * 10, answers
    assert answers[0][0] == 201
    assert len({r.headers["Location"] for r in responses}) == 1
    referred = await _events(client, f"/v1/households/{household_id}")
    assert referred.count("Household.NeedReferred") == 1, referred


async def test_concurrent_registrations_and_profiles_with_one_key_write_once(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    registered = await _copies(
        client, 10, "/v1/households", {"ward_id": ward_id, "dwelling_type": "informal"}, "reg-1"
    )
    answers = _answers(registered)
    assert answers == [answers[0]] * 10, answers
    assert answers[0][0] == 201
    household_id = answers[0][1]["id"]

    url = f"/v1/households/{household_id}"
    profiled = await _copies(client, 5, f"{url}/profile", {"profile": make_profile()}, "prof-1")

    answers = _answers(profiled)
    assert answers == [answers[0]] * 5, answers
    assert answers[0][0] == 200
    assert (await _events(client, url)).count("Household.ProfileSubmitted") == 1


async def test_a_refusal_is_the_keys_answer_for_good(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    # Given an acknowledgement of a referral that does not exist yet, refused
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    referral_id = str(uuid4())
    url = f"/v1/referrals/{referral_id}/acknowledge"
    first = await client.post(url, json={}, headers={"Idempotency-Key": "early-ack"})
    assert first.status_code == 404
    # And the referral made afterwards
    made = {"id": referral_id, "household_id": household_id, "need_id": need_id}
    assert (await client.post("/v1/referrals", json={**made, "department": "SASSA"})).is_success

    # When the refused request is retried with its key
    retry = await client.post(url, json={}, headers={"Idempotency-Key": "early-ack"})

    # Then it answers as the first time (the key keeps the first completed answer)
    assert (retry.status_code, retry.json()) == (404, first.json())
    # And a new key is a new request
    fresh = await client.post(url, json={}, headers={"Idempotency-Key": "later-ack"})
    assert fresh.status_code == 200


async def test_concurrent_copies_of_a_refused_request_all_get_the_refusal(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    referral_id = await _open_referral(client, ward_id)
    url = f"/v1/referrals/{referral_id}"
    assert (await client.post(f"{url}/acknowledge", json={})).status_code == 200
    version = (await client.get(url)).headers["ETag"]

    responses = await _copies(client, 3, f"{url}/acknowledge", {}, "ack-again")

    answers = _answers(responses)
    assert answers == [answers[0]] * 3, answers
    assert answers[0][0] == 409
    assert (await client.get(url)).headers["ETag"] == version


async def test_a_refusal_with_headers_replays_them(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/visits"
    headers = {"Idempotency-Key": "stale-visit", "If-Match": '"7"'}

    first = await client.post(url, json={"outcome": "met_household"}, headers=headers)
    retry = await client.post(url, json={"outcome": "met_household"}, headers=headers)

    assert first.status_code == retry.status_code == 412
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == first.headers["ETag"] == '"1"'


async def test_one_users_refusal_is_not_another_users_answer(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    referral_id = await _open_referral(client, ward_id)
    url = f"/v1/referrals/{referral_id}/acknowledge"
    other = await client_as(tuple(Role), *BROAD_SCOPES, username="other")
    unknown = f"/v1/referrals/{uuid4()}/acknowledge"
    assert (
        await client.post(unknown, json={}, headers={"Idempotency-Key": "k"})
    ).status_code == 404

    theirs = await other.post(url, json={}, headers={"Idempotency-Key": "k"})

    assert theirs.status_code == 200, theirs.text


async def test_a_key_reused_on_another_route_is_refused_with_a_reason(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    headers = {"Idempotency-Key": "reused"}
    visit = {"outcome": "met_household"}
    assert (
        await client.post(f"/v1/households/{household_id}/visits", json=visit, headers=headers)
    ).is_success

    other = await client.post(
        "/v1/households", json={"ward_id": ward_id, "dwelling_type": "informal"}, headers=headers
    )

    assert other.status_code == 422
    detail = other.json()["detail"][0]
    assert detail["loc"] == ["header", "Idempotency-Key"]
    assert "different request" in detail["msg"]


@pytest.fixture
async def impatient(
    settings: Settings, application: Sukuma
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app of a replica that waits 0.5 s for a key's first request, and tester's client."""
    api = create_app(settings.model_copy(update={"idempotency_wait_seconds": 0.5}), application)
    async with api.router.lifespan_context(api):
        add_user(application, "tester", tuple(Role), BROAD_SCOPES)
        transport = httpx.ASGITransport(app=api)
        auth = SignedIn(api, application, "tester")
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as http:
            yield api, http


async def test_a_copy_waits_a_bounded_time_for_a_first_request_that_never_ends(
    impatient: tuple[FastAPI, httpx.AsyncClient], settings: Settings, ward_id: str
) -> None:
    # Given a first request with key "stuck" in progress elsewhere (another process holds it)
    _, http = impatient
    household_id = await household(http, ward_id)
    url = f"/v1/households/{household_id}/visits"
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url, autocommit=True) as elsewhere:
        elsewhere.execute(
            "SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, lock_key("tester", "stuck"))
        )

        # When a copy arrives
        started = time.monotonic()
        copy = await http.post(
            url, json={"outcome": "met_household"}, headers={"Idempotency-Key": "stuck"}
        )
        waited = time.monotonic() - started

    # Then it is told, within its wait, to come back later; and it wrote nothing
    assert copy.status_code == 409, copy.text
    assert copy.json()["rule"] == "request-in-progress"
    assert copy.headers["Retry-After"] == "1"
    assert 0.5 <= waited < 5.0, waited
    assert (await http.get(f"/v1/households/{household_id}")).json()["visits"] == []
    # And once the other has gone (its lock with its connection), the retry runs
    again = await http.post(
        url, json={"outcome": "met_household"}, headers={"Idempotency-Key": "stuck"}
    )
    assert again.status_code == 201, again.text


async def test_copies_sent_to_two_replicas_make_one_referral(
    api: FastAPI, client: httpx.AsyncClient, settings: Settings, ward_id: str
) -> None:
    """Two apps, each with its own application and connection pools (as two API processes
    have): they agree through PostgreSQL alone."""
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    body = {"household_id": household_id, "need_id": need_id, "department": "SASSA"}
    assert settings.database_url is not None
    second_application = build_application(settings, settings.database_url)
    try:
        second = create_app(settings, second_application)
        async with second.router.lifespan_context(second):
            transport = httpx.ASGITransport(app=second)
            auth = SignedIn(second, second_application, "tester")
            async with httpx.AsyncClient(
                transport=transport, base_url=BASE_URL, auth=auth
            ) as other:
                responses = await asyncio.gather(
                    _copies(client, 5, "/v1/referrals", body, "two-replicas"),
                    _copies(other, 5, "/v1/referrals", body, "two-replicas"),
                )
    finally:
        second_application.close()

    answers = _answers([r for replica in responses for r in replica])
    assert answers == [answers[0]] * 10, answers
    assert answers[0][0] == 201
    referred = await _events(client, f"/v1/households/{household_id}")
    assert referred.count("Household.NeedReferred") == 1, referred


async def test_a_burst_of_keyed_commands_larger_than_the_pool_all_succeed(
    settings: Settings, ward_id: str
) -> None:
    """Each first copy holds a pooled connection while its command takes others: a burst of
    them must not take every connection and leave their commands none."""
    small = settings.model_copy(update={"write_pool_size": 2, "write_pool_max_overflow": 0})
    assert small.database_url is not None
    application = build_application(small, small.database_url)
    try:
        add_user(application, "tester", tuple(Role), BROAD_SCOPES)
        api = create_app(small, application)
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api)
            auth = SignedIn(api, application, "tester")
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as http:
                household_id = await household(http, ward_id)
                url = f"/v1/households/{household_id}/visits"
                body = {"outcome": "met_household"}
                responses = await asyncio.gather(
                    *[
                        http.post(url, json=body, headers={"Idempotency-Key": f"burst-{n}"})
                        for n in range(12)
                    ]
                )
                visits = (await http.get(f"/v1/households/{household_id}")).json()["visits"]
    finally:
        application.close()

    assert [r.status_code for r in responses] == [201] * 12, [r.text for r in responses]
    assert len(visits) == 12
