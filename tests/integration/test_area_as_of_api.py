"""Area views as of a day, through HTTP over real PostgreSQL: a report made on day D is
answered again, unchanged, by the same query asked later with ``as_of=D``.

Recorded time is the library's event timestamp; the test moves it with the app's clock by
setting ``eventsourcing.domain.datetime_now_with_tzinfo`` (the function the library's
``create_timestamp`` calls), so events are recorded on the days the test chooses.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import eventsourcing.domain
import httpx
import orjson
import pytest

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.alerting import alerting
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_views_api import project

# (url, params) of every area view a report is built from
VIEWS: list[tuple[str, dict[str, Any]]] = [
    *(
        (f"/v1/dashboard/{level}/{code}", {})
        for level, code in (
            ("ward", "{ward}"),
            ("municipality", "KZN225"),
            ("district", "DC22"),
            ("province", "KZN"),
        )
    ),
    ("/v1/indicators/ward/{ward}", {"weeks": 3}),
    ("/v1/indicators/municipality/KZN225", {"weeks": 3}),
    ("/v1/trends", {"level": "municipality", "code": "KZN225", "weeks": 3}),
    ("/v1/needs/heatmap", {"municipality": "KZN225"}),
    ("/v1/departments/performance", {"district": "DC22"}),
]
EXPORTS: list[tuple[str, dict[str, Any]]] = [
    ("/v1/departments/performance.csv", {"district": "DC22"}),
    ("/v1/indicators/municipality/KZN225.csv", {"weeks": 3}),
    ("/v1/households.csv", {"ward": "{ward}"}),
    ("/v1/referrals.csv", {"ward": "{ward}"}),
]


@pytest.fixture
def recorded_by_clock(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Events recorded at the app clock's time, which starts 18:00 UTC four days ago."""
    start = clock.now - timedelta(days=4)
    clock.now = start.replace(hour=18, minute=0, second=0)
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", clock)
    yield clock


def at(clock: Clock, day: date, hour: int = 8) -> str:
    return datetime.combine(day, clock.now.timetz()).replace(hour=hour).isoformat()


async def case(
    http: httpx.AsyncClient, ward: str, occurred: str, *, acknowledge: str | None = None
) -> None:
    """A household with a high need referred to SASSA, all on ``occurred``; acknowledged then."""
    body = {"ward_id": ward, "dwelling_type": "informal", "occurred_at": occurred}
    household = (await post_ok(http, "/v1/households", body))["id"]
    need = (
        await post_ok(
            http,
            f"/v1/households/{household}/needs",
            {"category": "social_grant", "severity": "high", "occurred_at": occurred},
        )
    )["need_id"]
    body = {"household_id": household, "need_id": need, "department": "SASSA"}
    referral = (await post_ok(http, "/v1/referrals", {**body, "occurred_at": occurred}))["id"]
    if acknowledge:
        await post_ok(http, f"/v1/referrals/{referral}/acknowledge", {"occurred_at": acknowledge})


async def data(http: httpx.AsyncClient, url: str, params: dict[str, Any]) -> bytes:
    """An answer's data, byte for byte (JSON without its freshness, which is about now)."""
    response = await http.get(url, params=params)
    assert response.status_code == 200, (url, response.text)
    if response.headers["content-type"].startswith("text/csv"):
        return response.content
    body = response.json()
    body.pop("freshness", None)
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


async def report(http: httpx.AsyncClient, ward: str, **as_of: str) -> dict[str, bytes]:
    out = {}
    for url, params in [*VIEWS, *EXPORTS]:
        url = url.format(ward=ward)
        params = {k: v.format(ward=ward) if isinstance(v, str) else v for k, v in params.items()}
        out[url + str(params)] = await data(http, url, {**params, **as_of})
    return out


async def households(http: httpx.AsyncClient, ward: str, **as_of: str) -> int:
    body = (await http.get(f"/v1/dashboard/ward/{ward}", params=as_of)).json()
    return int(body["households"]["total"])


