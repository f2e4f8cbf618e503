"""The query API through HTTP: state built with commands, projected, then read back.

Each test writes through the command API, runs the nerve-centre projection once, and reads
the views over the asyncpg pool (opened by the app's lifespan, which this module's ``client``
runs). Time moves with the ``clock`` fixture, never by sleeping.
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from api import freshness
from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.nerve_centre.indicators import week_start
from projections.registry import PROJECTIONS, open_projections
from projections.runner import BatchRunner
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import (
    advance_referral,
    household,
    need,
    post_ok,
    profiled_household,
)


@pytest.fixture
def eth_ward_id() -> str:
    return geography().wards_in("municipality", "ETH")[0].id


def project(application: Sukuma) -> int:
    """Run the nerve-centre projection up to the head of the log."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    runner = BatchRunner(application.recorder, application.name, open_projections(datastore))  # type: ignore[arg-type]
    return runner.run_once()


def ago(clock: Clock, days: float) -> str:
    return (clock.now - timedelta(days=days)).isoformat()


async def get_ok(http: httpx.AsyncClient, url: str, **params: Any) -> dict[str, Any]:
    response = await http.get(url, params=params)
    assert response.status_code == 200, (url, response.status_code, response.text)
    data: dict[str, Any] = response.json()
    return data


async def ids(http: httpx.AsyncClient, url: str, key: str, **params: Any) -> set[str]:
    return {row[key] for row in (await get_ok(http, url, **params))["data"]}


async def made_referral(
    http: httpx.AsyncClient,
    clock: Clock,
    ward_id: str,
    *,
    made_days_ago: float = 0,
    department: str = "SASSA",
    category: str = "social_grant",
) -> str:
    """A household with a high need (identified before) and a referral made days ago."""
    before = made_days_ago + 1
    data = await post_ok(
        http,
        "/v1/households",
        {"ward_id": ward_id, "dwelling_type": "informal", "occurred_at": ago(clock, before)},
    )
    household_id = data["id"]
    need_id = (
        await post_ok(
            http,
            f"/v1/households/{household_id}/needs",
            {"category": category, "severity": "high", "occurred_at": ago(clock, before)},
        )
    )["need_id"]
    body = {
        "household_id": household_id,
        "need_id": need_id,
        "department": department,
        "occurred_at": ago(clock, made_days_ago),
    }
    return str((await post_ok(http, "/v1/referrals", body))["id"])


async def act(
    http: httpx.AsyncClient, clock: Clock, referral_id: str, action: str, days_ago: float = 0
) -> None:
    await post_ok(
        http, f"/v1/referrals/{referral_id}/{action}", {"occurred_at": ago(clock, days_ago)}
    )


# ---- households ------------------------------------------------------------------------------


async def test_household_list_filters_by_area_status_risk_and_open_need(
    client: httpx.AsyncClient,
    application: Sukuma,
    ward_id: str,
    other_ward_id: str,
    eth_ward_id: str,
) -> None:
    # Given households in two wards of KZN225 and one in eThekwini
    with_grant_need = await household(client, ward_id)
    await need(client, with_grant_need, category="social_grant", severity="high")
    profiled = await profiled_household(client, ward_id)
    with_water_need = await household(client, other_ward_id)
    await need(client, with_water_need, category="water", severity="low")
    in_ethekwini = await household(client, eth_ward_id)
    project(application)

    # Then each filter selects its households
    url, key = "/v1/households", "household_id"
    assert await ids(client, url, key, ward=ward_id) == {with_grant_need, profiled}
    assert await ids(client, url, key, municipality="KZN225") == {
        with_grant_need,
        profiled,
        with_water_need,
    }
    assert await ids(client, url, key, district="ETH") == {in_ethekwini}
    assert await ids(client, url, key, need="water") == {with_water_need}
    assert await ids(client, url, key, status="active") == {profiled}
    assert await ids(client, url, key, status="registered", ward=ward_id) == {with_grant_need}
    assert await ids(client, url, key, risk="low") == {profiled}
    assert await ids(client, url, key, risk="critical") == set()

    # And a row carries its open needs and area codes
    (row,) = (await get_ok(client, url, need="social_grant"))["data"]
    assert row["household_id"] == with_grant_need
    assert (row["ward_id"], row["municipality"], row["district"]) == (ward_id, "KZN225", "DC22")
    assert [(n["category"], n["severity"]) for n in row["open_needs"]] == [("social_grant", "high")]
    assert row["open_categories"] == ["social_grant"]
    assert row["high_needs"] == 1


