"""What a page costs the server beyond the API reads it shares (issue 17's page-speed bounds),
over HTTP through the ASGI app against a real PostgreSQL. Timings compare two renders of the
same page in the same test, in CPU time, so a loaded machine slows neither."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.war_rooms import queries as war_rooms
from tests.integration.helpers import household, need
from tests.integration.test_views_api import project
from tests.integration.test_warrooms_api import war_room
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web
from web import nerve
from web.render import page


def fastest(tries: int, *works: Callable[[], object]) -> list[float]:
    """The least CPU time (this thread's: a loaded machine's waits are not counted) of
    ``tries`` runs of each of ``works``, taking turns, in seconds."""
    best = [float("inf")] * len(works)
    for _ in range(tries):
        for i, work in enumerate(works):
            started = time.thread_time()
            work()
            best[i] = min(best[i], time.thread_time() - started)
    return best


async def test_a_districts_heat_map_costs_the_dashboard_little_beyond_the_rest_of_the_page(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an open water need in one ward of a district: the heat map draws every ward of
    # the district by every need category, thousands of cells, nearly all of them zero
    await need(client, await household(client, ward_id), "water")
    project(application)
    district = geography().ward(ward_id).district_code
    user(application, "zodwa", Role.ANALYST, f"district:{district}")
    drawn: list[tuple[Request, dict[str, Any] | None]] = []
    shown: list[dict[str, Any]] = []
    heat = nerve._heat

    def keep_heat(request: Request, data: dict[str, Any] | None) -> dict[str, Any] | None:
        drawn.append((request, data))
        return heat(request, data)

    def keep_page(request: Request, template: str, **context: Any) -> Any:
        shown.append(context)
        return page(request, template, **context)

    monkeypatch.setattr(nerve, "_heat", keep_heat)
    monkeypatch.setattr(nerve, "page", keep_page)
    # When the analyst opens the district's dashboard
    async with browser(web) as http:
        assert (await sign_in(http, "zodwa")).status_code == 303
        answer = await http.get(f"/nerve-centre/district/{district}")
    assert answer.status_code == 200, answer.text[:500]
    # Then the ward's water cell is coloured and named for a phone's card; a zero names nothing
    row = re.search(rf'<th scope="row"><a [^>]*>{ward_id}</a></th>(.*?)</tr>', answer.text, re.S)
    assert row is not None
    assert '<td class="heat-5" data-label="Water">1</td>' in row.group(1)
    assert '<td class="heat-0">0</td>' in row.group(1)
    wards = len(geography().wards_in("district", district))
    categories = len(row.group(1).split("<td")) - 2  # the ward's total is not a category
    assert answer.text.count('<th scope="row">') == wards and categories > 10
    # And drawing it (its cells, then the page) costs less than 8 times the page without it
    # (about 5 times; 17 when the template escaped each cell's count, class and name)
    (request, data), context = drawn[0], shown[0]
    full, without = fastest(
        20,
        lambda: page(request, "nerve.html", **{**context, "heat": heat(request, data)}),
        lambda: page(request, "nerve.html", **{**context, "heat": None}),
    )
    assert full < 8 * without, (wards * categories, full, without)


async def test_the_war_room_page_reads_its_room_and_the_catalogue_at_once(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a ward's war room, and both of the page's reads slowed to a fifth of a second
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    project(application)
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    read_room, read_catalogue = war_rooms.war_room, application.catalogue
    spans: dict[str, tuple[float, float]] = {}

    async def slow_room(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        await asyncio.sleep(0.2)
        spans["room"] = (started, time.perf_counter())
        return await read_room(*args, **kwargs)

    def slow_catalogue(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        time.sleep(0.2)  # the event store's read blocks a thread of the pool
        spans["catalogue"] = (started, time.perf_counter())
        return read_catalogue(*args, **kwargs)

    monkeypatch.setattr(war_rooms, "war_room", slow_room)
    monkeypatch.setattr(application, "catalogue", slow_catalogue)
    async with browser(web) as http:
        assert (await sign_in(http, "nandi")).status_code == 303
        # When the convener opens the room
        answer = await http.get(room)
    # Then the page waited for both reads at once, not for one after the other
    assert answer.status_code == 200 and "Seat a member" in answer.text
    (room_from, room_to), (catalogue_from, catalogue_to) = spans["room"], spans["catalogue"]
    assert max(room_from, catalogue_from) < min(room_to, catalogue_to), spans
