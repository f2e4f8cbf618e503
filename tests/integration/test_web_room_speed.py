"""What the war room's and the alert queue's pages cost to render beyond their API twins (issue
17's page-speed bound), over HTTP through the ASGI app against a real PostgreSQL: work a row
repeats is done once a page, and the pages' HTML stays what it was."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from babel.dates import format_datetime
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting
from tests.integration.helpers import post_ok
from tests.integration.test_views_api import project
from tests.integration.test_warrooms_api import war_room
from tests.integration.test_web_nerve import ew as ew
from tests.integration.test_web_nerve import overdue_referrals
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web
from web import i18n
from web.i18n import environment

RAISED = re.compile(r'<td data-label="Raised">([^<]+)</td>')


async def test_a_groups_alerts_raised_by_one_sweep_have_their_moment_formatted_once(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ew: Alerting,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given three referrals left unacknowledged in a ward, and one sweep raising their alerts
    await overdue_referrals(client, [ward_id] * 3)
    ew.clock.advance(days=8)
    ew.sweep()
    user(application, "lwazi", Role.ANALYST, "municipality:KZN225")
    formatted: list[datetime] = []

    def counted(value: datetime, *args: Any, **kwargs: Any) -> str:
        formatted.append(value)
        return format_datetime(value, *args, **kwargs)

    monkeypatch.setattr(i18n, "format_datetime", counted)
    async with browser(web) as http:
        assert (await sign_in(http, "lwazi")).status_code == 303
        # When the analyst opens the group
        listed = await http.get(f"/alerts/group?rule=EW-01&level=1&ward={ward_id}")
    # Then each row shows the sweep's moment, which Babel formatted once at most (three
    # times before: once a row), not again for the next page that shows it
    assert listed.status_code == 200
    shown = RAISED.findall(listed.text)
    assert len(shown) == 3 and len(set(shown)) == 1
    assert len(formatted) <= 1, formatted


async def test_the_queues_links_are_urlencodes(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given alerts in two wards of a municipality
    await overdue_referrals(client, [ward_id, other_ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    user(application, "lwazi", Role.ANALYST, "municipality:KZN225")
    async with browser(web) as http:
        assert (await sign_in(http, "lwazi")).status_code == 303
        # When the analyst filters the municipality's queue by a rule
        queue = (await http.get("/alerts?rule=EW-01&municipality=KZN225")).text
    # Then each group's links (written without urlencode) read as urlencode writes them
    for ward in (ward_id, other_ward_id):
        query = {"rule": "EW-01", "municipality": "KZN225", "level": 1, "ward": ward}
        assert f'href="/alerts/group?{urlencode(query)}"'.replace("&", "&amp;") in queue
        assert f'href="/alerts?{urlencode({"ward": ward})}"' in queue


async def test_a_war_rooms_days_are_filled_into_their_wording_once_a_page(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    # Given a war room with two members seated and six action items due on two days
    room_id = await war_room(client, ward_id)
    for name in ("Nandi Dlamini", "Sipho of SASSA"):
        await post_ok(
            client, f"/v1/war-rooms/{room_id}/members", {"name": name, "seat": "convener"}
        )
    for k in range(6):
        due = date(2030, 1, 1 + k % 2).isoformat()
        body = {"text": f"Follow up {k}", "due_on": due}
        await post_ok(client, f"/v1/war-rooms/{room_id}/action-items", body)
    project(application)
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    filled = environment("en").filters["on_day"]
    async with browser(web) as http:
        assert (await sign_in(http, "nandi")).status_code == 303
        # When the convener opens the room
        before = filled.cache_info()
        page = (await http.get(f"/war-rooms/{room_id}")).text
        after = filled.cache_info()
    # Then every item shows its day, but each (wording, day) was filled once: the two
    # items' days and the members' one, not a fill a row; and the six items ask for their two
    # days once each (web.war_room_rows), the two members for theirs: 4 look-ups, not 8
    assert page.count("due Jan 1, 2030") == page.count("due Jan 2, 2030") == 3
    assert after.misses - before.misses <= 3
    assert (after.hits + after.misses) - (before.hits + before.misses) <= 4
