"""Field workers as of a day, through HTTP over real PostgreSQL: the field workers' activity
and the indicators' M11 made on day D are answered again, byte for byte, with ``as_of=D``
after workers were registered, assigned, deactivated and visits recorded late; and
``basis=occurred`` counts the late visit that had happened by D.

Events are recorded at the app clock's time (``recorded_by_clock``).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from domain.sukuma import Sukuma
from tests.integration.conftest import Clock
from tests.integration.helpers import household, post_ok
from tests.integration.test_area_as_of_api import (  # noqa: F401 (a fixture, used by name)
    at,
    data,
    recorded_by_clock,
)
from tests.integration.test_views_api import project

ACTIVITY = "/v1/field-workers/activity"


async def worker(http: httpx.AsyncClient, name: str, ward_id: str) -> str:
    worker_id: str = (await post_ok(http, "/v1/field-workers", {"name": name, "cadre": "ccg"}))[
        "id"
    ]
    await post_ok(http, f"/v1/field-workers/{worker_id}/assign", {"ward_id": ward_id})
    return worker_id


async def visit(http: httpx.AsyncClient, ward_id: str, worker_id: str, occurred: str) -> None:
    household_id = await household(http, ward_id)
    body = {"field_worker_id": worker_id, "occurred_at": occurred}
    await post_ok(http, f"/v1/households/{household_id}/visits", body)


async def answers(http: httpx.AsyncClient, ward_id: str, **as_of: str) -> dict[str, bytes]:
    """The ward's field-worker activity, and the ward's and municipality's indicators."""
    return {
        "activity": await data(http, ACTIVITY, {"ward": ward_id, **as_of}),
        "ward": await data(http, f"/v1/indicators/ward/{ward_id}", {"weeks": 2, **as_of}),
        "municipality": await data(http, "/v1/indicators/municipality/KZN225", as_of),
    }


@pytest.mark.usefixtures("recorded_by_clock")
async def test_field_workers_on_day_d_are_answered_again_unchanged_as_of_d(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    day_before, day = clock.now.date(), clock.now.date() + timedelta(days=1)
    # Given, recorded the day before D, two field workers of the ward, one visit each
    thandi = await worker(client, "Thandi", ward_id)
    sipho = await worker(client, "Sipho", ward_id)
    await visit(client, ward_id, thandi, at(clock, day_before))
    await visit(client, ward_id, sipho, at(clock, day_before))
    # And on D: Thandi visits again, Sipho is deactivated, Zanele joins the ward
    clock.advance(days=1)
    await visit(client, ward_id, thandi, at(clock, day))
    await post_ok(client, f"/v1/field-workers/{sipho}/deactivate", {"reason": "left"})
    zanele = await worker(client, "Zanele", ward_id)
    project(application)

    # When the activity and the indicators are read on D, and asked on D as of D
    made_on_d = await answers(client, ward_id)
    as_of_d = {"as_of": day.isoformat()}
    assert await answers(client, ward_id, **as_of_d) == made_on_d

    # And the next day: Zanele records a visit made on D, and is deactivated; a new worker
    clock.advance(days=1)
    await visit(client, ward_id, zanele, at(clock, day))
    await post_ok(client, f"/v1/field-workers/{zanele}/deactivate", {"reason": "left"})
    await worker(client, "Ayanda", ward_id)
    project(application)

    # Then as of D the answers are those read on D, byte for byte
    assert await answers(client, ward_id, **as_of_d) == made_on_d
    # while today's moved on, and as of today they are the live answers
    now = await answers(client, ward_id)
    assert now != made_on_d
    assert await answers(client, ward_id, as_of=clock.now.date().isoformat()) == now
    # And what had happened by D counts Zanele's visit recorded late
    occurred = (
        await client.get(ACTIVITY, params={"ward": ward_id, **as_of_d, "basis": "occurred"})
    ).json()
    by_worker = {r["field_worker_id"]: r for r in occurred["data"]}
    assert by_worker[zanele]["households_visited_7d"] == 1
    assert by_worker[zanele]["active"] is True
    recorded = (await client.get(ACTIVITY, params={"ward": ward_id, **as_of_d})).json()
    as_recorded = {r["field_worker_id"]: r for r in recorded["data"]}
    assert as_recorded[zanele]["households_visited_7d"] == 0
    assert (as_recorded[sipho]["active"], as_recorded[thandi]["households_visited_7d"]) == (
        False,
        2,
    )
    # And before anyone was registered there was no one
    before = {"ward": ward_id, "as_of": (day_before - timedelta(days=1)).isoformat()}
    assert (await client.get(ACTIVITY, params=before)).json()["data"] == []
