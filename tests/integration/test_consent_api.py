"""Consent over HTTP: it gates referrals that share personal data; reads of PII are logged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.deps import current_principal
from api.main import create_app
from domain.access.principal import Principal, Role
from domain.application import Sukuma
from domain.personal_data import WITHHELD
from sukuma.settings import Settings
from tests.factories import make_profile
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need, post_ok

NO_CONSENT = {"given": False, "given_by": "self", "basis": "consent"}


async def unconsented(client: httpx.AsyncClient, ward_id: str) -> tuple[str, str]:
    household_id = await household(client, ward_id)
    profile = make_profile(consent=NO_CONSENT)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": profile})
    return household_id, await need(client, household_id)


def sharing(household_id: str, need_id: str, **extra: object) -> dict[str, object]:
    return {
        "household_id": household_id,
        "need_id": need_id,
        "department": "SASSA",
        "personal_data_shared": True,
        **extra,
    }


@pytest.mark.integration
async def test_sharing_personal_data_without_consent_answers_409_naming_the_rule(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id, need_id = await unconsented(client, ward_id)

    refused = await client.post("/v1/referrals", json=sharing(household_id, need_id))

    assert refused.status_code == 409
    assert refused.json()["rule"] == "referral-needs-consent"
    plain = await client.post(
        "/v1/referrals", json={**sharing(household_id, need_id), "personal_data_shared": False}
    )
    assert plain.status_code == 201


@pytest.mark.integration
async def test_an_override_reason_lets_it_through_and_is_recorded(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id, need_id = await unconsented(client, ward_id)
    body = sharing(household_id, need_id, consent_override_reason="child at risk, s35(1)(b)")

    made = await post_ok(client, "/v1/referrals", body)

    history = (await client.get(f"/v1/referrals/{made['id']}/history")).json()
    assert history["events"][0]["payload"]["consent_override_reason"] == (
        "child at risk, s35(1)(b)"
    )


@pytest.mark.integration
async def test_consent_given_then_withdrawn_gates_the_referral(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id, need_id = await unconsented(client, ward_id)
    url = f"/v1/households/{household_id}/consent"
    await post_ok(client, url, {"given_by": "self"})
    await post_ok(client, f"{url}/withdraw", {"note": "moved in with family"})

    refused = await client.post("/v1/referrals", json=sharing(household_id, need_id))
    again = await client.post(f"{url}/withdraw", json={})

    assert refused.status_code == 409
    assert again.status_code == 409 and again.json()["rule"] == "consent-withdrawn"
    await post_ok(client, url, {"given_by": "self"})
    await post_ok(client, "/v1/referrals", sharing(household_id, need_id))
    types = [
        e["type"]
        for e in (await client.get(f"/v1/households/{household_id}/history")).json()["events"]
    ]
    assert types.count("Household.ConsentGiven") == 2
    assert "Household.ConsentWithdrawn" in types


@pytest.mark.integration
async def test_reads_of_personal_fields_are_listed_for_admins(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id, _ = await unconsented(client, ward_id)
    other = await household(client, ward_id)  # registered without village or GPS: nothing to log
    await client.get(f"/v1/households/{household_id}")
    history = (await client.get(f"/v1/households/{household_id}/history")).json()
    await client.get(f"/v1/households/{other}")

    listed = (await client.get("/v1/audit/pii-reads", params={"limit": 1})).json()
    rest = (
        await client.get("/v1/audit/pii-reads", params={"cursor": listed["next_cursor"]})
    ).json()
    by_other = (await client.get("/v1/audit/pii-reads", params={"user_id": "someone"})).json()

    reads = listed["data"] + rest["data"]
    assert [r["endpoint"] for r in reads] == [
        "GET /v1/households/{id}/history",
        "GET /v1/households/{id}",
    ]
    assert {r["household_id"] for r in reads} == {household_id}
    assert {r["username"] for r in reads} == {history["events"][0]["actor"]}  # the caller
    assert "profile.members[].first_name" in reads[1]["fields"]
    assert rest["next_cursor"] is None and by_other["data"] == []


@pytest.fixture
async def officer(
    settings: Settings, application: Sukuma, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """A department officer's client (without pii:read), beside the broad ``client``."""
    api = create_app(settings, application, clock=clock)
    api.dependency_overrides[current_principal] = lambda: Principal(
        "officer-1", "officer", frozenset({Role.DEPARTMENT_OFFICER}), frozenset({"department:DSD"})
    )
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://sukuma.test") as http:
            yield http


@pytest.mark.integration
async def test_withdrawal_hides_personal_fields_from_department_officers(
    client: httpx.AsyncClient, officer: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    await post_ok(client, f"/v1/households/{household_id}/visits", {"note": "Nomvula unwell"})
    url = f"/v1/households/{household_id}"

    before = (await officer.get(url)).json()
    await post_ok(client, f"{url}/consent/withdraw", {})
    after = (await officer.get(url)).json()
    history = (await officer.get(f"{url}/history")).json()

    head = before["profile"]["members"][0]
    assert (head["first_name"], head["phone"]) == ("Nomvula", "+27 82 555 0101")
    assert head["date_of_birth"] == WITHHELD
    assert before["profile"]["members"][1]["first_name"] == WITHHELD
    assert after["profile"]["members"][0]["first_name"] == WITHHELD
    assert after["consent"] == "withdrawn" and after["needs"] == before["needs"]
    assert "Nomvula" not in str(history)
    reads = (await client.get("/v1/audit/pii-reads", params={"user_id": "officer-1"})).json()
    assert [r["fields"] for r in reads["data"]] == [
        ["profile.members[].first_name", "profile.members[].phone", "profile.members[].surname"]
    ]
