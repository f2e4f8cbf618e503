"""The alert queue's and the war room's pages wait for their independent reads at once, not one
after the other (issue 17's page-speed bound: the API twin reads its view's freshness, then its
rows; each round trip a page adds in turn is time its twin does not spend), over HTTP through the
ASGI app against a real PostgreSQL. Each read is slowed to a fifth of a second and its span
kept: spans that overlap were waited for together. The alert queue reads its groups and their
view's freshness in one statement, as many as its twin. A page asked to show a write
(``?min_position=``) still reads only once the view holds it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from api import freshness
from domain.access.principal import Role
from domain.sukuma import Sukuma
from projections.alerts import queries as alert_queries
from projections.war_rooms import queries as war_rooms
from tests.integration.alerting import Alerting
from tests.integration.helpers import household, need
from tests.integration.test_views_api import project
from tests.integration.test_warrooms_api import war_room
from tests.integration.test_web_nerve import ew as ew
from tests.integration.test_web_nerve import overdue_referrals
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web
from web import war_room as war_room_page

Spans = dict[str, list[tuple[float, float]]]
SLOW = 0.2


def slowed(spans: Spans, name: str, read: Any) -> Any:
    """``read`` (a coroutine function) a fifth of a second slower, its spans kept."""

    async def slow(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        await asyncio.sleep(SLOW)
        try:
            return await read(*args, **kwargs)
        finally:
            spans.setdefault(name, []).append((started, time.perf_counter()))

    return slow


def slowed_in_thread(spans: Spans, name: str, work: Any) -> Any:
    """``work`` (blocking, run in the thread pool) a fifth of a second slower, spans kept."""

    def slow(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        time.sleep(SLOW)
        try:
            return work(*args, **kwargs)
        finally:
            spans.setdefault(name, []).append((started, time.perf_counter()))

    return slow


def slow_room(monkeypatch: pytest.MonkeyPatch, spans: Spans) -> None:
    """The war-rooms view's freshness and a room's read, slowed."""
    monkeypatch.setattr(freshness, "positions", slowed(spans, "fresh", freshness.positions))
    monkeypatch.setattr(war_rooms, "war_room", slowed(spans, "room", war_rooms.war_room))


def together(spans: Spans, one: str, other: str) -> bool:
    """The first span of ``one`` and of ``other`` overlap: both were waited for at once."""
    (a_from, a_to), (b_from, b_to) = spans[one][0], spans[other][0]
    return max(a_from, b_from) < min(a_to, b_to)


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements sent through any asyncpg pool from now on (the pages' read pool)."""
    sent: list[str] = []
    for name in ("fetch", "fetchrow", "fetchval"):
        read = getattr(asyncpg.Pool, name)

        async def counting(pool: asyncpg.Pool, query: str, *args: Any, _read: Any = read) -> Any:
            sent.append(query)
            return await _read(pool, query, *args)

        monkeypatch.setattr(asyncpg.Pool, name, counting)
    return sent


