"""Stocktakes through HTTP: a task team reviews its priority, the rating it agrees becomes the
target's for the month beside the one suggested, the picture it looked at stays readable, and
an action left past its date is an early warning (EW-14) until it is done."""

from __future__ import annotations

from datetime import timedelta

import httpx

from domain.access.principal import Role
from domain.delivery.teams import task_team_id
from domain.sukuma import Sukuma
from tests.integration.alerting import alerting
from tests.integration.conftest import ClientAs, Clock
from tests.integration.delivery import months_back, profiled_on, profiling_target
from tests.integration.helpers import post_ok
from tests.integration.test_views_api import project


async def test_a_stocktake_records_its_review_and_its_overdue_action_warns_until_done(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    today = clock.now.date()
    ew = alerting(application, clock)
    priority_id, target_id = await profiling_target(client, ward_id, today)
    await profiled_on(client, ward_id, months_back(today, 2).replace(day=12))  # 1 against 2
    team = await post_ok(
        client, "/v1/task-teams", {"kind": "LTT", "code": "KZN225", "name": "Msunduzi LTT"}
    )
    chair = await post_ok(client, f"/v1/task-teams/{team['id']}/members",
                          {"name": "Cllr Ndlovu", "seat": "chair"})  # fmt: skip
    project(application)
    due = today + timedelta(days=3)
    review = {
        "priority_id": priority_id,
        "target_id": target_id,
        "rating": 2,
        "problem_level": 3,
        "reason": "Two wards have no field workers",
        "decisions": ["Move two field workers from ward 5 for a month"],
        "actions": [{"text": "Second the field workers", "owner": "Municipal manager",
                     "due_on": due.isoformat()}],
    }  # fmt: skip

    held = await post_ok(
        client,
        f"/v1/task-teams/{team['id']}/stocktakes",
        {"attendee_member_ids": [chair["member_id"]], "reviews": [review]},
    )
    note = await client.post(
        f"/v1/priorities/{priority_id}/notes",
        json={"month": today.isoformat(), "text": "Still behind; field workers moved"},
    )
    project(application)
    stocktake = (await client.get(f"/v1/stocktakes/{held['id']}")).json()
    listed = (await client.get(f"/v1/stocktakes?team_id={team['id']}")).json()["data"]
    target = (await client.get(f"/v1/targets/{target_id}")).json()
    priority = (await client.get(f"/v1/priorities/{priority_id}")).json()
    action_id = stocktake["actions"][0]["action_id"]
    ew.clock.advance(days=4)
    raised = ew.sweep("EW-14")
    alert = ew.alert("EW-14", action_id)
    done = await client.post(f"/v1/stocktakes/{held['id']}/actions/{action_id}/done", json={})
    resolved = ew.sweep("EW-14")

    assert held["id"] and note.status_code == 200
    assert [s["stocktake_id"] for s in listed] == [held["id"]]
    reviewed = stocktake["reviews"][0]
    assert (reviewed["rating"], reviewed["problem_level"]) == (2, 3)
    assert reviewed["decisions"] == review["decisions"]
    assert [m["actual"] for m in reviewed["months"]] == [1, 1, 1]
    assert (stocktake["actions"][0]["owner"], stocktake["actions"][0]["status"]) == (
        "Municipal manager", "open",
    )  # fmt: skip
    this_month = target["months"][-1]
    assert (this_month["rating"]["rating"], this_month["rating"]["proposed_rating"]) == (2, 1)
    assert [n["text"] for n in priority["notes"]] == ["Still behind; field workers moved"]
    assert raised.raised["EW-14"] == 1
    assert alert is not None
    assert (alert["level"], alert["municipality"]) == (2, "KZN225")
    assert alert["evidence"]["team"] == "LTT"
    assert done.status_code == 200
    assert resolved.resolved["EW-14"] == 1
    assert team["id"] == str(task_team_id("LTT", "KZN225"))


async def test_a_stocktake_of_another_team_priority_is_refused(
    client: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    priority_id, _ = await profiling_target(client, ward_id, clock.now.date())
    team = await post_ok(client, "/v1/task-teams", {"kind": "DTT", "code": "DC22", "name": "DTT"})
    review = {"priority_id": priority_id, "rating": 3, "problem_level": 1, "reason": "fine"}

    refused = await client.post(
        f"/v1/task-teams/{team['id']}/stocktakes", json={"reviews": [review]}
    )

    assert refused.status_code == 422
    assert "this task team" in refused.text


async def test_the_ptts_overdue_action_is_seen_and_acknowledged_across_the_province(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, clock: Clock
) -> None:
    # Given the PTT's priority and a stocktake action left past its date
    ew = alerting(application, clock)
    team = await post_ok(client, "/v1/task-teams", {"kind": "PTT", "code": "KZN", "name": "PTT"})
    priority = await post_ok(
        client, "/v1/priorities", {"title": "Province", "team": "PTT", "team_code": "KZN"}
    )
    due = clock.now.date() + timedelta(days=1)
    review = {"priority_id": priority["id"], "rating": 2, "problem_level": 4, "reason": "Slow",
              "actions": [{"text": "Escalate to the Premier", "owner": "DG",
                           "due_on": due.isoformat()}]}  # fmt: skip
    held = await post_ok(client, f"/v1/task-teams/{team['id']}/stocktakes", {"reviews": [review]})
    project(application)
    action_id = (await client.get(f"/v1/stocktakes/{held['id']}")).json()["actions"][0]
    ew.clock.advance(days=3)

    # When the sweep raises EW-14 for it, at the PTT's level, naming no smaller area
    assert ew.sweep("EW-14").raised["EW-14"] == 1
    alert = ew.alert("EW-14", action_id["action_id"])
    assert alert is not None
    assert (alert["level"], alert["municipality"], alert["district"]) == (4, None, None)
    url = f"/v1/alerts/{alert['alert_id']}"
    province = await client_as(Role.ANALYST, "province:KZN")
    district = await client_as(Role.ANALYST, "district:DC22")

    # Then it lives in the province: its analysts read it, acknowledge it and find it queued
    assert (await province.get(url)).status_code == 200
    acknowledged = await province.post(f"{url}/acknowledge", json={})
    queue = (await province.get(f"/v1/task-teams/{team['id']}/queue")).json()
    assert acknowledged.status_code == 200, acknowledged.text
    assert [a["alert_id"] for a in queue["alerts"]] == [str(alert["alert_id"])]
    # and a district's do not
    assert (await district.get(url)).status_code == 404
