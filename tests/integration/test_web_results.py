"""The Results and Delivery pages through the ASGI app: an analyst's priorities, a target's
trajectory chart and monthly table (in isiZulu too), and another area's target not found."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.conftest import Clock
from tests.integration.delivery import months_back, profiled_on, profiling_target
from tests.integration.test_views_api import project
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web


async def test_an_analyst_reads_a_target_trajectory_against_its_actuals(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    today = clock.now.date()
    _, target_id = await profiling_target(client, ward_id, today)
    await profiled_on(client, ward_id, months_back(today, 2).replace(day=12))
    project(application)
    user(application, "ayanda", Role.ANALYST, "municipality:KZN225")
    user(application, "sipho", Role.ANALYST, "district:ETH")

    async with browser(web) as http:
        assert (await sign_in(http, "ayanda")).status_code == 303
        listing = await http.get("/results")
        target = await http.get(f"/results/targets/{target_id}")
        zulu = await http.get(f"/results/targets/{target_id}", headers={"Accept-Language": "zu"})
    async with browser(web) as http:
        await sign_in(http, "sipho")
        elsewhere = await http.get(f"/results/targets/{target_id}")

    assert listing.status_code == 200
    assert "Every household profiled" in listing.text
    assert f'href="/results/targets/{target_id}"' in listing.text
    assert target.status_code == 200, target.text[:300]
    assert target.text.count("<polyline") == 2
    assert "1 red: highly problematic" in target.text  # 1 against 2 two months back
    assert target.text.count("<tr><td>") == 3  # two months over and this one so far
    assert "Isilinganiso esiphakanyisiwe" in zulu.text
    assert elsewhere.status_code == 404
