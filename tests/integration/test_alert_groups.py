"""The alert queue's counts (``alerts_groups``) stay what a GROUP BY over the open alerts says,
through raising, acknowledging, resolving, escalating and a rebuild of the view, so the queue
reads a few thousand summed rows at province scale instead of grouping a million alerts; and
the API serves the same groups (``GET /v1/alerts/groups``) in the caller's scope."""

from __future__ import annotations

from typing import Any

import httpx

from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.alerts.view import ALERTS, GROUPS
from projections.rebuild import rebuild
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import household, need, post_ok, referral

RECOUNT = f"""SELECT rule, level, coalesce(ward_id, '') AS ward_id,
    coalesce(municipality, '') AS municipality, coalesce(district, '') AS district,
    coalesce(department, '') AS department, count(*) AS alerts,
    count(*) FILTER (WHERE status = 'open') AS unacknowledged, min(raised_at) AS oldest,
    min(level_since) AS level_since
    FROM {ALERTS} WHERE status <> 'resolved' GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"""
SUMMARY = f"SELECT * FROM {GROUPS} ORDER BY 1, 2, 3, 4, 5, 6"


def groups(ew: Alerting) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the summary table, the open alerts counted afresh)."""
    with ew.app.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute(SUMMARY)
        summary = [dict(r) for r in curs.fetchall()]
        curs.execute(RECOUNT)
        return summary, [dict(r) for r in curs.fetchall()]


async def unacknowledged(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, wards: list[str]
) -> Alerting:
    """A referral made in each of ``wards``, left a week unacknowledged: EW-01 raised for each."""
    ew = alerting(application, clock)
    for ward in wards:
        household_id = await household(client, ward)
        await referral(client, household_id, await need(client, household_id))
    clock.advance(days=8)
    ew.sweep()
    return ew


async def test_the_queues_counts_follow_every_change_to_the_alerts(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    other_ward_id: str,
) -> None:
    ew = await unacknowledged(
        client, application, clock, [ward_id, ward_id, ward_id, other_ward_id]
    )
    summary, recount = groups(ew)
    assert summary == recount
    counted = sorted((g["ward_id"], g["alerts"], g["unacknowledged"]) for g in summary)
    assert counted == sorted([(ward_id, 3, 3), (other_ward_id, 1, 1)])

    first, second, *_ = ew.alerts("EW-01")
    await post_ok(client, f"/v1/alerts/{first['alert_id']}/acknowledge", {"note": "on it"})
    await post_ok(client, f"/v1/alerts/{second['alert_id']}/resolve", {"reason": "called SASSA"})
    ew.project()
    summary, recount = groups(ew)
    assert summary == recount
    assert sum(g["alerts"] for g in summary) == 3
    assert sum(g["unacknowledged"] for g in summary) == 2

    clock.advance(days=30)  # overdue long enough to climb the ladder
    ew.sweep()
    summary, recount = groups(ew)
    assert summary == recount
    assert {g["level"] for g in summary} != {1}

    # A rebuild of the view replays every alert into a fresh summary, the same one
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    rebuild(application.recorder, application.name, datastore, "alerts")  # type: ignore[arg-type]
    assert groups(ew) == (summary, recount)


async def test_the_api_serves_the_queues_groups_in_the_callers_scope(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    other_ward_id: str,
) -> None:
    await unacknowledged(client, application, clock, [ward_id, ward_id, other_ward_id])

    by_ward = await client.get("/v1/alerts/groups", params={"by": "ward", "rule": "EW-01"})
    assert by_ward.status_code == 200
    body = by_ward.json()
    assert body["by"] == "ward"
    assert [(g["area"], g["alerts"], g["unacknowledged"]) for g in body["data"]] == [
        (ward_id, 2, 2),
        (other_ward_id, 1, 1),
    ]
    municipality = geography().ward(ward_id).municipality_code
    by_municipality = (await client.get("/v1/alerts/groups?by=municipality")).json()["data"]
    assert sum(g["alerts"] for g in by_municipality if g["area"] == municipality) >= 2
    # A convener of the other ward sees only its own ward's group
    convener = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    seen = (await convener.get("/v1/alerts/groups?by=ward")).json()["data"]
    assert [(g["area"], g["alerts"]) for g in seen] == [(other_ward_id, 1)]
    assert (await client.get("/v1/alerts/groups?by=province")).status_code == 422
