"""Consent over HTTP: it gates referrals that share personal data; reads of PII are logged."""

from __future__ import annotations

import httpx
import pytest

from domain.access.principal import Role
from domain.personal_data import WITHHELD
from domain.reference.geography import geography
from tests.factories import make_profile
from tests.integration.conftest import ClientAs
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


@pytest.mark.integration
async def test_withdrawal_hides_personal_fields_from_department_officers(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    # Given a profiled household with a referral to DSD that shares its personal data,
    # and a DSD officer of the household's municipality (without pii:read)
    municipality = geography().ancestors(ward_id)[0]
    officer = await client_as(
        Role.DEPARTMENT_OFFICER,
        f"municipality:{municipality}",
        "department:DSD",
        username="officer",
    )
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    await post_ok(client, f"/v1/households/{household_id}/visits", {"note": "Nomvula unwell"})
    need_id = await need(client, household_id, category="child_protection")
    made = await post_ok(
        client,
        "/v1/referrals",
        {**sharing(household_id, need_id), "department": "DSD"},
    )
    url = f"/v1/referrals/{made['id']}"

    # When the officer reads it before and after the household withdraws its consent
    before = (await officer.get(url)).json()
    await post_ok(client, f"/v1/households/{household_id}/consent/withdraw", {})
    after = (await officer.get(url)).json()
    history = (await officer.get(f"{url}/history")).json()
    household_read = await officer.get(f"/v1/households/{household_id}")

    # Then it saw the head's contact only, and nothing once consent was withdrawn
    assert before["household_contact"] == {
        "first_name": "Nomvula",
        "surname": before["household_contact"]["surname"],
        "phone": "+27 82 555 0101",
    }
    assert before["household_contact"]["surname"] not in (None, WITHHELD)
    assert set(after["household_contact"].values()) == {WITHHELD}
    assert after["status"] == before["status"]
    assert "Nomvula" not in str(history)
    assert household_read.status_code == 404  # the household record itself is not theirs
    officer_id = (await officer.get("/v1/me")).json()["user_id"]
    reads = (await client.get("/v1/audit/pii-reads", params={"user_id": officer_id})).json()
    # (newest first; the referral's exact category, which the department acts on, each time)
    contact = [
        "profile.members[].first_name",
        "profile.members[].phone",
        "profile.members[].surname",
    ]
    assert [r["fields"] for r in reads["data"]] == [
        ["needs[].category"],
        ["needs[].category"],
        ["needs[].category", *contact],
    ]


@pytest.mark.integration
async def test_data_subject_actions_follow_the_access_policy(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    # Given a household without consent, and people of its ward in different roles
    household_id, need_id = await unconsented(client, ward_id)
    field_worker = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    admin = await client_as(Role.ADMIN, f"ward:{ward_id}")
    override = sharing(household_id, need_id, consent_override_reason="child at risk tonight")

    # Then only an admin erases and reads the access log, and only a convener overrides consent
    erase = f"/v1/households/{household_id}/erase"
    assert (await convener.post(erase, json={"reason": "asked"})).status_code == 403
    assert (await field_worker.get("/v1/audit/pii-reads")).status_code == 403
    assert (await admin.get("/v1/audit/pii-reads")).status_code == 200
    assert (await field_worker.post("/v1/referrals", json=override)).status_code == 403
    assert (await convener.post("/v1/referrals", json=override)).status_code == 201
    assert (await admin.post(erase, json={"reason": "data subject asked"})).status_code == 200


@pytest.mark.integration
async def test_a_household_that_moved_away_shows_the_old_ward_nothing_personal(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, other_ward_id: str
) -> None:
    # Given a profiled household of ward A with a referral sharing its data and a note
    old_convener = await client_as(Role.CONVENER, f"ward:{ward_id}", username="old-convener")
    new_convener = await client_as(Role.CONVENER, f"ward:{other_ward_id}", username="new-conv")
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    need_id = await need(client, household_id)
    made = await post_ok(
        client, "/v1/referrals", sharing(household_id, need_id, note="Call Nomvula at home")
    )
    url = f"/v1/referrals/{made['id']}"
    assert "Nomvula" in (await old_convener.get(url)).text  # while it lives in ward A

    # When it moves to ward B
    await post_ok(client, f"/v1/households/{household_id}/move", {"to_ward_id": other_ward_id})

    # Then the open referral went with it (issue 20: a move hands open referrals over), so
    # ward A sees neither it nor its history, and nothing of the household
    read, history = await old_convener.get(url), await old_convener.get(f"{url}/history")
    assert read.status_code == history.status_code == 404
    assert "Nomvula" not in read.text and "Nomvula" not in history.text
    assert (await old_convener.get(f"/v1/households/{household_id}")).status_code == 404
    assert "Nomvula" in (await new_convener.get(url)).text
    # And ward B, where it lives now, sees them
    assert "Nomvula" in (await new_convener.get(f"/v1/households/{household_id}")).text
