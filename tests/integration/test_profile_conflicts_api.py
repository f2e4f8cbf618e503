"""Offline profiles through HTTP against PostgreSQL: arrival order never decides."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from domain.access.principal import Role
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.factories import make_child, make_profile
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_views_api import project


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


async def contested(client: httpx.AsyncClient, ward_id: str) -> tuple[str, dict[str, Any]]:
    """A household whose rooms two offline edits from one base set to 6 and to 2."""
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

    return household_id, base


async def test_two_offline_edits_from_one_base_merge_and_contest_one_field(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id, _ = await contested(client, ward_id)
    state = (await client.get(f"/v1/households/{household_id}")).json()
    profile = state["profile"]
    assert profile["basic_services"]["electricity"] == "grid"  # only the first changed it
    assert profile["livelihood"]["income_band"] == "none"  # only the second changed it
    assert profile["dwelling"]["rooms"] == 2  # contested: the later occurred_at stands
    history = (await client.get(f"/v1/households/{household_id}/history")).json()
    kinds = [e["type"] for e in history["events"]]
    assert "Household.ProfileMerged" in kinds
    assert kinds.count("Household.ProfileConflictRecorded") == 1


async def test_a_convener_lists_the_conflicts_of_its_ward_and_resolves_one(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ward_id: str,
    other_ward_id: str,
) -> None:
    household_id, _ = await contested(client, ward_id)
    for _ in range(2):  # a second one, for the pagination
        await contested(client, ward_id)
    elsewhere, _ = await contested(client, other_ward_id)
    project(application)
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")

    first = (await convener.get("/v1/conflicts", params={"limit": 2})).json()
    rest = (
        await convener.get("/v1/conflicts", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    listed = [*first["data"], *rest["data"]]
    assert rest["next_cursor"] is None
    assert len(listed) == 3  # its ward's, not the other ward's
    assert all(c["ward_id"] == ward_id and c["status"] == "open" for c in listed)
    assert {c["path"] for c in listed} == {"dwelling.rooms"}
    mine = next(c for c in listed if c["household_id"] == household_id)
    assert mine["candidates"] == 2
    read = (await convener.get(f"/v1/households/{household_id}")).json()
    [conflict] = read["profile_conflicts"]
    assert conflict["conflict_id"] == mine["conflict_id"]
    assert [c["value"] for c in conflict["candidates"]] == [6, 2]  # by occurred_at
    analyst = await client_as(Role.ANALYST, f"ward:{ward_id}")
    hidden = (await analyst.get(f"/v1/households/{household_id}")).json()
    assert {c["value"] for c in hidden["profile_conflicts"][0]["candidates"]} == {"[withheld]"}

    others = (await client.get("/v1/conflicts")).json()["data"]
    theirs = next(c for c in others if c["household_id"] == elsewhere)
    refused = await convener.post(
        f"/v1/conflicts/{theirs['conflict_id']}/resolve", json={"value": 6}
    )
    assert refused.status_code == 404  # out of its scope: as if it did not exist

    url = f"/v1/conflicts/{mine['conflict_id']}/resolve"
    invalid = await convener.post(url, json={"value": "many"})
    assert invalid.status_code == 422  # the profile must stay valid
    await post_ok(convener, url, {"value": 6})
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert state["profile"]["dwelling"]["rooms"] == 6
    history = (await client.get(f"/v1/households/{household_id}/history")).json()
    assert "Household.ProfileConflictResolved" in [e["type"] for e in history["events"]]
    project(application)
    resolved = (await convener.get("/v1/conflicts", params={"status": "resolved"})).json()
    assert [c["conflict_id"] for c in resolved["data"]] == [mine["conflict_id"]]
    assert resolved["data"][0]["resolved_by"] is not None


async def test_the_views_keep_the_newer_profiles_risk_when_an_older_one_arrives(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/profile"
    hungry = make_profile(food_security={"days_skipped_meal_last_7": 3, "child_went_hungry": True})
    await post_ok(client, url, {"profile": hungry, "occurred_at": at(1)})
    project(application)  # the newer one projected first, as it arrived first
    level = (await client.get(f"/v1/households/{household_id}")).json()["risk"]["level"]
    await post_ok(client, url, {"profile": make_profile(), "occurred_at": at(20)})
    project(application)

    listed = (await client.get("/v1/households", params={"ward": ward_id})).json()["data"]
    [row] = [r for r in listed if r["household_id"] == household_id]
    assert level != "low" and row["risk_level"] == level
    cold = (await client.get("/v1/households", params={"ward": ward_id, "risk": "low"})).json()
    assert household_id not in {r["household_id"] for r in cold["data"]}


async def test_acknowledging_a_cancelled_referral_offline_is_409_naming_the_rule(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await post_ok(client, f"/v1/referrals/{referral_id}/cancel", {"reason": "duplicate"})

    late = await client.post(
        f"/v1/referrals/{referral_id}/acknowledge", json={"occurred_at": at(2)}
    )
    assert late.status_code == 409  # no longer legal, whenever it happened in the field
    assert late.json()["rule"] == "referral-terminal"
    assert "cancelled" in late.json()["detail"]


async def test_an_erased_household_with_conflicts_still_loads_and_refuses_a_resolution(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    household_id, _ = await contested(client, ward_id)
    project(application)
    [conflict] = (await client.get(f"/v1/households/{household_id}")).json()["profile_conflicts"]
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})

    fresh = Sukuma(env=dict(application.env))  # a cold key cache: the events are read again
    try:
        reloaded = fresh.get(Household, UUID(household_id))
    finally:
        fresh.close()
    [values] = [c["candidates"] for c in (reloaded.conflicts or {}).values()]
    assert {c["value"] for c in values.values()} == {"[erased]"}
    read = (await client.get(f"/v1/households/{household_id}")).json()
    assert {c["value"] for c in read["profile_conflicts"][0]["candidates"]} == {"[erased]"}
    url = f"/v1/conflicts/{conflict['conflict_id']}/resolve"
    refused = await client.post(url, json={"value": 2})
    assert refused.status_code == 409
    assert refused.json()["rule"] == "personal-data-erased"


async def test_an_edit_from_before_an_erasure_is_409_naming_the_rule(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    """An edit from an earlier version is not merged into an erased profile: it would bring
    back what was erased, and its fields no longer line up with the erased markers (for some
    shapes the merge met a marker where it expected a section: a 500). A 409 naming the rule;
    a whole profile (no base_version) is still taken."""
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/profile"
    profile: dict[str, Any] = dict(make_profile())
    base = await post_ok(client, url, {"profile": profile, "occurred_at": at(3)})
    await post_ok(client, url, {"profile": profile, "occurred_at": at(2)})
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})

    edited = copy.deepcopy(profile)
    edited["dwelling"] = {**edited["dwelling"], "rooms": 5, "gps": {"lat": -29.6, "lon": 30.4}}
    late = await client.post(
        url, json={"profile": edited, "occurred_at": at(1), "base_version": base["version"]}
    )
    assert late.status_code == 409, late.text
    assert late.json()["rule"] == "personal-data-erased"
    assert (await client.get(f"/v1/households/{household_id}")).status_code == 200

    whole = await client.post(url, json={"profile": edited, "occurred_at": at(1)})
    assert whole.status_code in (200, 201), whole.text
