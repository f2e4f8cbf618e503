"""Task teams through HTTP: seats, meetings and action items as a war room's, and the queue of
alerts and referrals escalated to the team's level of the ladder in its area."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from domain.access.principal import Role
from domain.context import CommandContext
from domain.delivery.teams import task_team_id
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_views_api import project


async def test_a_task_team_seats_members_meets_and_agrees_actions(
    client_as: ClientAs, application: Sukuma
) -> None:
    analyst = await client_as(Role.ANALYST, "district:DC22")
    team = await post_ok(
        analyst, "/v1/task-teams", {"kind": "LTT", "code": "KZN225", "name": "Msunduzi LTT"}
    )
    url = f"/v1/task-teams/{team['id']}"
    chair = await post_ok(analyst, f"{url}/members", {"name": "Cllr Ndlovu", "seat": "chair"})
    dsd = await post_ok(
        analyst,
        f"{url}/members",
        {"name": "DSD manager", "seat": "department", "department": "DSD"},
    )
    meeting = await post_ok(
        analyst, f"{url}/meetings", {"attendee_member_ids": [chair["member_id"], dsd["member_id"]]}
    )
    item = await post_ok(
        analyst,
        f"{url}/action-items",
        {"text": "Unblock the foster-care backlog", "owner_member_id": dsd["member_id"],
         "due_on": "2026-12-31", "meeting_id": meeting["meeting_id"]},
    )  # fmt: skip
    await post_ok(analyst, f"{url}/action-items/{item['item_id']}/done", {})
    stranger = await analyst.post(
        f"{url}/meetings", json={"attendee_member_ids": [item["item_id"]]}
    )
    project(application)

    read = (await analyst.get(url)).json()
    listed = (await analyst.get("/v1/task-teams?kind=LTT")).json()["data"]

    assert team["id"] == str(task_team_id("LTT", "KZN225"))
    assert stranger.status_code == 409
    assert (read["kind"], read["level"], read["meetings_held"]) == ("LTT", 2, 1)
    assert read["meetings"][0]["departments_present"] == ["DSD"]
    assert [(i["status"], i["owner_member_id"]) for i in read["action_items"]] == [
        ("done", dsd["member_id"])
    ]
    assert [t["team_id"] for t in listed] == [team["id"]]


async def test_escalations_land_in_the_matching_team_queue(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    for kind, code in (("LTT", "KZN225"), ("DTT", "DC22"), ("LTT", "KZN222")):
        await post_ok(client, "/v1/task-teams", {"kind": kind, "code": code, "name": kind})
    household_id = await household(client, ward_id)
    to_ltt = await referral(client, household_id, await need(client, household_id))
    to_dtt = await referral(client, household_id, await need(client, household_id, "water"))
    for referral_id, level in ((to_ltt, 2), (to_dtt, 3)):
        body = {"level": level, "reason": "no answer from the department"}
        await post_ok(client, f"/v1/referrals/{referral_id}/escalate", body)
    scope = {"ward_id": ward_id, "municipality": "KZN225", "district": "DC22", "department": None}
    for subject, level in (("war-room-quiet", 2), ("department-failing", 3)):
        application.raise_alert(
            rule="EW-08", rule_version="ew08-v1", subject=subject, level=level,
            evidence={}, scope=scope, since=None,
            ctx=CommandContext(actor="system:test", occurred_at=datetime.now(UTC)),
        )  # fmt: skip
    project(application)
    ward_convener = await client_as(Role.CONVENER, f"ward:{ward_id}")

    ltt = (await client.get(f"/v1/task-teams/{task_team_id('LTT', 'KZN225')}/queue")).json()
    dtt = (await client.get(f"/v1/task-teams/{task_team_id('DTT', 'DC22')}/queue")).json()
    other = (await client.get(f"/v1/task-teams/{task_team_id('LTT', 'KZN222')}/queue")).json()
    hidden = await ward_convener.get(f"/v1/task-teams/{task_team_id('LTT', 'KZN225')}/queue")

    assert ltt["level"] == 2
    assert [r["referral_id"] for r in ltt["referrals"]] == [to_ltt]
    assert [a["subject"] for a in ltt["alerts"]] == ["war-room-quiet"]
    assert [r["referral_id"] for r in dtt["referrals"]] == [to_dtt]
    assert [a["subject"] for a in dtt["alerts"]] == ["department-failing"]
    assert (other["alerts"], other["referrals"]) == ([], [])
    assert hidden.status_code == 404


async def test_the_user_in_a_team_seat_runs_its_priorities_without_an_area_scope(
    client_as: ClientAs, application: Sukuma
) -> None:
    analyst = await client_as(Role.ANALYST, "district:DC22")
    elsewhere = geography().wards_in("municipality", "ETH")[0].id
    manager = await client_as(Role.CONVENER, f"ward:{elsewhere}", username="mm.msunduzi")
    team = await post_ok(
        analyst, "/v1/task-teams", {"kind": "LTT", "code": "KZN225", "name": "Msunduzi LTT"}
    )
    seat = await post_ok(
        analyst, f"/v1/task-teams/{team['id']}/members", {"name": "MM", "seat": "chair"}
    )
    priority = {"title": "Profiling", "team": "LTT", "team_code": "KZN225"}

    before = await manager.post("/v1/priorities", json=priority)
    link = f"/v1/task-teams/{team['id']}/members/{seat['member_id']}/user"
    unknown = await analyst.post(link, json={"username": "nobody"})
    linked = await analyst.post(link, json={"username": "mm.msunduzi"})
    after = await manager.post("/v1/priorities", json=priority)
    project(application)
    read = (await analyst.get(f"/v1/task-teams/{team['id']}")).json()

    assert (before.status_code, unknown.status_code, linked.status_code) == (403, 404, 200)
    assert after.status_code == 201
    assert read["members"][0]["username"] == "mm.msunduzi"
