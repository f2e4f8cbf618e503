"""Offline profiles through HTTP against PostgreSQL: arrival order never decides."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.factories import make_child, make_profile
from tests.integration.helpers import household, post_ok


def at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


async def test_a_profile_from_20_days_ago_posted_after_a_newer_one_does_not_replace_it(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/profile"
    # The newer profile: a child went hungry, meals skipped, and a second child listed.
    newer: dict[str, Any] = dict(
        make_profile(food_security={"days_skipped_meal_last_7": 3, "child_went_hungry": True})
    )
    newer["members"] = [*newer["members"], make_child(first_name="Zanele", sex="female")]
    await post_ok(client, url, {"profile": newer, "occurred_at": at(1)})
    current = (await client.get(f"/v1/households/{household_id}")).json()

    older = dict(make_profile())
    await post_ok(client, url, {"profile": older, "occurred_at": at(20)})

    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert state["risk"] == current["risk"]  # score, level and assessed_at of the newer one
    assert state["risk"]["level"] != "low"  # the older profile alone scores low
    assert state["profile"]["members"] == current["profile"]["members"]
    assert len(state["profile"]["members"]) == 4
    history = (await client.get(f"/v1/households/{household_id}/history")).json()
    kinds = [e["type"] for e in history["events"]]
    assert kinds.count("Household.ProfileSubmitted") == 2  # the older one is kept


async def test_two_offline_edits_from_one_base_merge_and_contest_one_field(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/profile"
    base_profile: dict[str, Any] = dict(make_profile())
    base = await post_ok(client, url, {"profile": base_profile, "occurred_at": at(3)})

    def edit(**changes: dict[str, Any]) -> dict[str, Any]:
        profile = copy.deepcopy(base_profile)
        for section, values in changes.items():
            profile[section] = {**profile[section], **values}
        return profile

    first = edit(dwelling={"rooms": 6}, basic_services={"electricity": "grid"})
    second = edit(dwelling={"rooms": 2}, livelihood={"income_band": "none"})
    await post_ok(
        client, url, {"profile": second, "occurred_at": at(1), "base_version": base["version"]}
    )
    stale = await client.post(
        url,
        json={"profile": first, "occurred_at": at(2)},
        headers={"If-Match": f'"{base["version"]}"'},
    )
    assert stale.status_code == 412  # If-Match keeps its meaning: the version must be current
    await post_ok(
        client, url, {"profile": first, "occurred_at": at(2), "base_version": base["version"]}
    )

    state = (await client.get(f"/v1/households/{household_id}")).json()
    profile = state["profile"]
    assert profile["basic_services"]["electricity"] == "grid"  # only the first changed it
    assert profile["livelihood"]["income_band"] == "none"  # only the second changed it
    assert profile["dwelling"]["rooms"] == 2  # contested: the later occurred_at stands
    history = (await client.get(f"/v1/households/{household_id}/history")).json()
    kinds = [e["type"] for e in history["events"]]
    assert "Household.ProfileMerged" in kinds
    assert kinds.count("Household.ProfileConflictRecorded") == 1
