"""Results and Delivery through HTTP: a task team's priority, a target's trajectory against
the actual values the nerve centre counts, the rating suggested and the rating recorded."""

from __future__ import annotations

import httpx

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.conftest import ClientAs, Clock
from tests.integration.delivery import month_end, months_back, profiled_on, profiling_target
from tests.integration.helpers import post_ok
from tests.integration.test_views_api import project


async def test_a_target_shows_each_month_planned_actual_gap_and_the_rating_suggested(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    today = clock.now.date()
    two_back, one_back = months_back(today, 2), months_back(today, 1)
    priority_id, target_id = await profiling_target(client, ward_id, today)
    # One household profiled two months back, two more last month: 1 and 3 against 2 and 4.
    await profiled_on(client, ward_id, two_back.replace(day=15))
    for day in (3, 20):
        await profiled_on(client, ward_id, one_back.replace(day=day))
    project(application)

    read = await client.get(f"/v1/targets/{target_id}")
    earlier = await client.get(f"/v1/targets/{target_id}?as_of={month_end(two_back)}")
    priority = (await client.get(f"/v1/priorities/{priority_id}")).json()
    listed = (await client.get("/v1/priorities?team=LTT&team_code=KZN225")).json()

    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    target = read.json()
    assert [p["value"] for p in target["points"]] == [2, 4, 6, 8, 10]
    months = {m["month"]: m for m in target["months"]}
    assert list(months) == [
        two_back.isoformat(),
        one_back.isoformat(),
        today.replace(day=1).isoformat(),
    ]
    assert months[two_back.isoformat()] | {"rating": None} == {
        "month": two_back.isoformat(),
        "complete": True,
        "planned": 2,
        "actual": 1,
        "gap": -1,
        "behind": 0.5,
        "proposed_rating": 1,
        "rating": None,
    }
    assert (
        months[one_back.isoformat()]["actual"],
        months[one_back.isoformat()]["proposed_rating"],
    ) == (3, 2)
    assert months[today.replace(day=1).isoformat()]["complete"] is False
    assert [(m["month"], m["actual"]) for m in earlier.json()["months"]] == [
        (two_back.isoformat(), 1)
    ]
    assert [t["target_id"] for t in priority["targets"]] == [target_id]
    assert [(p["priority_id"], p["targets"]) for p in listed["data"]] == [(priority_id, 1)]


async def test_a_rating_is_recorded_beside_the_one_suggested_and_revisions_keep_the_first(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    today = clock.now.date()
    one_back = months_back(today, 1)
    _, target_id = await profiling_target(client, ward_id, today)
    await profiled_on(client, ward_id, one_back.replace(day=10))
    project(application)
    url = f"/v1/targets/{target_id}"
    rating = {"month": one_back.replace(day=17).isoformat(), "rating": 3, "problem_level": 2,
              "reason": "profiling teams were on leave; back at work now"}  # fmt: skip
    revised = {
        "points": [
            {"month": months_back(today, n).isoformat(), "value": v}
            for n, v in ((2, 0), (1, 1), (0, 3), (-1, 6), (-2, 10))
        ],
        "reason": "teams start late in the year",
    }

    rated = await client.post(f"{url}/ratings", json=rating)
    stale = await client.post(f"{url}/trajectory", json=revised, headers={"If-Match": '"1"'})
    revision = await client.post(f"{url}/trajectory", json=revised, headers={"If-Match": '"2"'})
    again = await client.post(f"{url}/trajectory", json=revised)
    project(application)
    target = (await client.get(url)).json()

    assert (rated.status_code, stale.status_code, revision.status_code) == (200, 412, 200)
    assert again.status_code == 409
    last_month = next(m for m in target["months"] if m["month"] == one_back.isoformat())
    assert last_month["rating"]["rating"] == 3
    assert last_month["rating"]["proposed_rating"] == 1  # 1 against 4 planned then: red
    assert last_month["rating"]["reason"].startswith("profiling teams")
    assert (last_month["planned"], last_month["proposed_rating"]) == (1, 4)  # the new line
    assert [r["revision"] for r in target["revisions"]] == [0, 1]
    assert [p["value"] for p in target["revisions"][0]["points"]] == [2, 4, 6, 8, 10]
    assert target["revisions"][1]["reason"] == "teams start late in the year"


async def test_analysts_of_the_team_area_set_targets_others_read_or_see_nothing(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, clock: Clock,
    ward_id: str,
) -> None:  # fmt: skip
    today = clock.now.date()
    analyst = await client_as(Role.ANALYST, "municipality:KZN225")
    convener = await client_as(Role.CONVENER, "district:DC22")
    stranger = await client_as(Role.ANALYST, "district:ETH")
    ward_convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    _, target_id = await profiling_target(analyst, ward_id, today)
    project(application)
    rating = {"month": today.isoformat(), "rating": 2, "problem_level": 1, "reason": "nudge"}
    elsewhere = {"title": "Not ours", "team": "LTT", "team_code": "KZN225"}

    assert (await convener.get(f"/v1/targets/{target_id}")).status_code == 200
    assert (await convener.post(f"/v1/targets/{target_id}/ratings", json=rating)).status_code == 403
    assert (await stranger.get(f"/v1/targets/{target_id}")).status_code == 404
    assert (await stranger.post(f"/v1/targets/{target_id}/ratings", json=rating)).status_code == 404
    assert (await stranger.post("/v1/priorities", json=elsewhere)).status_code == 403
    assert (await ward_convener.get(f"/v1/targets/{target_id}")).status_code == 404
    assert (await stranger.get("/v1/priorities")).json()["data"] == []
    assert (await analyst.post(f"/v1/targets/{target_id}/ratings", json=rating)).status_code == 200


async def test_a_target_outside_the_team_area_or_off_its_target_is_refused(
    client: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    today = clock.now.date()
    priority_id, _ = await profiling_target(client, ward_id, today)
    body = {
        "indicator": "M5",
        "level": "municipality",
        "code": "ETH",
        "baseline_value": 40,
        "baseline_on": month_end(months_back(today, 1)).isoformat(),
        "target_value": 80,
        "due_on": month_end(months_back(today, -1)).isoformat(),
    }
    by_hand = {**body, "code": "KZN225", "points": [
        {"month": today.replace(day=1).isoformat(), "value": 60},
        {"month": months_back(today, -1).isoformat(), "value": 70},
    ]}  # fmt: skip

    outside = await client.post(f"/v1/priorities/{priority_id}/targets", json=body)
    short = await client.post(f"/v1/priorities/{priority_id}/targets", json=by_hand)
    fine = await post_ok(
        client, f"/v1/priorities/{priority_id}/targets", {**by_hand, "points": [
            {"month": today.replace(day=1).isoformat(), "value": 60},
            {"month": months_back(today, -1).isoformat(), "value": 80},
        ]},
    )  # fmt: skip

    assert (outside.status_code, short.status_code) == (422, 422)
    assert "outside" in outside.text
    assert fine["version"] == 1
