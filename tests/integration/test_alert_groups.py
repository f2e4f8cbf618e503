"""The alert queue's counts (``alerts_groups``) stay what a GROUP BY over the open alerts says,
through raising, acknowledging, resolving, escalating and a rebuild of the view, so the queue
reads a few thousand summed rows at province scale instead of grouping a million alerts."""

from __future__ import annotations

from typing import Any

import httpx

from domain.sukuma import Sukuma
from projections.alerts.view import ALERTS, GROUPS
from projections.rebuild import rebuild
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
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


async def test_the_queues_counts_follow_every_change_to_the_alerts(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    other_ward_id: str,
) -> None:
    ew = alerting(application, clock)
    for ward in (ward_id, ward_id, ward_id, other_ward_id):
        household_id = await household(client, ward)
        await referral(client, household_id, await need(client, household_id))
    clock.advance(days=8)
    ew.sweep()
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
