"""Solutions tracking and delivery chains through HTTP: a war room's solution is seen up the
ladder with its progress and RAG; a target's delivery chain names who answers for each link."""

from __future__ import annotations

import httpx

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.conftest import ClientAs, Clock
from tests.integration.delivery import profiling_target
from tests.integration.helpers import post_ok
from tests.integration.test_views_api import project


async def test_a_war_room_solution_is_seen_up_the_ladder_with_its_progress(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    room = await post_ok(client, "/v1/war-rooms", {"ward_id": ward_id, "name": "Ward war room"})
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    district = await client_as(Role.ANALYST, "district:DC22")
    elsewhere = await client_as(Role.ANALYST, "district:ETH")
    body = {
        "body": "warroom",
        "body_id": room["id"],
        "problem": "Children without birth certificates cannot get the grant",
        "solution": "Home Affairs mobile unit at the school, monthly",
        "plan": [{"text": "Book the mobile unit", "owner": "Convener", "due_on": "2026-12-20"}],
    }

    agreed = await post_ok(convener, "/v1/solutions", body)
    progress = {"status": "in_progress", "rag": "amber", "evidence": "Unit booked for the 14th"}
    reported = await convener.post(f"/v1/solutions/{agreed['id']}/progress", json=progress)
    refused = await district.post(
        "/v1/solutions", json={**body, "body": "taskteam", "body_id": room["id"]}
    )
    project(application)
    seen = (await district.get("/v1/solutions?rag=amber")).json()["data"]
    one = (await convener.get(f"/v1/solutions/{agreed['id']}")).json()
    hidden = await elsewhere.get(f"/v1/solutions/{agreed['id']}")

    assert reported.status_code == 200
    assert refused.status_code == 404  # no task team has that id
    assert [s["solution_id"] for s in seen] == [agreed["id"]]
    assert (one["status"], one["rag"], one["ward_id"]) == ("in_progress", "amber", ward_id)
    assert one["progress"][0]["evidence"] == "Unit booked for the 14th"
    assert one["plan"][0]["owner"] == "Convener"
    assert hidden.status_code == 404
    assert (await elsewhere.get("/v1/solutions")).json()["data"] == []


async def test_a_target_delivery_chain_names_an_owner_and_indicator_per_link(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    _, target_id = await profiling_target(client, ward_id, clock.now.date())
    url = f"/v1/targets/{target_id}/chain"
    links = [
        {"role": "department", "body": "DSD KZN", "owner": "Ms Z. Mkhize, HOD", "indicator": "M5"},
        {"role": "district_office", "body": "DSD uMgungundlovu", "owner": "Mr T. Zulu",
         "indicator": "M5 in DC22"},
        {"role": "war_room", "body": f"Ward {ward_id}", "owner": "Convener",
         "indicator": "M1 in the ward"},
    ]  # fmt: skip
    added = [await post_ok(client, url, link) for link in links]
    removed = await client.post(
        f"{url}/{added[1]['link_id']}/remove", json={"reason": "the district office merged"}
    )
    twice = await client.post(
        f"{url}/{added[1]['link_id']}/remove", json={"reason": "the district office merged"}
    )
    project(application)

    chain = (await client.get(f"/v1/targets/{target_id}")).json()["chain"]

    assert (removed.status_code, twice.status_code) == (200, 409)
    assert [(c["role"], c["owner"], c["indicator"]) for c in chain] == [
        ("department", "Ms Z. Mkhize, HOD", "M5"),
        ("war_room", "Convener", "M1 in the ward"),
    ]
