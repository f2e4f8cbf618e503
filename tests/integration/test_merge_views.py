"""A merge of duplicate households followed by the views, through HTTP against PostgreSQL
(issue 20): while merged, the duplicate is listed nowhere and counted as no household, its
open needs count in its survivor's row, ward and heat map, its referrals name the survivor,
its visits count for the survivor's visits due; commands sent to its id answer 409 naming
the survivor; an unmerge leaves every read as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from domain.duplicates.model import candidate_id
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_caseloads_api import field_worker
from tests.integration.test_views_api import get_ok, project


def without_freshness(read: dict[str, Any]) -> dict[str, Any]:
    """A read but its freshness and its rows' log positions (a merge and its undoing change
    rows, so the sync feed sends them again)."""
    out = {k: v for k, v in read.items() if k != "freshness"}
    if isinstance(out.get("data"), list):
        out["data"] = [{k: v for k, v in row.items() if k != "position"} for row in out["data"]]
    return out


async def reads(http: httpx.AsyncClient, worker: str, wards: tuple[str, str]) -> dict[str, Any]:
    """What the views answer about both wards: lists, dashboards, heat map, caseload."""
    urls: dict[str, tuple[str, dict[str, str]]] = {
        "households": ("/v1/households", {}),
        "referrals": ("/v1/referrals", {}),
        "heatmap": ("/v1/needs/heatmap", {"municipality": "KZN225"}),
        "caseload": (f"/v1/field-workers/{worker}/caseload", {}),
        "visits_due": (f"/v1/field-workers/{worker}/visits-due", {"within_days": "90"}),
        **{f"dashboard {w}": (f"/v1/dashboard/ward/{w}", {}) for w in wards},
    }
    return {
        name: without_freshness(await get_ok(http, url, **params))
        for name, (url, params) in urls.items()
    }


def caseload_size(application: Sukuma, worker: str) -> int:
    """The caseload the early-warning view counts for a field worker (EW-07)."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT state FROM early_warning_state WHERE kind = 'field_worker' AND id = %s",
            (worker,),
        )
        row = curs.fetchone()
    assert row is not None
    return int(row["state"]["caseload"])


def heat(read: dict[str, Any], ward: str, category: str) -> int:
    cell = next(row for row in read["heatmap"]["wards"] if row["ward_id"] == ward)
    return int(cell["counts"][category])


async def test_a_merged_households_records_count_for_its_survivor_until_unmerged(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str, other_ward_id: str
) -> None:
    # Given one family profiled in two wards, each in one field worker's caseload, the second
    # record with a high water need, a referral for it and a visit ten days ago
    worker = await field_worker(client, ward_id, other_ward_id)
    survivor, duplicate = await household(client, ward_id), await household(client, other_ward_id)
    for household_id in (survivor, duplicate):
        await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
        await post_ok(client, f"/v1/households/{household_id}/assign", {"field_worker_id": worker})
    water = await need(client, duplicate, category="water", severity="high")
    referred = await referral(client, duplicate, water, department="MUNI")
    visited = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    await post_ok(client, f"/v1/households/{duplicate}/visits", {"occurred_at": visited})
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    project(application)
    before = await reads(client, worker, (ward_id, other_ward_id))

    # When a convener merges the second record into the first
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    project(application)
    merged = await reads(client, worker, (ward_id, other_ward_id))

    # Then the duplicate is listed nowhere and counted as no household,
    listed = {row["household_id"]: row for row in merged["households"]["data"]}
    assert duplicate not in listed and survivor in listed
    assert merged[f"dashboard {other_ward_id}"]["households"]["total"] == (
        before[f"dashboard {other_ward_id}"]["households"]["total"] - 1
    )
    # its open need counts in the survivor's row, ward and heat map cell,
    assert water in {n["need_id"] for n in listed[survivor]["open_needs"]}
    assert listed[survivor]["high_needs"] == 1
    assert merged[f"dashboard {ward_id}"]["needs"]["open"] == 1
    assert merged[f"dashboard {other_ward_id}"]["needs"]["open"] == 0
    assert (heat(merged, ward_id, "water"), heat(merged, other_ward_id, "water")) == (1, 0)
    # its referral names the survivor as its household and is followed up in its ward (as a
    # move hands it over),
    row = next(r for r in merged["referrals"]["data"] if r["referral_id"] == referred)
    assert (row["household_id"], row["ward_id"]) == (survivor, ward_id)
    assert (
        merged[f"dashboard {ward_id}"]["referrals"] != before[f"dashboard {ward_id}"]["referrals"]
    )
    # and its visit counts for the survivor's next visit (the duplicate is in no caseload).
    assert {r["household_id"] for r in merged["caseload"]["data"]} == {survivor}
    due = {r["household_id"]: r for r in merged["visits_due"]["data"]}
    assert set(due) == {survivor}
    assert datetime.fromisoformat(due[survivor]["last_visit_at"]) == datetime.fromisoformat(visited)

    # (and in none for EW-07, which reads the field worker's caseload),
    assert caseload_size(application, worker) == 1

    # When it is unmerged, every read is as it was before the merge
    await post_ok(client, f"/v1/duplicates/{pair}/unmerge", {"reason": "two families"})
    project(application)
    assert await reads(client, worker, (ward_id, other_ward_id)) == before
    assert caseload_size(application, worker) == 2