async def test_a_report_made_on_day_d_is_answered_again_unchanged_as_of_d(
    client: httpx.AsyncClient, application: Sukuma, recorded_by_clock: Clock, ward_id: str
) -> None:
    clock = recorded_by_clock
    day_before, day = clock.now.date(), clock.now.date() + timedelta(days=1)
    # Given cases recorded the day before D, and more recorded on D (one acknowledged on D)
    await case(client, ward_id, at(clock, day_before))
    await case(client, ward_id, at(clock, day_before), acknowledge=at(clock, day_before, 9))
    clock.advance(days=1)
    await case(client, ward_id, at(clock, day), acknowledge=at(clock, day, 9))
    await case(client, ward_id, at(clock, day_before, 12))  # backdated a day, recorded on D
    project(application)

    # When the report is made on D (live figures), and asked on D as of D
    made_on_d = await report(client, ward_id)
    as_of_d = {"as_of": day.isoformat()}
    assert await report(client, ward_id, **as_of_d) == made_on_d

    # And the log grows: cases recorded the next day, one backdated to the day before D,
    # and a referral of D's acknowledged (a row that the report showed changes)
    clock.advance(days=1)
    await case(client, ward_id, at(clock, day + timedelta(days=1)))
    await case(client, ward_id, at(clock, day_before, 15), acknowledge=at(clock, day, 10))
    made = await client.get("/v1/referrals", params={"ward": ward_id, "status": "made"})
    waiting = made.json()["data"][0]["referral_id"]
    await post_ok(client, f"/v1/referrals/{waiting}/acknowledge", {})
    project(application)

    # Then the same report asked later as of D is the same, byte for byte
    assert await report(client, ward_id, **as_of_d) == made_on_d
    # while today's figures moved on, and "what had happened by D" counts the late case
    assert await households(client, ward_id) == 6
    assert await households(client, ward_id, **as_of_d) == 4
    assert await households(client, ward_id, as_of=day.isoformat(), basis="occurred") == 5
    assert await households(client, ward_id, as_of=day_before.isoformat()) == 2
    occurred_before = {"as_of": day_before.isoformat(), "basis": "occurred"}
    assert await households(client, ward_id, **occurred_before) == 4
    # and so do the weekly flows and the indicators' stocks
    occurred = {"as_of": day.isoformat(), "basis": "occurred"}
    for as_of, made in ((as_of_d, 4), (occurred, 5)):
        params: dict[str, str | int] = {"level": "ward", "code": ward_id, "weeks": 2, **as_of}
        weeks = (await client.get("/v1/trends", params=params)).json()["weeks"]
        assert sum(w["referrals_made"] for w in weeks) == made
        url = f"/v1/indicators/ward/{ward_id}"
        stocks = (await client.get(url, params={"weeks": 2, **as_of})).json()["current"]
        assert stocks["M12_households_by_stage"]["registered"] == made


async def test_as_of_answers_overdue_and_acknowledgements_of_that_day(
    client: httpx.AsyncClient, application: Sukuma, recorded_by_clock: Clock, ward_id: str
) -> None:
    clock = recorded_by_clock
    first = clock.now.date()
    # Given a referral made on the first day and acknowledged (recorded) two days later
    await case(client, ward_id, at(clock, first))
    clock.advance(days=2)
    url = f"/v1/dashboard/ward/{ward_id}"
    project(application)
    (await client.get(url)).raise_for_status()
    ids = (await client.get("/v1/referrals", params={"ward": ward_id})).json()["data"]
    await post_ok(client, f"/v1/referrals/{ids[0]['referral_id']}/acknowledge", {})
    project(application)

    # Then as of the first day it was made, not acknowledged; today it is acknowledged
    then = (await client.get(url, params={"as_of": first.isoformat()})).json()
    now = (await client.get(url)).json()
    assert then["referrals"]["by_status"]["made"] == 1
    assert then["referrals"]["by_status"]["acknowledged"] == 0
    assert now["referrals"]["by_status"]["acknowledged"] == 1
    assert then["as_of"] == first.isoformat()


async def test_as_of_in_the_future_is_refused(
    client: httpx.AsyncClient, recorded_by_clock: Clock, ward_id: str
) -> None:
    tomorrow = (recorded_by_clock.now.date() + timedelta(days=1)).isoformat()
    response = await client.get(f"/v1/dashboard/ward/{ward_id}", params={"as_of": tomorrow})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "as_of"]


