"""Referral lifecycle through HTTP: due dates, transitions, 409/412/404/422."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import httpx

from tests.integration.helpers import advance_referral, household, need, post_ok, referral


async def test_referral_fixes_due_dates_from_service_standard(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id, category="child_protection", severity="critical")

    referral_id = await referral(client, household_id, need_id, department="DSD")
    state = (await client.get(f"/v1/referrals/{referral_id}")).json()

    today = date.fromisoformat(state["made_at"][:10])
    assert state["status"] == "made"
    assert state["from_ward_id"] == ward_id
    assert state["ack_by"] == (today + timedelta(days=2)).isoformat()
    assert state["deliver_by"] == (today + timedelta(days=14)).isoformat()
    household_state = (await client.get(f"/v1/households/{household_id}")).json()
    assert household_state["needs"][0]["open_referral_id"] == referral_id


async def test_full_lifecycle_closes_the_loop_and_resolves_the_need(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    referral_id = await referral(client, household_id, need_id)

    await advance_referral(client, referral_id, "acknowledge", "deliver", "verify", "close")

    state = (await client.get(f"/v1/referrals/{referral_id}")).json()
    assert state["status"] == "closed"
    needs = (await client.get(f"/v1/households/{household_id}")).json()["needs"]
    assert needs[0]["status"] == "resolved"
    assert needs[0]["interventions"] == 1
    assert needs[0]["open_referral_id"] is None


async def test_lifecycle_rules_answer_409(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    referral_id = await referral(client, household_id, need_id)

    deliver_early = await client.post(f"/v1/referrals/{referral_id}/deliver", json={})
    close_early = await client.post(f"/v1/referrals/{referral_id}/close", json={})
    second = await client.post(
        "/v1/referrals",
        json={"household_id": household_id, "need_id": need_id, "department": "DSD"},
    )
    await post_ok(
        client, f"/v1/referrals/{referral_id}/escalate", {"level": 2, "reason": "no answer"}
    )
    down = await client.post(
        f"/v1/referrals/{referral_id}/escalate", json={"level": 1, "reason": "calm down"}
    )

    assert deliver_early.status_code == 409
    assert close_early.status_code == 409
    assert second.status_code == 409
    assert second.json()["rule"] == "one-open-referral-per-need"
    assert down.status_code == 409
    assert down.json()["rule"] == "escalation-only-upward"


async def test_nothing_after_terminal_state(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    referral_id = await referral(client, household_id, need_id)
    await post_ok(client, f"/v1/referrals/{referral_id}/reject", {"reason": "not_eligible"})

    responses = [
        await client.post(f"/v1/referrals/{referral_id}/{step}", json=body)
        for step, body in [
            ("acknowledge", {}),
            ("cancel", {"reason": "too late"}),
            ("escalate", {"level": 3, "reason": "too late"}),
        ]
    ]

    assert [r.status_code for r in responses] == [409, 409, 409]
    assert {r.json()["rule"] for r in responses} == {"referral-terminal"}
    # the rejection released the need: a new referral can be made
    assert await referral(client, household_id, need_id, department="DSD")


async def test_dispute_then_reopen_only_from_disputed(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await advance_referral(client, referral_id, "acknowledge")

    early = await client.post(
        f"/v1/referrals/{referral_id}/reopen", json={"reason": "just because"}
    )
    await advance_referral(client, referral_id, "deliver", "dispute", "reopen")

    assert early.status_code == 409
    state = (await client.get(f"/v1/referrals/{referral_id}")).json()
    assert state["status"] == "acknowledged"


async def test_stale_if_match_on_a_transition_is_412(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await post_ok(client, f"/v1/referrals/{referral_id}/escalate", {"level": 1, "reason": "slow"})

    stale = await client.post(
        f"/v1/referrals/{referral_id}/acknowledge", json={}, headers={"If-Match": '"1"'}
    )
    bad_header = await client.post(
        f"/v1/referrals/{referral_id}/acknowledge", json={}, headers={"If-Match": "yesterday"}
    )

    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert bad_header.status_code == 422
    assert (await client.get(f"/v1/referrals/{referral_id}")).json()["status"] == "made"


async def test_bad_referral_input_is_422_or_404(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)

    unknown_department = await client.post(
        "/v1/referrals",
        json={"household_id": household_id, "need_id": need_id, "department": "NOPE"},
    )
    unknown_household = await client.post(
        "/v1/referrals",
        json={"household_id": str(uuid4()), "need_id": need_id, "department": "DSD"},
    )
    bad_level = await client.post(
        f"/v1/referrals/{uuid4()}/escalate", json={"level": 9, "reason": "very bad"}
    )
    missing = await client.post(f"/v1/referrals/{uuid4()}/acknowledge", json={})

    assert unknown_department.status_code == 422
    assert unknown_department.json()["detail"][0]["loc"] == ["body", "department"]
    assert unknown_household.status_code == 404
    assert bad_level.status_code == 422
    assert missing.status_code == 404


async def test_referral_id_is_not_a_household(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))

    assert (await client.get(f"/v1/households/{referral_id}")).status_code == 404
    assert (await client.get(f"/v1/referrals/{household_id}")).status_code == 404
