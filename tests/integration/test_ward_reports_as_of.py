"""The ward's reports as of a day, through HTTP over real PostgreSQL: an imbizo report and a
meeting pack made on day D are made again, byte for byte, when asked later with ``as_of=D``,
while the log grows with the war room's meetings, items and questions, backdated cases,
referrals acknowledged and alerts acknowledged and resolved after D.

Events are recorded at the app clock's time (``recorded_by_clock``), so the test chooses the
day each is recorded on.
"""
# ruff: noqa: F811  (``web`` and ``broad`` parameters are the fixtures imported below)

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.migrations import migrations
from domain.sukuma import Sukuma
from projections.war_rooms.view import ROOMS, ROOMS_VERSIONS
from tests.integration.alerting import alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import post_ok
from tests.integration.test_area_as_of_api import (  # noqa: F401 (a fixture, used by name)
    at,
    case,
    recorded_by_clock,
)
from tests.integration.test_reports import (  # noqa: F401 (fixtures, used by name)
    body_of,
    broad,
    reader,
    web,
)
from tests.integration.test_views_api import project

KINDS = ("imbizo", "meeting-pack")


async def reports(http: httpx.AsyncClient, ward: str, **as_of: str) -> dict[str, str]:
    """Both ward reports' bodies (less the header saying when and from what they were made)."""
    made = {}
    for kind in KINDS:
        response = await http.get(f"/v1/reports/{kind}/ward/{ward}", params={"lang": "en", **as_of})
        assert response.status_code == 200, response.text[:500]
        made[kind] = body_of(response.text)
    return made