async def test_commands_sent_to_a_merged_household_answer_409_naming_its_survivor(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a merged pair whose duplicate has an open need
    survivor, duplicate = await household(client, ward_id), await household(client, ward_id)
    for household_id in (survivor, duplicate):
        await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    water = await need(client, duplicate, category="water", severity="high")
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    version = application.get(Household, UUID(duplicate)).version

    # When a phone that still holds the duplicate's id sends it a visit, a need, a referral
    sent = {
        "visit": await client.post(f"/v1/households/{duplicate}/visits", json={}),
        "need": await client.post(
            f"/v1/households/{duplicate}/needs",
            json={"category": "food_security", "severity": "low"},
        ),
        "referral": await client.post(
            "/v1/referrals",
            json={"household_id": duplicate, "need_id": water, "department": "MUNI"},
        ),
    }

    # Then each is refused with the rule and the household to send it to, and nothing written
    for answer in sent.values():
        assert answer.status_code == 409, answer.text
        assert answer.json()["rule"] == "household-merged"
        assert answer.json()["survivor_id"] == survivor
        assert survivor in answer.json()["detail"]
    assert application.get(Household, UUID(duplicate)).version == version
    # but the data subject's rights do not wait for an unmerge
    consent = {"given_by": "self"}
    await post_ok(client, f"/v1/households/{duplicate}/consent", consent)


def clock_row(application: Sukuma, kind: str, subject: str) -> dict[str, Any] | None:
    """A subject's early-warning clock of this kind (``None``: it has no row)."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT * FROM early_warning_clocks WHERE kind = %s AND subject = %s", (kind, subject)
        )
        row = curs.fetchone()
    return None if row is None else dict(row)


def clock(application: Sukuma, kind: str, subject: str) -> tuple[bool, datetime]:
    row = clock_row(application, kind, subject)
    assert row is not None
    return row["active"], row["since"]


async def test_a_merged_households_visit_counts_for_its_survivors_early_warning(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given one high-risk family recorded twice, never visited on the first record and
    # visited three days ago on the second
    survivor, duplicate = await household(client, ward_id), await household(client, ward_id)
    profile = make_profile(social_ills={"child_abuse_concern": True})  # risk floor: high
    for household_id in (survivor, duplicate):
        await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": profile})
    visited = datetime.now(UTC) - timedelta(days=3)
    await post_ok(
        client, f"/v1/households/{duplicate}/visits", {"occurred_at": visited.isoformat()}
    )
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    project(application)
    unvisited = "high_risk_unvisited"  # EW-06's clock
    never = clock(application, unvisited, survivor)
    assert clock(application, unvisited, duplicate) == (True, visited)

    # When the second record is merged into the first
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    project(application)

    # Then the survivor's clock runs from the duplicate's visit and the duplicate's stops
    assert clock(application, unvisited, survivor) == (True, visited)
    assert clock(application, unvisited, duplicate)[0] is False

    # and once unmerged, both run as before
    await post_ok(client, f"/v1/duplicates/{pair}/unmerge", {})
    project(application)
    assert clock(application, unvisited, survivor) == never
    assert clock(application, unvisited, duplicate) == (True, visited)
