"""Citizen feedback through HTTP against a real PostgreSQL: the code on a delivered referral,
the household's answer without signing in, "not received" disputing it and alerting the war
room, brute force and replay of codes, and the SMS gateway's signed webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.feedback.webhook import signature
from api.main import create_app
from domain.access.principal import Role
from domain.alerts.model import Alert, alert_id
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import BASE_URL, ClientAs, Clock
from tests.integration.helpers import (
    advance_referral,
    database_text,
    need,
    profiled_household,
    referral,
)
from tests.integration.test_views_api import project

WARD = geography().wards_in("municipality", "KZN225")[0].id
GATEWAY_SECRET = "gateway-secret-for-tests"


async def delivered_referral(client: httpx.AsyncClient) -> str:
    household_id = await profiled_household(client, WARD)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await advance_referral(client, referral_id, "acknowledge", "deliver")
    return referral_id


async def code_for(client: httpx.AsyncClient, referral_id: str) -> str:
    answer = await client.get(f"/v1/referrals/{referral_id}/feedback-code")
    assert answer.status_code == 200, answer.text
    code: str = answer.json()["code"]
    return code


def client_at(api: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api, client=(address, 4321))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


async def test_the_household_rates_a_delivery_once_with_its_code_and_its_comment_is_sealed(
    api: FastAPI, client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma
) -> None:
    referral_id = await delivered_referral(client)
    code = await code_for(client, referral_id)
    assert len(code) == 15 and code.count("-") == 2  # XXXX-XXXX-XXXXX: 13 characters, 65 bits
    # The department being rated never sees the code: it may not read the household.
    officer = await client_as(Role.DEPARTMENT_OFFICER, "municipality:KZN225", "department:SASSA")
    assert (await officer.get(f"/v1/referrals/{referral_id}")).status_code == 200
    assert (await officer.get(f"/v1/referrals/{referral_id}/feedback-code")).status_code == 404

    async with client_at(api, "198.51.100.1") as household:
        typed = code.lower().replace("-", " ")  # as typed on a phone
        body = {"code": typed, "received": True, "rating": 4, "comment": "Ngiyabonga, uGogo"}
        first = await household.post("/open/v1/feedback", json=body)
        again = await household.post("/open/v1/feedback", json=body)

    assert first.status_code == 200, first.text
    assert again.status_code == 404  # used: a replayed code is no code
    history = (await client.get(f"/v1/referrals/{referral_id}/history")).json()
    given = [e for e in history["events"] if e["type"] == "Referral.FeedbackGiven"]
    assert [(e["payload"]["rating"], e["payload"]["comment"]) for e in given] == [
        (4, "Ngiyabonga, uGogo")
    ]
    assert given[0]["actor"] == "household (feedback code)"
    project(application)
    league = (await officer.get("/v1/departments/performance?municipality=KZN225")).json()
    [sassa] = [d for d in league["data"] if d["department"] == "SASSA"]
    assert (sassa["ratings"], sassa["mean_rating"], sassa["not_received"]) == (1, 4.0, 0)
    shown_to_officer = (await officer.get(f"/v1/referrals/{referral_id}/history")).text
    assert "Ngiyabonga" not in shown_to_officer
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    assert not any("Ngiyabonga" in text for text in database_text(datastore).values())


async def test_not_received_disputes_the_delivery_and_alerts_the_war_room(
    api: FastAPI, client: httpx.AsyncClient, application: Sukuma
) -> None:
    referral_id = await delivered_referral(client)
    code = await code_for(client, referral_id)

    async with client_at(api, "198.51.100.2") as household:
        said = await household.post("/open/v1/feedback", json={"code": code, "received": False})

    assert said.status_code == 200, said.text
    assert (await client.get(f"/v1/referrals/{referral_id}")).json()["status"] == "disputed"
    alert = application.get(Alert, alert_id("FB-01", f"referral:{referral_id}"))
    assert alert.scope["ward_id"] == WARD and alert.status == "open"
    # The department league counts it (and the ratings) once projected.
    project(application)
    league = await client.get("/v1/departments/performance", params={"municipality": "KZN225"})
    [sassa] = [d for d in league.json()["data"] if d["department"] == "SASSA"]
    assert (sassa["not_received"], sassa["ratings"], sassa["mean_rating"]) == (1, 0, None)
    # The war room takes it from there: the referral goes back to the department.
    await advance_referral(client, referral_id, "reopen")


async def test_guessing_codes_is_throttled_per_address_and_codes_expire(
    api: FastAPI, client: httpx.AsyncClient, clock: Clock
) -> None:
    referral_id = await delivered_referral(client)
    code = await code_for(client, referral_id)
    right = {"code": code, "received": True, "rating": 5}

    async with client_at(api, "203.0.113.66") as guesser:
        misses = [
            (
                await guesser.post("/open/v1/feedback", json={**right, "code": f"{n:013d}"})
            ).status_code
            for n in range(10)
        ]
        blocked = await guesser.post("/open/v1/feedback", json=right)
    assert misses == [404] * 10
    # Past the limit even the right code is refused from there: guessing gains nothing.
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0

    clock.advance(days=61)  # past SUKUMA_FEEDBACK_CODE_DAYS (60) from the delivery
    async with client_at(api, "203.0.113.67") as household:
        late = await household.post("/open/v1/feedback", json=right)
    assert late.status_code == 404


@pytest.fixture
async def gateway_api(
    settings: Settings, application: Sukuma, clock: Clock
) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(update={"sms_webhook_secret": SecretStr(GATEWAY_SECRET)})
    app = create_app(configured, application, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


def signed(body: bytes, message_id: str, at: float, secret: str = GATEWAY_SECRET) -> dict[str, str]:
    timestamp = str(int(at))
    return {
        "Content-Type": "application/json",
        "X-Sukuma-Timestamp": timestamp,
        "X-Sukuma-Message-Id": message_id,
        "X-Sukuma-Signature": signature(secret, timestamp, message_id, body),
    }


async def test_the_sms_gateways_webhook_is_signed_fresh_and_never_replayed(
    gateway_api: FastAPI, application: Sukuma, clock: Clock, client_as: ClientAs
) -> None:
    broad = await client_as(tuple(Role), f"ward:{WARD}", "department:SASSA", "pii:read")
    referral_id = await delivered_referral(broad)
    code = await code_for(broad, referral_id)
    body = f'{{"sender": "+27821234567", "text": "{code} yebo 5 kuhle"}}'.encode()
    now = clock.now.timestamp()
    url = "/open/v1/feedback/sms"

    async with client_at(gateway_api, "192.0.2.10") as gateway:
        forged = await gateway.post(url, content=body, headers=signed(body, "m1", now, "wrong"))
        stale = await gateway.post(url, content=body, headers=signed(body, "m2", now - 600))
        tampered = body.replace(b"5 kuhle", b"1 kubi")
        swapped = await gateway.post(url, content=tampered, headers=signed(body, "m3", now))
        good = await gateway.post(url, content=body, headers=signed(body, "m4", now))
        replayed = await gateway.post(url, content=body, headers=signed(body, "m4", now))
        junk = b"not json"
        garbled = await gateway.post(url, content=junk, headers=signed(junk, "m5", now))

    assert [forged.status_code, stale.status_code, swapped.status_code] == [401, 401, 401]
    assert good.status_code == 200 and good.json()["status"] == "recorded", good.text
    assert replayed.status_code == 409
    assert garbled.status_code == 422
    history = (await broad.get(f"/v1/referrals/{referral_id}/history")).json()["events"]
    [given] = [e["payload"] for e in history if e["type"] == "Referral.FeedbackGiven"]
    assert (given["received"], given["rating"], given["comment"], given["channel"]) == (
        True, 5, "kuhle", "sms",
    )  # fmt: skip


async def test_without_a_gateway_secret_the_webhook_is_not_there(
    anonymous: httpx.AsyncClient,
) -> None:
    answer = await anonymous.post("/open/v1/feedback/sms", json={"sender": "1", "text": "x"})
    assert answer.status_code == 404
