"""CSV exports of alerts, the department league and the indicators, through HTTP: streamed,
scoped as their JSON twins are, and holding the same figures."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_views_api import project


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def referred(http: httpx.AsyncClient, ward: str) -> str:
    household_id = await household(http, ward)
    return await referral(http, household_id, await need(http, household_id))


async def test_alerts_export_holds_the_list_in_the_callers_scope(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given overdue referrals in two wards, swept into alerts, one acknowledged
    await referred(client, ward_id)
    await referred(client, other_ward_id)
    ew.clock.advance(days=8)
    ew.sweep()
    listed = (await client.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]
    await post_ok(client, f"/v1/alerts/{listed[0]['alert_id']}/acknowledge", {"note": "on it"})
    ew.project()

    # Then the export holds what the list holds, filtered and scoped alike
    everything = rows(await client.get("/v1/alerts.csv", params={"rule": "EW-01"}))
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    own = rows(await convener.get("/v1/alerts.csv"))
    in_other_ward = rows(await client.get("/v1/alerts.csv", params={"ward": other_ward_id}))

    assert sorted(r["alert_id"] for r in everything) == sorted(a["alert_id"] for a in listed)
    assert {r["ward_id"] for r in own} == {ward_id}
    assert {r["ward_id"] for r in in_other_ward} == {other_ward_id}
    by_id = {r["alert_id"]: r for r in everything}
    assert by_id[listed[0]["alert_id"]]["status"] == "acknowledged"
    assert by_id[listed[0]["alert_id"]]["acknowledged_by"] == "tester"
    assert json.loads(by_id[listed[0]["alert_id"]]["evidence"]) == listed[0]["evidence"]


async def test_league_and_indicator_exports_hold_the_json_figures_and_are_scoped(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    # Given two SASSA referrals in KZN225, one acknowledged
    first = await referred(client, ward_id)
    await referred(client, ward_id)
    await post_ok(client, f"/v1/referrals/{first}/acknowledge", {})
    project(application)

    dc22, weeks = {"district": "DC22"}, {"weeks": 2}
    league = (await client.get("/v1/departments/performance", params=dc22)).json()
    league_csv = rows(await client.get("/v1/departments/performance.csv", params=dc22))
    indicators = (await client.get("/v1/indicators/municipality/KZN225", params=weeks)).json()
    indicators_csv = rows(await client.get("/v1/indicators/municipality/KZN225.csv", params=weeks))

    # Then the league's rows are the JSON league's, worst first
    assert [r["department"] for r in league_csv] == [d["department"] for d in league["data"]]
    (sassa,) = [r for r in league_csv if r["department"] == "SASSA"]
    assert (sassa["level"], sassa["code"], sassa["received"], sassa["acknowledged"]) == (
        "district",
        "DC22",
        "2",
        "1",
    )
    # And each indicator value is a row: today's and each week's
    current = {r["indicator"]: r["value"] for r in indicators_csv if r["period"] == "current"}
    assert current["M12_households_by_stage.registered"] == str(
        indicators["current"]["M12_households_by_stage"]["registered"]
    )
    exported_weeks = {r["week_start"] for r in indicators_csv if r["period"] == "week"}
    assert exported_weeks == {w["week_start"] for w in indicators["weekly"]}
    this_week = indicators["weekly"][-1]
    needs = [
        r
        for r in indicators_csv
        if r["week_start"] == this_week["week_start"] and r["indicator"] == "M3_needs"
    ]
    assert [r["value"] for r in needs] == [str(this_week["M3_needs"])] == ["2"]

    # And a convener of another municipality's ward is refused both, as the JSON routes refuse
    outsider = await client_as(Role.CONVENER, "municipality:ETH")
    assert (await outsider.get("/v1/departments/performance.csv", params=dc22)).status_code == 404
    assert (await outsider.get("/v1/indicators/municipality/KZN225.csv")).status_code == 404