async def test_as_of_adds_up_the_months_before_the_day_and_the_days_of_its_month(
    client: httpx.AsyncClient, application: Sukuma, recorded_by_clock: Clock, ward_id: str
) -> None:
    clock = recorded_by_clock
    clock.advance(days=-60)  # two months back: history is read by month before as_of's month
    first = clock.now.date()
    await case(client, ward_id, at(clock, first), acknowledge=at(clock, first, 9))
    clock.advance(days=35)
    second = clock.now.date()
    await case(client, ward_id, at(clock, second))
    clock.advance(days=25)
    await case(client, ward_id, at(clock, second, 12))  # backdated 25 days
    project(application)

    def on(day: date, **basis: str) -> dict[str, str]:
        return {"as_of": day.isoformat(), **basis}

    assert await households(client, ward_id, **on(first)) == 1
    assert await households(client, ward_id, **on(second - timedelta(days=1))) == 1
    assert await households(client, ward_id, **on(second)) == 2
    assert await households(client, ward_id, **on(second, basis="occurred")) == 3
    assert await households(client, ward_id, **on(clock.now.date())) == 3
    for as_of, counted in ((on(second), (2, 1)), (on(second, basis="occurred"), (3, 1))):
        league = await client.get(
            "/v1/departments/performance", params={"district": "DC22", **as_of}
        )
        (sassa,) = [d for d in league.json()["data"] if d["department"] == "SASSA"]
        assert (sassa["received"], sassa["acknowledged"]) == counted


async def test_alert_stats_as_of_a_day_are_those_given_that_day(
    client: httpx.AsyncClient, application: Sukuma, recorded_by_clock: Clock, ward_id: str
) -> None:
    clock = recorded_by_clock
    ew = alerting(application, clock)
    # Given two referrals left unacknowledged until the sweep raises their alerts on day 8
    for _ in range(2):
        household_id = await household(client, ward_id)
        await referral(client, household_id, await need(client, household_id))
    clock.advance(days=8)
    ew.sweep()
    raised_on = clock.now.date()
    stats = "/v1/alerts/stats"
    on_the_day = await data(client, stats, {"area": "municipality"})

    # When one is acknowledged six hours later, and the other resolved the next day
    alerts = (await client.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]
    clock.advance(hours=6)
    await post_ok(client, f"/v1/alerts/{alerts[0]['alert_id']}/acknowledge", {})
    clock.advance(days=1)
    await post_ok(client, f"/v1/alerts/{alerts[1]['alert_id']}/resolve", {"reason": "done"})
    ew.project()

    # Then the stats as of day 8 are those given on day 8, byte for byte
    as_of = {"area": "municipality", "as_of": raised_on.isoformat()}
    assert await data(client, stats, as_of) == on_the_day
    before = (await client.get(stats, params={**as_of, "as_of": "2000-01-01"})).json()
    now = (await client.get(stats, params={"area": "municipality"})).json()
    assert before == {"open": [], "response_times": []}
    assert now["open"] == [{"level": 1, "rule": "EW-01", "open": 1}]
    [times] = [t for t in now["response_times"] if t["code"] == "KZN225"]
    assert times["median_hours_to_acknowledge"] == pytest.approx(6.0)
    later = {**as_of, "as_of": clock.now.date().isoformat()}
    assert (await client.get(stats, params=later)).json() == now


async def test_case_exports_are_as_of_a_day_by_recorded_time_only(
    client: httpx.AsyncClient, recorded_by_clock: Clock, ward_id: str
) -> None:
    day = recorded_by_clock.now.date().isoformat()
    for url in ("/v1/households.csv", "/v1/referrals.csv"):
        response = await client.get(url, params={"as_of": day, "basis": "occurred"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "basis"]


async def test_a_case_export_as_of_a_day_shows_the_rows_of_that_day_still_in_scope_now(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    recorded_by_clock: Clock,
    ward_id: str,
    other_ward_id: str,
) -> None:
    clock = recorded_by_clock
    day = clock.now.date()
    # Given two households of a ward recorded on D, one moved to another ward the day after
    await case(client, ward_id, at(clock, day))
    await case(client, ward_id, at(clock, day))
    project(application)
    clock.advance(days=1)
    listed = (await client.get("/v1/households", params={"ward": ward_id})).json()["data"]
    moved = listed[0]["household_id"]
    await post_ok(client, f"/v1/households/{moved}/move", {"to_ward_id": other_ward_id})
    project(application)
    worker = await client_as(Role.ANALYST, f"ward:{ward_id}", username="analyst")

    async def ids(http: httpx.AsyncClient, url: str, **params: str) -> list[str]:
        response = await http.get(url, params={"as_of": day.isoformat(), **params})
        assert response.status_code == 200, response.text
        return [r["household_id"] for r in csv.DictReader(io.StringIO(response.text))]

    # Then as of D the broad user's export has both in the ward, as they stood that day
    assert len(await ids(client, "/v1/households.csv", ward=ward_id)) == 2
    assert len(await ids(client, "/v1/referrals.csv", ward=ward_id)) == 2
    # and the ward's analyst, who may no longer see the moved household, has only the other
    assert moved not in await ids(worker, "/v1/households.csv")
    assert len(await ids(worker, "/v1/households.csv")) == 1
