"""Household commands through HTTP against PostgreSQL: create, profile, needs, concurrency."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import httpx

from domain.access.principal import Role
from tests.factories import make_profile
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import household, need, post_ok, profiled_household


async def test_register_household_returns_201_with_location_and_version(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    response = await client.post(
        "/v1/households", json={"ward_id": ward_id, "dwelling_type": "formal"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert body["position"] >= 1
    assert response.headers["Location"] == f"/v1/households/{body['id']}"
    read = await client.get(response.headers["Location"])
    assert read.status_code == 200
    assert read.headers["ETag"] == '"1"'
    assert read.json()["ward_id"] == ward_id
    assert read.json()["status"] == "registered"


async def test_client_supplied_id_is_idempotent_with_same_content_and_409_with_other(
    client: httpx.AsyncClient, ward_id: str, other_ward_id: str
) -> None:
    household_id = str(uuid4())
    body = {"id": household_id, "ward_id": ward_id, "dwelling_type": "informal"}
    first = await client.post("/v1/households", json=body)
    again = await client.post("/v1/households", json=body)
    other = await client.post("/v1/households", json={**body, "ward_id": other_ward_id})

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == household_id
    assert again.json()["version"] == 1
    assert other.status_code == 409
    history = (await client.get(f"/v1/households/{household_id}/history")).json()
    assert [e["type"] for e in history["events"]] == ["Household.Registered"]


async def test_an_id_taken_in_a_ward_the_caller_cannot_see_is_not_found_not_a_conflict(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, other_ward_id: str
) -> None:
    # Given a household registered in one ward
    household_id = str(uuid4())
    body = {"id": household_id, "ward_id": ward_id, "dwelling_type": "informal"}
    assert (await client.post("/v1/households", json=body)).status_code == 201
    other_convener = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    same_convener = await client_as(Role.CONVENER, f"ward:{ward_id}")

    # When a convener of another ward registers its id in their own ward
    hidden = await other_convener.post("/v1/households", json={**body, "ward_id": other_ward_id})
    seen = await same_convener.post("/v1/households", json={**body, "dwelling_type": "formal"})

    # Then they learn nothing of it (404 as for any id they cannot see), and nothing is written;
    # a convener who sees it gets the conflict
    assert hidden.status_code == 404
    assert seen.status_code == 409
    history = (await client.get(f"/v1/households/{household_id}/history")).json()
    assert [e["type"] for e in history["events"]] == ["Household.Registered"]


async def test_profile_derives_needs_and_risk(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await profiled_household(client, ward_id)

    state = (await client.get(f"/v1/households/{household_id}")).json()

    assert state["status"] == "active"
    assert state["risk"]["rule_version"] == "risk-v1"
    assert 0 <= state["risk"]["score"] <= 100
    assert state["risk"]["level"] in {"low", "medium", "high", "critical"}
    assert state["version"] >= 3  # registered, profile submitted, risk scored (+ derived needs)


async def test_stale_if_match_answers_412_with_current_version_and_writes_nothing(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    await need(client, household_id)  # version 2

    stale = await client.post(
        f"/v1/households/{household_id}/needs",
        json={"category": "water", "severity": "low"},
        headers={"If-Match": '"1"'},
    )
    fresh = await client.post(
        f"/v1/households/{household_id}/needs",
        json={"category": "water", "severity": "low"},
        headers={"If-Match": '"2"'},
    )

    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert stale.headers["ETag"] == '"2"'
    assert fresh.status_code == 201
    assert fresh.json()["version"] == 3


async def test_additive_facts_without_if_match_commute(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    await need(client, household_id)

    visit = await client.post(
        f"/v1/households/{household_id}/visits", json={"outcome": "met_household"}
    )

    assert visit.status_code == 201
    assert visit.json()["version"] == 3


async def test_illegal_transition_answers_409_naming_the_rule(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)

    response = await client.post(
        f"/v1/households/{household_id}/reopen", json={"reason": "why not"}
    )

    assert response.status_code == 409
    assert response.json()["rule"] == "reopen-only-graduated"


async def test_intervention_against_resolved_need_is_refused(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id, severity="low")
    await post_ok(
        client,
        f"/v1/households/{household_id}/needs/{need_id}/resolve",
        {"resolution": "no_longer_needed", "note": "moved in with family"},
    )

    response = await client.post(
        f"/v1/households/{household_id}/interventions",
        json={"need_id": need_id, "kind": "food_parcel", "provider": "DSD"},
    )

    assert response.status_code == 409
    assert response.json()["rule"] == "intervention-needs-open-need"


async def test_graduation_refused_while_high_need_open(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await profiled_household(client, ward_id)
    await need(client, household_id, category="food_security", severity="critical")

    response = await client.post(f"/v1/households/{household_id}/graduate", json={})

    assert response.status_code == 409
    assert response.json()["rule"] == "graduation-open-high-needs"


async def test_unknown_household_answers_404_everywhere(client: httpx.AsyncClient) -> None:
    missing = uuid4()
    assert (await client.get(f"/v1/households/{missing}")).status_code == 404
    assert (await client.get(f"/v1/households/{missing}/history")).status_code == 404
    response = await client.post(f"/v1/households/{missing}/visits", json={})
    assert response.status_code == 404


async def test_malformed_bodies_answer_422_naming_the_field(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    bad_ward = await client.post(
        "/v1/households", json={"ward_id": "nowhere", "dwelling_type": "formal"}
    )
    unknown_ward = await client.post(
        "/v1/households", json={"ward_id": "KZN225-W999", "dwelling_type": "formal"}
    )
    household_id = await household(client, ward_id)
    bad_severity = await client.post(
        f"/v1/households/{household_id}/needs", json={"category": "water", "severity": "dire"}
    )
    bad_profile = await client.post(
        f"/v1/households/{household_id}/profile",
        json={"profile": make_profile(members=[])},
    )

    assert bad_ward.status_code == 422
    assert bad_ward.json()["detail"][0]["loc"] == ["body", "ward_id"]
    assert unknown_ward.status_code == 422
    assert unknown_ward.json()["detail"][0]["loc"] == ["body", "ward_id"]
    assert bad_severity.status_code == 422
    assert bad_severity.json()["detail"][0]["loc"] == ["body", "severity"]
    assert bad_profile.status_code == 422
    assert bad_profile.json()["detail"][0]["loc"][:3] == ["body", "profile", "members"]
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert state["version"] == 1  # nothing was half-written


async def test_occurred_at_in_future_or_too_old_is_refused(
    client: httpx.AsyncClient, ward_id: str, clock: Clock
) -> None:
    future = (clock.now + timedelta(days=1)).isoformat()
    too_old = (clock.now - timedelta(days=91)).isoformat()
    recent = (clock.now - timedelta(days=30)).isoformat()
    body = {"ward_id": ward_id, "dwelling_type": "formal"}

    responses = [
        await client.post("/v1/households", json={**body, "occurred_at": at})
        for at in (future, too_old)
    ]
    ok = await client.post("/v1/households", json={**body, "occurred_at": recent})

    assert [r.status_code for r in responses] == [422, 422]
    assert all(r.json()["detail"][0]["loc"] == ["body", "occurred_at"] for r in responses)
    assert ok.status_code == 201
    history = (await client.get(f"/v1/households/{ok.json()['id']}/history")).json()
    assert history["events"][0]["occurred_at"].startswith(recent[:10])
    assert history["events"][0]["recorded_at"] > history["events"][0]["occurred_at"]


async def test_history_as_of_returns_the_record_as_it_was(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    first = (await client.get(f"/v1/households/{household_id}/history")).json()
    as_of = first["events"][0]["recorded_at"]
    await need(client, household_id)

    now = (await client.get(f"/v1/households/{household_id}/history")).json()
    then = (
        await client.get(f"/v1/households/{household_id}/history", params={"as_of": as_of})
    ).json()

    assert [e["type"] for e in now["events"]] == [
        "Household.Registered",
        "Household.NeedIdentified",
    ]
    assert [e["type"] for e in then["events"]] == ["Household.Registered"]
    assert then["state"]["version"] == 1
    assert then["state"]["needs"] == []
    assert now["events"][1]["actor"] == "tester"
    assert now["events"][1]["payload"]["category"] == "social_grant"
