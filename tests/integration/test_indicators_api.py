"""Indicators M1-M13 through HTTP, after real commands and a projection run."""

from __future__ import annotations

from typing import Any

import httpx

from domain.access.policy import AREA_VIEW, PERMISSIONS
from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.registry import open_projections
from projections.runner import BatchRunner
from tests.integration.conftest import ClientAs
from tests.integration.helpers import advance_referral, need, post_ok, profiled_household, referral


def project(application: Sukuma) -> None:
    store = application.factory.datastore  # type: ignore[attr-defined]
    BatchRunner(application.recorder, application.name, open_projections(store)).run_once()  # type: ignore[arg-type]


async def war_room_meeting_every_week(http: httpx.AsyncClient, ward_id: str) -> None:
    room = await post_ok(http, "/v1/war-rooms", {"ward_id": ward_id, "name": "Ward war room"})
    members = []
    for dept in ("DSD", "SASSA", "DOH", "DHA", "DBE"):
        seat = {"name": f"{dept} officer", "seat": "department", "department": dept}
        members.append(
            (await post_ok(http, f"/v1/war-rooms/{room['id']}/members", seat))["member_id"]
        )
    await post_ok(http, f"/v1/war-rooms/{room['id']}/meetings", {"attendee_member_ids": members})


async def test_ward_indicators_follow_the_definitions(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    household_id = await profiled_household(client, ward_id)
    need_id = await need(client, household_id, category="social_grant", severity="high")
    referral_id = await referral(client, household_id, need_id)
    await advance_referral(client, referral_id, "acknowledge", "deliver", "verify", "close")
    await war_room_meeting_every_week(client, ward_id)
    project(application)

    response = await client.get(f"/v1/indicators/ward/{ward_id}", params={"weeks": 4})

    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert set(body["definitions"]) == {f"M{n}" for n in range(1, 14)}
    this_week = body["weekly"][-1]
    assert len(body["weekly"]) == 4
    assert this_week["M1_households_profiled"] == 1
    assert this_week["M4_referral_rate"] == 1.0  # every referable need referred within 14 days
    assert this_week["M5_acknowledged_within_standard"] == 1.0
    assert this_week["M6_delivered_within_standard"] == 1.0
    now = body["current"]
    assert now["M1_households_profiled_cumulative"] == 1
    assert now["M2_profile_freshness"] == 1.0
    assert now["M7_days_to_closure"] == {"count": 1, "median": 0, "p90": 0}
    assert now["M8_backlog_ageing"] == {"0-7": 0, "8-30": 0, "31-90": 0, "over-90": 0}
    assert now["M10_department_attendance"]["SASSA"] == 1.0
    assert now["M10_department_attendance"]["SAPS"] == 0.0
    assert now["M9_functionality"]["class"] == "poorly_functional"  # met 1 of the last 4 weeks
    assert now["M9_functionality"]["rule_version"] == "functionality-v1"
    assert body["freshness"]["lag_events"] == 0


async def test_district_indicators_count_wards_by_functionality_class(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    await war_room_meeting_every_week(client, ward_id)
    await profiled_household(client, ward_id)
    project(application)

    body = (await client.get("/v1/indicators/district/DC22")).json()

    classes = body["current"]["M9_functionality"]["wards_by_class"]
    wards = len(geography().wards_in("district", "DC22"))
    assert classes == {"not_existing": wards - 1, "poorly_functional": 1}


async def test_unknown_area_is_404_and_bad_weeks_422(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/indicators/district/DC99")).status_code == 404
    bad = await client.get("/v1/indicators/province/KZN", params={"weeks": 0})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "weeks"]


async def test_indicators_are_read_by_the_roles_the_table_grants_area_views(
    client_as: ClientAs,
) -> None:
    # An area's indicators are AREA_VIEW in PERMISSIONS: a department officer reads its
    # area's, an administrator none (404, as an area out of scope).
    for role in Role:
        http = await client_as(role, "municipality:KZN225", "department:DSD")
        response = await http.get("/v1/indicators/municipality/KZN225", params={"weeks": 1})
        granted = "read" in PERMISSIONS[role].get(AREA_VIEW, frozenset())
        assert response.status_code == (200 if granted else 404), role
    assert "read" in PERMISSIONS[Role.DEPARTMENT_OFFICER][AREA_VIEW]
    assert AREA_VIEW not in PERMISSIONS[Role.ADMIN]
