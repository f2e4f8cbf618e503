"""Alerts and case lists as of a day, through HTTP over real PostgreSQL: the alerts list and
CSV export, and the households' and referrals' JSON pages, made on day D are answered again,
byte for byte, when asked later with ``as_of=D``, after alerts were acknowledged and resolved
(by hand, and by the sweep) and cases changed; and as of today the alerts are the live rows.

Events are recorded at the app clock's time (``recorded_by_clock``).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import orjson
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
from tests.integration.test_views_api import project

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


async def case_lists(http: httpx.AsyncClient, ward: str, **as_of: str) -> list[bytes]:
    """The ward's households and referrals lists, JSON pages of two (each page's data)."""
    pages = []
    for url in ("/v1/households", "/v1/referrals"):
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"ward": ward, "limit": 2, **as_of}
            if cursor:
                params["cursor"] = cursor
            response = await http.get(url, params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            pages.append(orjson.dumps(body["data"], option=orjson.OPT_SORT_KEYS))
            cursor = body["next_cursor"]
            if cursor is None:
                break
    return pages


@pytest.mark.usefixtures("recorded_by_clock")
async def test_case_lists_on_day_d_are_answered_again_as_of_d_page_by_page(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    day_before, day = clock.now.date(), clock.now.date() + timedelta(days=1)
    # Given cases recorded the day before D and on D (one acknowledged on D)
    await case(client, ward_id, at(clock, day_before))
    clock.advance(days=1)
    await case(client, ward_id, at(clock, day), acknowledge=at(clock, day, 9))
    await case(client, ward_id, at(clock, day_before, 12))
    project(application)
    made_on_d = await case_lists(client, ward_id)
    as_of_d = {"as_of": day.isoformat()}
    assert await case_lists(client, ward_id, **as_of_d) == made_on_d

    # When the log grows the next day: a case backdated to D, a referral of D acknowledged
    clock.advance(days=1)
    await case(client, ward_id, at(clock, day, 15))
    made = await client.get("/v1/referrals", params={"ward": ward_id, "status": "made"})
    await post_ok(client, f"/v1/referrals/{made.json()['data'][0]['referral_id']}/acknowledge", {})
    project(application)

    # Then the lists as of D are those of D, page by page, byte for byte
    assert await case_lists(client, ward_id, **as_of_d) == made_on_d
    assert await case_lists(client, ward_id) != made_on_d
    # and they are as of a day by recorded time only
    for url in ("/v1/households", "/v1/referrals"):
        refused = await client.get(url, params={**as_of_d, "basis": "occurred"})
        assert (refused.status_code, refused.json()["detail"][0]["loc"]) == (
            422,
            ["query", "basis"],
        )
