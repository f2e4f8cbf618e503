"""A war-room meeting recorded through the room's page with an earlier date and the households
discussed, over HTTP through the ASGI app against a real PostgreSQL: the date within the
backdating window the API allows a command (``SUKUMA_OCCURRED_AT_WINDOW_DAYS``), a later or
older one refused; the households offered and accepted only where the reader may read them."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.alerting import alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need
from tests.integration.test_warrooms_api import war_room
from tests.integration.test_web_pages import browser, csrf_of, sign_in, user
from tests.integration.test_web_pages import web as web


async def test_convener_records_an_earlier_meeting_and_the_households_discussed(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    clock: Clock,
    ward_id: str,
    other_ward_id: str,
) -> None:
    ew = alerting(application, clock)
    room_id = await war_room(client, ward_id)
    room = f"/war-rooms/{room_id}"
    here = await household(client, ward_id)
    await need(client, here)
    elsewhere = await household(client, other_ward_id)
    await need(client, elsewhere)
    ew.project()
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    user(application, "sipho", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    today = clock().date()
    window = web.state.settings.occurred_at_window_days
    async with browser(web) as http:
        await sign_in(http, "nandi")
        # The form offers the ward's households with open needs, and a date back to the window
        page = (await http.get(room)).text
        assert f'name="discussed" value="{here}"' in page and elsewhere not in page
        earliest = today - timedelta(days=window - 1)
        assert f'min="{earliest.isoformat()}" max="{today.isoformat()}"' in page
        token = await csrf_of(http, room)

        async def hold(held_on: str, *discussed: str) -> httpx.Response:
            data = {"csrf": token, "held_on": held_on, "discussed": list(discussed)}
            return await http.post(f"{room}/meetings", data=data)

        # A day past the window, a day to come, a household it may not read: nothing recorded
        too_old = (today - timedelta(days=window + 1)).isoformat()
        assert (await hold(too_old, here)).status_code == 422
        assert (await hold((today + timedelta(days=1)).isoformat(), here)).status_code == 422
        assert (await hold(today.isoformat(), elsewhere)).status_code == 404
        # When it records the meeting of ten days ago, where this household was discussed
        ten_days_ago = (today - timedelta(days=10)).isoformat()
        assert (await hold(ten_days_ago, here)).status_code == 303
        ew.project()
        page = (await http.get(room)).text
        assert "Meeting recorded." in page
        assert f'Households discussed: <a href="/households/{here}">' in page
    # Then the room holds one meeting, held ten days ago, with that household
    (meeting,) = (await client.get(f"/v1/war-rooms/{room_id}")).json()["meetings"]
    assert (meeting["held_on"], meeting["households_discussed"]) == (ten_days_ago, [here])
    async with browser(web) as http:
        # A department officer reads the room: no form, and the household by reference only
        await sign_in(http, "sipho")
        page = (await http.get(room)).text
        assert 'name="discussed"' not in page and 'name="held_on"' not in page
        assert f"Households discussed: Household {here[:8].upper()}" in page
        assert f'href="/households/{here}"' not in page