async def test_household_pages_cover_every_household_once_in_id_order(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    created = {await household(client, ward_id) for _ in range(7)}
    position = project(application)

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3, "ward": ward_id}
        if cursor:
            params["cursor"] = cursor
        body = await get_ok(client, "/v1/households", **params)
        pages.append([row["household_id"] for row in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [3, 3, 1]
    seen = [household_id for page in pages for household_id in page]
    assert seen == sorted(created)  # uuid text order is uuid order: no gaps, no duplicates
    assert body["freshness"] == {"position": position, "head": position, "lag_events": 0}


# ---- referrals -------------------------------------------------------------------------------


async def test_referral_list_filters_and_flags_overdue_as_time_passes(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str, eth_ward_id: str
) -> None:
    # Given one referral left as made, one acknowledged, one closed, one to DOH in eThekwini
    made = await made_referral(client, clock, ward_id)
    acknowledged = await made_referral(client, clock, ward_id)
    await act(client, clock, acknowledged, "acknowledge")
    closed = await made_referral(client, clock, ward_id, made_days_ago=3)
    await advance_referral(client, closed, "acknowledge", "deliver", "verify", "close")
    to_doh = await made_referral(
        client, clock, eth_ward_id, department="DOH", category="health_chronic"
    )
    project(application)
    url, key = "/v1/referrals", "referral_id"

    # Then filters select by status, department and area
    assert await ids(client, url, key, status="made") == {made, to_doh}
    assert await ids(client, url, key, department="DOH") == {to_doh}
    assert await ids(client, url, key, ward=ward_id) == {made, acknowledged, closed}
    assert await ids(client, url, key, district="ETH") == {to_doh}
    assert await ids(client, url, key, overdue="true") == set()
    rows = {r[key]: r for r in (await get_ok(client, url))["data"]}
    assert rows[closed]["days_open"] == 3
    assert rows[made]["days_open"] == 0
    assert not any(r["overdue"] for r in rows.values())

    # When 40 days pass (ack within 7 days, delivery within 30)
    clock.advance(days=40)

    # Then the unacknowledged and the undelivered are overdue, the closed one is not
    assert await ids(client, url, key, overdue="true") == {made, acknowledged, to_doh}
    assert await ids(client, url, key, overdue="false") == {closed}
    rows = {r[key]: r for r in (await get_ok(client, url))["data"]}
    assert rows[made]["days_open"] == 40
    assert rows[made]["overdue"] is True
    assert rows[closed]["days_open"] == 3

    # And referral pages chain as household pages do
    first = await get_ok(client, url, limit=2)
    second = await get_ok(client, url, limit=2, cursor=first["next_cursor"])
    assert second["next_cursor"] is None
    paged = [r[key] for r in first["data"] + second["data"]]
    assert paged == sorted(rows)


async def test_csv_exports_stream_a_header_and_one_row_per_match(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str, eth_ward_id: str
) -> None:
    for _ in range(3):
        await made_referral(client, clock, ward_id)
    await made_referral(client, clock, eth_ward_id)
    position = project(application)

    households = await client.get("/v1/households.csv", params={"municipality": "KZN225"})
    referrals = await client.get("/v1/referrals.csv", params={"ward": ward_id, "status": "made"})

    assert households.status_code == 200
    assert households.headers["content-type"].startswith("text/csv")
    assert households.headers["x-sukuma-position"] == str(position)
    table = list(csv.DictReader(io.StringIO(households.text)))
    assert len(table) == 3
    assert {r["ward_id"] for r in table} == {ward_id}
    assert {r["open_needs"] for r in table} == {"1"}
    assert {r["open_categories"] for r in table} == {"social_grant"}
    lines = list(csv.reader(io.StringIO(referrals.text)))
    assert lines[0][:2] == ["referral_id", "household_id"]
    assert lines[0][-2:] == ["days_open", "overdue"]
    assert len(lines) == 1 + 3
    assert {line[-1] for line in lines[1:]} == {"false"}
    empty = await client.get("/v1/households.csv", params={"status": "graduated"})
    assert empty.text.splitlines() == [",".join(table[0].keys())]


# ---- area views ------------------------------------------------------------------------------


async def test_dashboard_totals_at_ward_and_province_and_overdue_after_time_passes(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str, eth_ward_id: str
) -> None:
    # Given a household profiled half a year ago that graduates now (policy: 182 days, a visit)
    graduate = await profiled_household(client, ward_id)
    clock.advance(days=183)
    await post_ok(client, f"/v1/households/{graduate}/visits", {})
    await post_ok(client, f"/v1/households/{graduate}/graduate", {})
    # And a war room with a meeting, a profiled household and two referrals in the same ward
    room = await post_ok(client, "/v1/war-rooms", {"ward_id": ward_id, "name": "War room"})
    await post_ok(client, f"/v1/war-rooms/{room['id']}/meetings", {})
    profiled = await profiled_household(client, ward_id)
    need_id = await need(client, profiled, category="food_security", severity="low")
    await post_ok(client, f"/v1/households/{profiled}/visits", {})
    intervention = {"need_id": need_id, "kind": "food_parcel", "provider": "DSD"}
    await post_ok(client, f"/v1/households/{profiled}/interventions", intervention)
    await made_referral(client, clock, ward_id)
    acknowledged = await made_referral(client, clock, ward_id)
    await act(client, clock, acknowledged, "acknowledge")
    await household(client, eth_ward_id)  # elsewhere: province only
    project(application)

    ward = await get_ok(client, f"/v1/dashboard/ward/{ward_id}")
    province = await get_ok(client, "/v1/dashboard/province/KZN")

    assert ward["households"] == {
        "total": 4,
        "profiled": 2,
        "by_status": {"registered": 2, "active": 1, "graduated": 1},
        "by_risk_level": {"low": 2, "medium": 0, "high": 0, "critical": 0},
    }
    assert ward["needs"] == {"open": 3, "open_high": 2}
    assert ward["referrals"]["total"] == 2
    assert ward["referrals"]["open"] == 2
    assert ward["referrals"]["overdue"] == 0
    assert ward["referrals"]["by_status"]["made"] == 1
    assert ward["referrals"]["by_status"]["acknowledged"] == 1
    assert ward["war_rooms"] == 1
    recent = ward["last_30_days"]
    assert (recent["profiles"], recent["visits"], recent["interventions"]) == (1, 2, 1)
    assert (recent["graduations"], recent["meetings"]) == (1, 1)
    assert province["households"]["total"] == 5
    assert province["referrals"]["open"] == 2
    assert province["war_rooms"] == 1
    assert province["freshness"]["lag_events"] == 0

    # When 40 days pass, both referrals are overdue and the last 30 days are quiet
    clock.advance(days=40)
    later = await get_ok(client, "/v1/dashboard/municipality/KZN225")
    assert later["referrals"]["overdue"] == 2
    assert later["last_30_days"]["profiles"] == 0
    assert later["households"]["total"] == 4


async def test_dashboard_of_unknown_area_is_404_and_unknown_level_422(
    client: httpx.AsyncClient, application: Sukuma
) -> None:
    project(application)

    assert (await client.get("/v1/dashboard/ward/KZN225-W999")).status_code == 404
    assert (await client.get("/v1/dashboard/province/GP")).status_code == 404
    assert (await client.get("/v1/dashboard/district/DC99")).status_code == 404
    bad_level = await client.get("/v1/dashboard/country/ZA")
    assert bad_level.status_code == 422
    assert bad_level.json()["detail"][0]["loc"] == ["path", "level"]


async def test_department_league_table_puts_the_worst_acknowledger_first(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    # SASSA: one acknowledged in 1 day and closed after 2, one acknowledged late (9 days)
    quick = await made_referral(client, clock, ward_id, made_days_ago=3)
    await act(client, clock, quick, "acknowledge", days_ago=2)
    for action in ("deliver", "verify", "close"):
        await act(client, clock, quick, action, days_ago=1)
    slow = await made_referral(client, clock, ward_id, made_days_ago=10)
    await act(client, clock, slow, "acknowledge", days_ago=1)
    # DOH: one acknowledged after 20 days (its standard is 7), one not yet acknowledged
    late = await made_referral(
        client, clock, ward_id, made_days_ago=20, department="DOH", category="health_chronic"
    )
    await act(client, clock, late, "acknowledge")
    await made_referral(
        client, clock, ward_id, made_days_ago=1, department="DOH", category="health_chronic"
    )
    project(application)

    league = await get_ok(client, "/v1/departments/performance", municipality="KZN225")

    assert (league["level"], league["code"]) == ("municipality", "KZN225")
    doh, sassa = league["data"]
    assert doh == {
        "department": "DOH",
        "received": 2,
        "acknowledged": 1,
        "acknowledged_within": 0,
        "share_acknowledged_within": 0.0,
        "completed": 0,
        "delivered_within": 0,
        "open": 2,
        "overdue": 0,
        "days_to_acknowledge": {"count": 1, "median": 20, "p90": 20},
        "days_to_complete": {"count": 0, "median": None, "p90": None},
        "ratings": 0,  # no household feedback (issue 21)
        "mean_rating": None,
        "not_received": 0,
    }
    assert sassa["department"] == "SASSA"
    assert (sassa["received"], sassa["acknowledged"], sassa["acknowledged_within"]) == (2, 2, 1)
    assert sassa["share_acknowledged_within"] == 0.5
    assert (sassa["completed"], sassa["delivered_within"], sassa["open"]) == (1, 1, 1)
    assert sassa["days_to_acknowledge"] == {"count": 2, "median": 1, "p90": 1}
    assert sassa["days_to_complete"] == {"count": 1, "median": 2, "p90": 2}
    province = await get_ok(client, "/v1/departments/performance")
    assert province["level"] == "province"
    assert [d["department"] for d in province["data"]] == ["DOH", "SASSA"]
    district = await get_ok(client, "/v1/departments/performance", district="DC22")
    assert district["data"] == league["data"]

    # 40 days on: DOH's undelivered and unacknowledged referrals and SASSA's open one are overdue
    clock.advance(days=40)
    later = {
        d["department"]: d for d in (await get_ok(client, "/v1/departments/performance"))["data"]
    }
    assert (later["DOH"]["overdue"], later["SASSA"]["overdue"]) == (2, 1)


async def test_field_worker_activity_counts_households_visited_per_window(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str, other_ward_id: str
) -> None:
    worker = await post_ok(client, "/v1/field-workers", {"name": "Thandi", "cadre": "ccg"})
    elsewhere = await post_ok(client, "/v1/field-workers", {"name": "Sipho", "cadre": "cdw"})
    idle = await post_ok(client, "/v1/field-workers", {"name": "Zanele", "cadre": "chw"})
    await post_ok(client, f"/v1/field-workers/{worker['id']}/assign", {"ward_id": ward_id})
    await post_ok(client, f"/v1/field-workers/{idle['id']}/assign", {"ward_id": ward_id})
    await post_ok(client, f"/v1/field-workers/{elsewhere['id']}/assign", {"ward_id": other_ward_id})
    for days_ago in (2, 10, 45):
        household_id = await household(client, ward_id)
        visit = {"field_worker_id": worker["id"], "occurred_at": ago(clock, days_ago)}
        await post_ok(client, f"/v1/households/{household_id}/visits", visit)
    project(application)

    activity = await get_ok(client, "/v1/field-workers/activity", ward=ward_id)

    rows = {row["field_worker_id"]: row for row in activity["data"]}
    assert set(rows) == {worker["id"], idle["id"]}
    busy = rows[worker["id"]]
    assert (busy["households_visited_7d"], busy["households_visited_30d"]) == (1, 2)
    assert busy["days_since_last_submission"] == 2
    assert busy["active"] is True
    assert busy["ward_ids"] == [ward_id]
    assert rows[idle["id"]]["last_submission_at"] is None
    assert rows[idle["id"]]["days_since_last_submission"] is None
    assert rows[idle["id"]]["households_visited_30d"] == 0


async def test_field_worker_activity_names_only_wards_inside_the_callers_area(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ward_id: str,
    other_ward_id: str,
) -> None:
    worker = await post_ok(client, "/v1/field-workers", {"name": "Thandi", "cadre": "ccg"})
    far_ward = geography().wards_in("district", "DC43")[0].id
    for ward in (ward_id, other_ward_id, far_ward):
        await post_ok(client, f"/v1/field-workers/{worker['id']}/assign", {"ward_id": ward})
    project(application)
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")

    mine = await get_ok(convener, "/v1/field-workers/activity", ward=ward_id)
    everything = await get_ok(client, "/v1/field-workers/activity", ward=ward_id)

    assert [row["ward_ids"] for row in mine["data"]] == [[ward_id]]
    assert sorted(everything["data"][0]["ward_ids"]) == sorted([ward_id, other_ward_id, far_ward])


async def test_field_worker_activity_is_for_those_who_read_field_workers(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    # PERMISSIONS: a department officer reads no field worker, so not their activity either
    # (404, like an area out of scope), though it reads its area's dashboard; an administrator
    # reads field workers, so their activity in its own area (not its area's figures).
    worker = await post_ok(client, "/v1/field-workers", {"name": "Thandi", "cadre": "ccg"})
    await post_ok(client, f"/v1/field-workers/{worker['id']}/assign", {"ward_id": ward_id})
    project(application)
    officer = await client_as(Role.DEPARTMENT_OFFICER, "municipality:KZN225", "department:DSD")
    admin = await client_as(Role.ADMIN, "municipality:KZN225")

    refused = await officer.get("/v1/field-workers/activity", params={"ward": ward_id})
    listed = await get_ok(admin, "/v1/field-workers/activity", ward=ward_id)

    assert refused.status_code == 404
    assert worker["id"] not in refused.text
    assert (await officer.get("/v1/dashboard/municipality/KZN225")).status_code == 200
    assert [row["field_worker_id"] for row in listed["data"]] == [worker["id"]]
    assert (await admin.get("/v1/dashboard/municipality/KZN225")).status_code == 404


async def test_needs_heatmap_has_a_cell_per_ward_and_category(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str, other_ward_id: str
) -> None:
    first = await household(client, ward_id)
    await need(client, first, category="social_grant")
    resolved = await need(client, first, category="documents", severity="medium")
    resolution = {"resolution": "no_longer_needed", "note": "documents found"}
    await post_ok(client, f"/v1/households/{first}/needs/{resolved}/resolve", resolution)
    second = await household(client, ward_id)
    await need(client, second, category="social_grant")
    await need(client, second, category="water", severity="low")
    third = await household(client, other_ward_id)
    await need(client, third, category="water", severity="low")
    project(application)

    heatmap = await get_ok(client, "/v1/needs/heatmap", municipality="KZN225")
    by_district = await get_ok(client, "/v1/needs/heatmap", district="DC22")

    cells = {row["ward_id"]: row for row in heatmap["wards"]}
    assert len(cells) == len(geography().wards_in("municipality", "KZN225"))
    assert cells[ward_id]["total"] == 3
    assert cells[ward_id]["counts"]["social_grant"] == 2
    assert cells[ward_id]["counts"]["water"] == 1
    assert cells[ward_id]["counts"]["documents"] == 0
    assert cells[other_ward_id]["counts"]["water"] == 1
    assert sum(row["total"] for row in heatmap["wards"]) == 4
    assert len(heatmap["categories"]) == 18
    assert len(by_district["wards"]) == len(geography().wards_in("district", "DC22"))
    assert sum(row["total"] for row in by_district["wards"]) == 4


async def test_trends_are_weekly_zero_filled_series(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    this_week = await profiled_household(client, ward_id)
    await need(client, this_week)
    old = await made_referral(client, clock, ward_id, made_days_ago=14)
    await advance_referral(client, old, "acknowledge", "deliver", "verify", "close")
    project(application)

    trend = await get_ok(client, "/v1/trends", level="ward", code=ward_id, weeks=4)

    weeks = trend["weeks"]
    monday = week_start(clock.now.date())
    assert [w["week_start"] for w in weeks] == [
        (monday - timedelta(weeks=n)).isoformat() for n in (3, 2, 1, 0)
    ]
    by_week = {w["week_start"]: w for w in weeks}
    now, made_on = by_week[monday.isoformat()], week_start(clock.now.date() - timedelta(days=14))
    assert (now["profiles"], now["needs"], now["referrals_completed"]) == (1, 1, 1)
    assert by_week[made_on.isoformat()]["referrals_made"] == 1
    assert sum(w["needs"] for w in weeks) == 2  # the referral's need was identified 15 days ago
    assert sum(w["referrals_made"] for w in weeks) == 1
    assert now["interventions"] == 1  # the referral's delivery is an intervention
    assert sum(w["visits"] + w["graduations"] + w["interventions"] for w in weeks) == 1
    default = await get_ok(client, "/v1/trends", level="province", code="KZN")
    assert len(default["weeks"]) == 12
    assert default["weeks"][-1] == now


# ---- validation ------------------------------------------------------------------------------


BAD_QUERIES = [
    ("/v1/households?ward=KZN225-W999", ["query", "ward"]),
    ("/v1/households?municipality=KZN999", ["query", "municipality"]),
    ("/v1/households?district=DC99", ["query", "district"]),
    ("/v1/households?risk=extreme", ["query", "risk"]),
    ("/v1/households?status=sleeping", ["query", "status"]),
    ("/v1/households?need=money", ["query", "need"]),
    ("/v1/households?limit=0", ["query", "limit"]),
    ("/v1/households?limit=501", ["query", "limit"]),
    ("/v1/households?cursor=not-a-cursor", ["query", "cursor"]),
    ("/v1/households?cursor=AAAAAAAAAAAAAAAAAAAAA%21", ["query", "cursor"]),
    ("/v1/households?min_position=-1", ["query", "min_position"]),
    ("/v1/households.csv?ward=nowhere", ["query", "ward"]),
    ("/v1/referrals?status=lost", ["query", "status"]),
    ("/v1/referrals?department=sassa", ["query", "department"]),
    ("/v1/referrals?overdue=perhaps", ["query", "overdue"]),
    ("/v1/referrals.csv?district=XX", ["query", "district"]),
    ("/v1/departments/performance?municipality=KZN225&district=DC22", ["query", "district"]),
    ("/v1/needs/heatmap", ["query", "district"]),
    ("/v1/field-workers/activity", ["query", "ward"]),
    ("/v1/trends?level=ward&code=KZN225", ["query", "code"]),
    ("/v1/trends?level=planet&code=KZN", ["query", "level"]),
    ("/v1/trends?level=province&code=KZN&weeks=105", ["query", "weeks"]),
]


async def test_bad_query_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, application: Sukuma
) -> None:
    project(application)  # creates the views
    answers = {}

    for url, _ in BAD_QUERIES:
        response = await client.get(url)
        answers[url] = (response.status_code, [e["loc"] for e in response.json()["detail"]])

    assert answers == {url: (422, [loc]) for url, loc in BAD_QUERIES}


# ---- freshness -------------------------------------------------------------------------------


async def test_min_position_waits_for_the_projection_to_include_the_write(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    project(application)
    written = await post_ok(
        client, "/v1/households", {"ward_id": ward_id, "dwelling_type": "formal"}
    )
    projector = threading.Timer(0.3, project, args=(application,))
    projector.start()
    try:
        response = await client.get(
            "/v1/households", params={"ward": ward_id, "min_position": written["position"]}
        )
    finally:
        projector.join()

    assert response.status_code == 200
    assert "x-sukuma-stale" not in response.headers
    body = response.json()
    assert [row["household_id"] for row in body["data"]] == [written["id"]]
    assert body["freshness"]["position"] >= written["position"]
    assert body["freshness"]["lag_events"] == 0


async def test_reads_answer_stale_when_the_position_is_not_reached_in_time(
    client: httpx.AsyncClient,
    application: Sukuma,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(freshness, "WAIT_SECONDS", 0.2)
    project(application)
    written = await post_ok(
        client, "/v1/households", {"ward_id": ward_id, "dwelling_type": "formal"}
    )

    response = await client.get(
        f"/v1/dashboard/ward/{ward_id}", params={"min_position": written["position"]}
    )

    assert response.status_code == 200
    assert response.headers["x-sukuma-stale"] == "true"
    body = response.json()
    assert body["freshness"]["lag_events"] == 1
    assert body["freshness"]["head"] == written["position"]
    assert body["households"]["total"] == 0


async def test_projection_status_reports_position_and_lag_in_events_and_seconds(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    await household(client, ward_id)
    caught_up_at = project(application)
    await household(client, ward_id)
    await household(client, ward_id)
    clock.advance(hours=1)

    behind = await get_ok(client, "/v1/projections/status")

    statuses = {status["name"]: status for status in behind["projections"]}
    assert set(statuses) == set(PROJECTIONS)
    assert "nerve_centre" in statuses
    assert behind["head"] == caught_up_at + 2
    for status in statuses.values():  # every projection ran together: each is as far behind
        assert status["position"] == caught_up_at
        assert status["lag_events"] == 2
        assert 3600 - 60 < status["lag_seconds"] <= 3600 + 1  # the clock moved an hour on
    assert behind["freshness"]["lag_events"] == 2

    project(application)
    after = await get_ok(client, "/v1/projections/status")
    assert all(status["lag_events"] == 0 for status in after["projections"])
    assert all(status["lag_seconds"] == 0 for status in after["projections"])


def test_cursor_tokens_round_trip() -> None:
    from api.schemas.views import decode_cursor, encode_cursor

    key = uuid4()
    token = encode_cursor(key)
    assert len(token) == 22
    assert decode_cursor(token) == key
