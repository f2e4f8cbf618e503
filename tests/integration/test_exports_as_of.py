"""Alerts as of a day, through HTTP over real PostgreSQL: the alerts list and CSV export made
on day D are answered again, byte for byte, when asked later with ``as_of=D``, after alerts
were acknowledged and resolved (by hand, and by the sweep); and as of today they are the live
rows.

Events are recorded at the app clock's time (``recorded_by_clock``).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from domain.sukuma import Sukuma
from tests.integration.alerting import alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import post_ok
from tests.integration.test_area_as_of_api import (  # noqa: F401 (a fixture, used by name)
    at,
    case,
    data,
    recorded_by_clock,
)

LIST = "/v1/alerts"
CSV = "/v1/alerts.csv"


async def alert_answers(http: httpx.AsyncClient, **as_of: str) -> dict[str, bytes]:
    """The list (every alert, and the open ones) and the CSV export, as bytes."""
    return {
        "list": await data(http, LIST, {"limit": 500, **as_of}),
        "open": await data(http, LIST, {"limit": 500, "status": "open", **as_of}),
        "csv": await data(http, CSV, {"rule": "EW-01", **as_of}),
    }


@pytest.mark.usefixtures("recorded_by_clock")
async def test_alerts_listed_and_exported_on_day_d_are_answered_again_as_of_d(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    ew = alerting(application, clock)
    day_before, day = clock.now.date(), clock.now.date() + timedelta(days=1)
    # Given two referrals made 20 days ago, never acknowledged: the sweep raises two alerts
    for _ in range(2):
        await case(client, ward_id, at(clock, day_before - timedelta(days=20)))
    ew.sweep()
    # And on D one of them is acknowledged
    clock.advance(days=1)
    first, second = sorted(
        (await client.get(LIST, params={"rule": "EW-01"})).json()["data"],
        key=lambda a: a["alert_id"],
    )
    await post_ok(client, f"/v1/alerts/{first['alert_id']}/acknowledge", {})
    ew.project()

    # When the alerts are listed and exported on D, and asked on D as of D
    made_on_d = await alert_answers(client)
    as_of_d = {"as_of": day.isoformat()}
    assert await alert_answers(client, **as_of_d) == made_on_d

    # And the next day the other is resolved by hand, the first's referral is acknowledged
    # (the sweep resolves its alert), and a third referral's alert is raised
    clock.advance(days=1)
    await post_ok(client, f"/v1/alerts/{second['alert_id']}/resolve", {"reason": "called"})
    await post_ok(client, f"/v1/referrals/{first['subject']}/acknowledge", {})
    await case(client, ward_id, at(clock, day_before - timedelta(days=20)))
    ew.sweep()
    now = await alert_answers(client)

    # Then as of D the answers are those made on D, byte for byte
    assert await alert_answers(client, **as_of_d) == made_on_d
    # and as of today they are the live rows
    assert await alert_answers(client, as_of=clock.now.date().isoformat()) == now
    resolved = {a["alert_id"]: a for a in (await client.get(LIST)).json()["data"]}
    assert resolved[first["alert_id"]]["resolved_automatically"] is True
    assert resolved[second["alert_id"]]["status"] == "resolved"
    assert len(resolved) == 3 and now != made_on_d
    # and before the first sweep there was none
    before = await client.get(LIST, params={"as_of": (day_before - timedelta(days=1)).isoformat()})
    assert before.json()["data"] == []