async def alerts(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    listed = await http.get("/v1/alerts", params={"rule": "EW-01", "status": "open"})
    data: list[dict[str, Any]] = listed.json()["data"]
    return sorted(data, key=lambda a: a["alert_id"])


@pytest.mark.usefixtures("recorded_by_clock")
async def test_the_ward_reports_made_on_day_d_are_made_again_unchanged_as_of_d(
    web: FastAPI, application: Sukuma, broad: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    # One projector throughout (the sweeps' own): it keeps the rows it wrote in its cache
    http, ew = broad, alerting(application, clock)
    day_before, day = clock.now.date(), clock.now.date() + timedelta(days=1)
    long_ago = day_before - timedelta(days=20)  # referrals made then are overdue, and alerted
    # Given, recorded the day before D: a war room with a convener and a SASSA seat, a meeting,
    # two action items and a question from an imbizo; two cases referred 20 days before
    room = (await post_ok(http, "/v1/war-rooms", {"ward_id": ward_id, "name": "Ward war room"}))[
        "id"
    ]
    rooms = f"/v1/war-rooms/{room}"
    convener = (
        await post_ok(http, f"{rooms}/members", {"name": "Thandi Zulu", "seat": "convener"})
    )["member_id"]
    sassa = {"name": "Sipho Dlamini", "seat": "department", "department": "SASSA"}
    officer = (await post_ok(http, f"{rooms}/members", sassa))["member_id"]
    await post_ok(http, f"{rooms}/meetings", {"attendee_member_ids": [convener, officer]})
    items = []
    for text in ("Visit the clinic about the mobile unit", "Call SASSA about the grants"):
        body = {"text": text, "owner_member_id": officer, "due_on": day.isoformat()}
        items.append((await post_ok(http, f"{rooms}/action-items", body))["item_id"])
    questions = f"{rooms}/imbizo-questions"
    asked = {"imbizo_on": day_before.isoformat(), "question": "When will the tanker come?"}
    question = (await post_ok(http, questions, asked))["question_id"]
    await case(http, ward_id, at(clock, long_ago))
    await case(http, ward_id, at(clock, long_ago))
    ew.sweep()
    # And on D: a meeting the SASSA seat missed, an item done, the question answered in part,
    # a case backdated to the day before, an alert acknowledged
    clock.advance(days=1)
    await post_ok(http, f"{rooms}/meetings", {"attendee_member_ids": [convener]})
    await post_ok(http, f"{rooms}/action-items/{items[0]}/done", {})
    answer = f"{questions}/{question}/answer"
    await post_ok(http, answer, {"outcome": "in_progress", "answer": "The municipality asked"})
    await case(http, ward_id, at(clock, day_before, 12))
    first, second = await alerts(http)
    await post_ok(http, f"/v1/alerts/{first['alert_id']}/acknowledge", {})
    ew.project()

    # When both reports are made on D, and asked on D as of D
    made_on_d = await reports(http, ward_id)
    as_of_d = {"as_of": day.isoformat()}
    assert await reports(http, ward_id, **as_of_d) == made_on_d

    # And the log grows the next day: the other item done, the question answered, the SASSA
    # member leaves, a meeting and a question backdated to D, a case backdated to the day
    # before D, a referral of D acknowledged, an alert resolved
    clock.advance(days=1)
    await post_ok(http, f"{rooms}/action-items/{items[1]}/done", {})
    await post_ok(http, answer, {"outcome": "done", "answer": "A tanker comes every Tuesday"})
    await post_ok(http, f"{rooms}/members/{officer}/remove", {})
    held_on_d = {"attendee_member_ids": [convener], "occurred_at": at(clock, day)}
    await post_ok(http, f"{rooms}/meetings", held_on_d)
    late = {"imbizo_on": day.isoformat(), "question": "Who fixes the road?"}
    await post_ok(http, questions, {**late, "occurred_at": at(clock, day)})
    await case(http, ward_id, at(clock, day_before, 15))
    made = await http.get("/v1/referrals", params={"ward": ward_id, "status": "made"})
    await post_ok(http, f"/v1/referrals/{made.json()['data'][0]['referral_id']}/acknowledge", {})
    await post_ok(http, f"/v1/alerts/{second['alert_id']}/resolve", {"reason": "seen to"})
    ew.project()

    # Then both reports asked later as of D are those made on D, byte for byte
    assert await reports(http, ward_id, **as_of_d) == made_on_d
    # while today's moved on: the question answered since is no longer waiting, and the
    # imbizo recorded late (on D) is now the last one told back
    today = await reports(http, ward_id)
    assert "In progress: The municipality asked" in made_on_d["meeting-pack"]
    assert "The municipality asked" not in today["meeting-pack"]
    assert "Who fixes the road?" in today["imbizo"]
    assert "Who fixes the road?" not in made_on_d["imbizo"]
    # And as of the day before the war room was established, there was none
    before = await reports(http, ward_id, as_of=(day_before - timedelta(days=1)).isoformat())
    assert "This ward has no war room yet." in before["meeting-pack"]


@pytest.mark.usefixtures("recorded_by_clock")
async def test_the_ward_reports_are_as_of_an_earlier_day_by_recorded_time_only(
    web: FastAPI, broad: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    yesterday = (clock.now.date() - timedelta(days=1)).isoformat()
    for kind in KINDS:
        url = f"/v1/reports/{kind}/ward/{ward_id}"
        refused = await broad.get(url, params={"as_of": yesterday, "basis": "occurred"})
        [detail] = refused.json()["detail"]
        assert (refused.status_code, detail["loc"]) == (422, ["query", "basis"])
        assert "recorded time only" in detail["msg"]
        # as of today, either basis is the live report
        today = {"as_of": clock.now.date().isoformat(), "basis": "occurred"}
        assert (await broad.get(url, params=today)).status_code == 200


@pytest.mark.usefixtures("recorded_by_clock")
async def test_war_rooms_projected_before_their_versions_are_rebuilt_with_them(
    web: FastAPI, application: Sukuma, broad: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    # Given a war room established the day before D and a meeting held on D, projected by a
    # release that kept no recorded day on the rooms (as before migration 0019)
    day_before = clock.now.date()
    body = {"ward_id": ward_id, "name": "Ward war room"}
    room = (await post_ok(broad, "/v1/war-rooms", body))["id"]
    clock.advance(days=1)
    await post_ok(broad, f"/v1/war-rooms/{room}/meetings", {"attendee_member_ids": []})
    project(application)
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as curs:
        curs.execute(f"UPDATE {ROOMS} SET recorded_on = NULL")
        curs.execute(f"DELETE FROM {ROOMS_VERSIONS}")
    # When the migration runs again, and the projector after it
    [migration] = [m for m in migrations() if m.name == "asof_war_rooms_field_activity"]
    with datastore.transaction(commit=True) as curs:
        curs.execute(migration.sql)
    project(application)

    # Then the room is rebuilt from the log, with its version of the day before D
    url = f"/v1/reports/meeting-pack/ward/{ward_id}"
    then = await broad.get(url, params={"as_of": day_before.isoformat(), "lang": "en"})
    assert "Ward war room" in then.text and "next meeting on" not in then.text
    now = (await broad.get(url, params={"lang": "en"})).text
    assert "next meeting on" in now
    with datastore.transaction(commit=False) as curs:
        curs.execute(f"SELECT count(*) AS n FROM {ROOMS} WHERE recorded_on IS NULL")
        assert curs.fetchone()["n"] == 0