async def test_the_alert_queue_reads_its_freshness_with_its_groups_and_a_group_beside_them(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ew: Alerting,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given alerts raised in a ward, and the views' freshness and the alerts' reads slowed
    await overdue_referrals(client, [ward_id] * 2)
    ew.clock.advance(days=8)
    ew.sweep()
    user(application, "lwazi", Role.ANALYST, "municipality:KZN225")
    spans: Spans = {}
    monkeypatch.setattr(freshness, "positions", slowed(spans, "fresh", freshness.positions))
    for read in ("alert_groups_fresh", "alerts_oldest"):
        slow = slowed(spans, read, getattr(alert_queries, read))
        monkeypatch.setattr(alert_queries, read, slow)
    async with browser(web) as http:
        assert (await sign_in(http, "lwazi")).status_code == 303
        sent = counted(monkeypatch)
        # When the analyst opens the queue
        queue = await http.get("/alerts")
        queued, statements = dict(spans), list(sent)
        spans.clear()
        # and a group of it
        group = await http.get(f"/alerts/group?rule=EW-01&level=1&ward={ward_id}")
    # Then the queue read its groups and its view's freshness in one statement, as its API
    # twin reads its groups
    assert queue.status_code == 200 and ward_id in queue.text
    assert list(queued) == ["alert_groups_fresh"] and len(statements) == 1, statements
    # and the group's page waited for its view's freshness and its alerts at once
    assert group.status_code == 200 and group.text.count('<td data-label="Raised">') == 2
    assert together(spans, "fresh", "alerts_oldest"), spans


async def test_the_alert_queue_says_when_its_view_is_behind_the_log(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ew: Alerting,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given alerts raised in a ward, then a household registered that no view has yet
    await overdue_referrals(client, [ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    project(application)
    await household(client, ward_id)
    user(application, "lwazi", Role.ANALYST, "municipality:KZN225")
    user(application, "sbu", Role.ANALYST, "district:DC21")
    position, head = await freshness.positions(web.state.read_pool)
    assert head > position
    behind = f"The last {head - position} change"
    async with browser(web) as http, browser(web) as outsider:
        assert (await sign_in(http, "lwazi")).status_code == 303
        assert (await sign_in(outsider, "sbu")).status_code == 303
        sent = counted(monkeypatch)
        # When an analyst opens the queue, and one of a district with no alerts opens theirs
        queue = (await http.get("/alerts")).text
        one = list(sent)
        empty = (await outsider.get("/alerts")).text
    # Then both pages say how far their view is behind: read with the groups, and apart
    # (a second statement) when no group came back to carry it
    assert ward_id in queue and behind in queue
    assert "No open alerts here." in empty and behind in empty
    assert len(one) == 1 and len(sent) == 3, sent


async def test_a_page_asked_to_show_a_write_reads_once_its_view_holds_it(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a ward's war room, and a view a write behind the log at first look
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    project(application)
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    spans: Spans = {}
    positions = freshness.positions

    async def behind_at_first(*args: Any, **kwargs: Any) -> tuple[int, int]:
        started = time.perf_counter()
        _, head = await positions(*args, **kwargs)
        first = "fresh" not in spans
        spans.setdefault("fresh", []).append((started, time.perf_counter()))
        return (head - 1, head) if first else (head, head)

    monkeypatch.setattr(freshness, "positions", behind_at_first)
    monkeypatch.setattr(war_rooms, "war_room", slowed(spans, "room", war_rooms.war_room))
    async with browser(web) as http:
        assert (await sign_in(http, "nandi")).status_code == 303
        head = (await freshness.positions(web.state.read_pool))[1]
        spans.clear()
        # When the convener is sent to the room to see their write (as a form redirects)
        answer = await http.get(f"{room}?min_position={head}")
    # Then the page looked again until the view held it, and only then read the room
    assert answer.status_code == 200
    assert len(spans["fresh"]) == 2, spans
    assert spans["fresh"][-1][1] <= spans["room"][0][0], spans
    assert "still being added" not in answer.text


async def test_the_war_room_reads_its_freshness_beside_the_room_and_its_form_text_beside_households(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a ward's war room and a household with an open need, and the page's reads slowed
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    await need(client, await household(client, ward_id))
    project(application)
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    spans: Spans = {}
    slow_room(monkeypatch, spans)
    opened = slowed_in_thread(spans, "text", war_rooms.open_free_text)
    monkeypatch.setattr(war_rooms, "open_free_text", opened)
    at_risk = slowed(spans, "households", war_room_page.household_ids_at_risk)
    monkeypatch.setattr(war_room_page, "household_ids_at_risk", at_risk)
    async with browser(web) as http:
        assert (await sign_in(http, "nandi")).status_code == 303
        # When the convener opens the room
        answer = await http.get(room)
        # Then its freshness was read beside the room, and no household (its form asks)
        assert answer.status_code == 200 and "Households discussed" in answer.text
        assert together(spans, "fresh", "room"), spans
        assert "households" not in spans, spans
        # And the meeting form on a page of its own opens the room's text beside the ward's
        # households (which need the room's ward, so come after the room)
        spans.clear()
        assert (await http.get(f"{room}/meeting")).status_code == 200
    assert together(spans, "text", "households"), spans
    assert spans["room"][0][1] <= spans["households"][0][0], spans


async def test_the_agenda_reads_the_wards_overdue_referrals_beside_its_alerts(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ew: Alerting,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a ward's war room, an overdue referral and its alert, and the agenda's reads slowed
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    await overdue_referrals(client, [ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    project(application)
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    spans: Spans = {}
    slow_room(monkeypatch, spans)
    referrals = slowed(spans, "referrals", war_room_page.open_referrals)
    monkeypatch.setattr(war_room_page, "open_referrals", referrals)
    groups = slowed(spans, "alerts", alert_queries.alert_groups)
    monkeypatch.setattr(alert_queries, "alert_groups", groups)
    async with browser(web) as http:
        assert (await sign_in(http, "nandi")).status_code == 303
        # When the convener opens the next meeting's agenda
        answer = await http.get(f"{room}/agenda")
    # Then the page waited for the view's freshness beside the room, and for the ward's
    # overdue referrals beside its alerts
    assert answer.status_code == 200 and "EW-01" in answer.text
    assert together(spans, "fresh", "room"), spans
    assert together(spans, "referrals", "alerts"), spans
