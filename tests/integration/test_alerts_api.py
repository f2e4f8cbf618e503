"""The alerts API: a scoped, filtered, paginated list; one alert with its history; the
commands people give (acknowledge, resolve); and response-time statistics."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from adapters.database import asyncpg_connect_kwargs
from domain.access.principal import Principal, Role
from domain.sukuma import Sukuma
from projections.alerts.queries import AlertFilters, alerts_page
from sukuma.settings import Settings
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need, post_ok, referral


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


async def overdue_referrals(client: httpx.AsyncClient, ward_ids: list[str]) -> list[str]:
    ids = []
    for ward in ward_ids:
        household_id = await household(client, ward)
        ids.append(await referral(client, household_id, await need(client, household_id)))
    return ids


async def test_list_filters_and_pages_alerts(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str, other_ward_id: str
) -> None:
    await overdue_referrals(client, [ward_id, ward_id, other_ward_id])
    ew.clock.advance(days=8)
    ew.sweep()

    everything = (await client.get("/v1/alerts", params={"status": "open"})).json()
    in_ward = (await client.get("/v1/alerts", params={"ward": ward_id, "rule": "EW-01"})).json()
    first = (await client.get("/v1/alerts", params={"limit": 2, "rule": "EW-01"})).json()
    rest = (
        await client.get(
            "/v1/alerts", params={"limit": 2, "rule": "EW-01", "cursor": first["next_cursor"]}
        )
    ).json()
    level_2 = (await client.get("/v1/alerts", params={"level": 2})).json()
    bad = await client.get("/v1/alerts", params={"level": 9})

    assert everything["count"] == 3
    assert {a["ward_id"] for a in in_ward["data"]} == {ward_id}
    assert in_ward["count"] == 2
    assert first["count"] == 2 and rest["count"] == 1 and rest["next_cursor"] is None
    assert level_2["count"] == 0
    assert bad.status_code == 422


async def test_an_alert_reads_with_its_history_and_people_act_on_it(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    [referral_id] = await overdue_referrals(client, [ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    [alert] = (await client.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]
    url = f"/v1/alerts/{alert['alert_id']}"

    await post_ok(client, f"{url}/acknowledge", {"note": "calling SASSA"})
    twice = await client.post(f"{url}/acknowledge", json={})
    ew.clock.advance(days=1)
    await post_ok(client, f"{url}/resolve", {"reason": "SASSA acknowledged by phone"})
    no_reason = await client.post(f"{url}/resolve", json={})
    ew.project()
    detail = (await client.get(url)).json()

    assert twice.status_code == 409
    assert no_reason.status_code == 422
    assert detail["subject"] == referral_id
    assert detail["status"] == "resolved"
    assert detail["acknowledged_by"] == "tester"
    assert [e["type"] for e in detail["history"]] == ["Raised", "Acknowledged", "Resolved"]
    assert detail["history"][0]["actor"] == "system:scheduler"
    assert detail["history"][0]["detail"]["evidence"]["referral_id"] == referral_id
    assert (await client.get("/v1/alerts/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_stats_count_open_alerts_and_median_response_times(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    await overdue_referrals(client, [ward_id, ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    alerts = (await client.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]
    ew.clock.advance(hours=6)
    await post_ok(client, f"/v1/alerts/{alerts[0]['alert_id']}/acknowledge", {})
    ew.project()

    stats = (await client.get("/v1/alerts/stats", params={"area": "municipality"})).json()

    assert {"level": 1, "rule": "EW-01", "open": 2} in stats["open"]
    [times] = [t for t in stats["response_times"] if t["code"] == "KZN225"]
    assert times["episodes"] == 2
    assert times["median_hours_to_acknowledge"] == pytest.approx(6.0)
    assert times["median_hours_to_resolve"] is None


async def test_the_scope_filter_limits_what_a_principal_sees(
    client: httpx.AsyncClient, ew: Alerting, settings: Settings, ward_id: str, other_ward_id: str
) -> None:
    await overdue_referrals(client, [ward_id, other_ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    convener = Principal("c", "c", frozenset({Role.CONVENER}), frozenset({f"ward:{ward_id}"}))
    ltt = Principal("l", "l", frozenset({Role.CONVENER}), frozenset({"municipality:KZN225"}))
    analyst = Principal("a", "a", frozenset({Role.ANALYST}), frozenset({"municipality:KZN225"}))
    nobody = Principal("n", "n", frozenset({Role.ANALYST}), frozenset())
    assert settings.database_url is not None
    db = await asyncpg.connect(**asyncpg_connect_kwargs(settings.database_url))
    try:
        seen = {
            name: [r["ward_id"] for r in (await alerts_page(db, AlertFilters(), p, None, 50))[0]]
            for name, p in [
                ("convener", convener),
                ("ltt", ltt),
                ("analyst", analyst),
                ("nobody", nobody),
            ]
        }
    finally:
        await db.close()

    assert seen["convener"] == [ward_id]
    # Alerts are scoped by the access policy like every object: the municipality's people
    # see its wards' alerts from level 1 (escalation routes notifications, not visibility).
    assert sorted(seen["ltt"]) == sorted([ward_id, other_ward_id])
    assert sorted(seen["analyst"]) == sorted([ward_id, other_ward_id])
    assert seen["nobody"] == []
