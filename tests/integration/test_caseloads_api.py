"""Caseloads (issue 20) through HTTP against PostgreSQL: a convener assigns households to field
workers of its ward; a field worker's caseload, counts by risk and visits due; a move hands
the caseload and the open referrals to the new ward's war room."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.conftest import ClientAs
from tests.integration.helpers import advance_referral, household, need, post_ok, referral
from tests.integration.test_views_api import get_ok, project

HUNGRY = {"days_skipped_meal_last_7": 3, "child_went_hungry": True}  # scores above low


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def field_worker(http: httpx.AsyncClient, *wards: str) -> str:
    created = await post_ok(http, "/v1/field-workers", {"name": "Zanele Mkhize", "cadre": "ccg"})
    for ward in wards:
        await post_ok(http, f"/v1/field-workers/{created['id']}/assign", {"ward_id": ward})
    return str(created["id"])


async def test_a_convener_of_the_ward_assigns_field_workers_of_that_ward(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, other_ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    here, elsewhere = await field_worker(client, ward_id), await field_worker(client, other_ward_id)
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    other_convener = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    worker = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    url = f"/v1/households/{household_id}/assign"

    assert (await convener.post(url, json={"field_worker_id": here})).status_code == 200
    not_of_ward = await convener.post(url, json={"field_worker_id": elsewhere})
    assert not_of_ward.status_code == 409
    assert not_of_ward.json()["rule"] == "field-worker-ward"
    again = await convener.post(url, json={"field_worker_id": here})
    assert (again.status_code, again.json()["rule"]) == (409, "caseload-unchanged")
    assert (await worker.post(url, json={"field_worker_id": here})).status_code == 403
    assert (await other_convener.post(url, json={"field_worker_id": here})).status_code == 404

    read = await get_ok(convener, f"/v1/households/{household_id}")
    assert read["field_worker_id"] == here


async def test_a_field_workers_caseload_lists_counts_by_risk_and_follows_reassignment(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    other_ward_id: str,
    ward_id: str,
) -> None:
    first, second = await field_worker(client, ward_id), await field_worker(client, ward_id)
    risky, calm, unprofiled = [await household(client, ward_id) for _ in range(3)]
    profiles = {risky: make_profile(food_security=HUNGRY), calm: make_profile()}
    for household_id, profile in profiles.items():
        await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": profile})
    for household_id in (risky, calm, unprofiled):
        await post_ok(client, f"/v1/households/{household_id}/assign", {"field_worker_id": first})
    project(application)

    caseload = await get_ok(client, f"/v1/field-workers/{first}/caseload")
    risk_of_risky = (await get_ok(client, f"/v1/households/{risky}"))["risk"]["level"]
    assert risk_of_risky != "low"
    assert {r["household_id"] for r in caseload["data"]} == {risky, calm, unprofiled}
    assert caseload["counts"]["total"] == 3
    assert caseload["counts"]["by_risk"] == {risk_of_risky: 1, "low": 1, "unscored": 1}
    assert caseload["counts"]["by_status"] == {"active": 2, "registered": 1}
    only_low = await get_ok(client, f"/v1/field-workers/{first}/caseload", risk_level="low")
    assert [r["household_id"] for r in only_low["data"]] == [calm]

    await post_ok(client, f"/v1/households/{risky}/assign", {"field_worker_id": second})
    project(application)

    after = await get_ok(client, f"/v1/field-workers/{first}/caseload")
    assert {r["household_id"] for r in after["data"]} == {calm, unprofiled}
    moved_to = await get_ok(client, f"/v1/field-workers/{second}/caseload")
    assert [r["household_id"] for r in moved_to["data"]] == [risky]
    # Another ward's convener does not see this ward's field workers, nor their caseloads.
    outsider = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    assert (await outsider.get(f"/v1/field-workers/{first}/caseload")).status_code == 404


async def test_visits_due_follow_risk_and_the_last_visit(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    worker = await field_worker(client, ward_id)
    overdue, visited, calm = [await household(client, ward_id) for _ in range(3)]
    for household_id, profile in (
        (overdue, make_profile(food_security=HUNGRY)),
        (visited, make_profile(food_security=HUNGRY)),
        (calm, make_profile()),
    ):
        url = f"/v1/households/{household_id}"
        await post_ok(client, f"{url}/profile", {"profile": profile, "occurred_at": ago(40)})
        body = {"field_worker_id": worker, "occurred_at": ago(40)}
        await post_ok(client, f"{url}/assign", body)
    await post_ok(
        client,
        f"/v1/households/{visited}/visits",
        {"field_worker_id": worker, "outcome": "met_household", "occurred_at": ago(2)},
    )
    project(application)

    due = await get_ok(client, f"/v1/field-workers/{worker}/visits-due")

    # High or critical risk: every 7 or 14 days; low: every 90 (assigned 40 days ago).
    assert [r["household_id"] for r in due["data"]] == [overdue]
    assert due["rule_version"] == "visits-v1"
    ahead = await get_ok(client, f"/v1/field-workers/{worker}/visits-due", within_days=60)
    assert {r["household_id"] for r in ahead["data"]} == {overdue, visited, calm}


async def test_a_move_hands_caseload_and_open_referrals_to_the_new_ward(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ward_id: str,
    other_ward_id: str,
) -> None:
    worker = await field_worker(client, ward_id)
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/assign", {"field_worker_id": worker})
    open_referral = await referral(client, household_id, await need(client, household_id))
    closed_referral = await referral(client, household_id, await need(client, household_id))
    await advance_referral(client, closed_referral, "acknowledge", "deliver", "verify", "close")
    old = await client_as(Role.CONVENER, f"ward:{ward_id}")
    new = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    assert (await new.get(f"/v1/referrals/{open_referral}")).status_code == 404

    await post_ok(old, f"/v1/households/{household_id}/move", {"to_ward_id": other_ward_id})
    project(application)

    # The new ward's convener sees the open referral and acts on it; the old one no longer.
    handed_over = await get_ok(new, f"/v1/referrals/{open_referral}")
    assert (handed_over["status"], handed_over["from_ward_id"]) == ("made", ward_id)
    assert handed_over["ward_id"] == other_ward_id
    escalated = await new.post(
        f"/v1/referrals/{open_referral}/escalate", json={"level": 2, "reason": "moved in"}
    )
    assert escalated.status_code == 200, escalated.text
    assert (await old.get(f"/v1/referrals/{open_referral}")).status_code == 404
    listed = await get_ok(new, "/v1/referrals", ward=other_ward_id)
    assert [r["referral_id"] for r in listed["data"]] == [open_referral]
    # The closed referral stays in the old ward's history.
    assert (await get_ok(old, f"/v1/referrals/{closed_referral}"))["status"] == "closed"
    assert (await new.get(f"/v1/referrals/{closed_referral}")).status_code == 404
    history = await get_ok(client, f"/v1/referrals/{open_referral}/history")
    assert "Referral.Rehomed" in [e["type"] for e in history["events"]]
    # Its field worker does not serve the new ward: the new ward's convener assigns it.
    assert (await get_ok(client, f"/v1/field-workers/{worker}/caseload"))["counts"]["total"] == 0
    waiting = await get_ok(new, "/v1/caseloads/unassigned", ward=other_ward_id)
    assert [r["household_id"] for r in waiting["data"]] == [household_id]
    there = await field_worker(client, other_ward_id)
    assign = {"field_worker_id": there}
    await post_ok(new, f"/v1/households/{household_id}/assign", assign)
