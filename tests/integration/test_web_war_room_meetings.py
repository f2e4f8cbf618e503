"""A war-room meeting recorded through the room's page with an earlier date and the households
discussed, over HTTP through the ASGI app against a real PostgreSQL: the date within the
backdating window the API allows a command (``SUKUMA_OCCURRED_AT_WINDOW_DAYS``), a later or
older one refused; the households offered and accepted only where the reader may read them."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

import httpx
import pytest
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need
from tests.integration.test_warrooms_api import war_room
from tests.integration.test_web_pages import browser, csrf_of, sign_in, user
from tests.integration.test_web_pages import web as web


class Room(NamedTuple):
    """A ward's war room (its page's path), and a household of the ward with an open need."""

    ew: Alerting
    path: str
    here: str


@pytest.fixture
async def room(application: Sukuma, client: httpx.AsyncClient, clock: Clock, ward_id: str) -> Room:
    ew = alerting(application, clock)
    path = f"/war-rooms/{await war_room(client, ward_id)}"
    here = await household(client, ward_id)
    await need(client, here)
    return Room(ew, path, here)


async def test_convener_records_an_earlier_meeting_and_the_households_discussed(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    clock: Clock,
    room: Room,
    ward_id: str,
    other_ward_id: str,
) -> None:
    ew, here = room.ew, room.here
    room_id = room.path.removeprefix("/war-rooms/")
    room_path = room.path
    elsewhere = await household(client, other_ward_id)
    await need(client, elsewhere)
    ew.project()
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    user(application, "sipho", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    today = clock().date()
    window = web.state.settings.occurred_at_window_days
    async with browser(web) as http:
        await sign_in(http, "nandi")
        # The form offers the ward's households with open needs when asked for them (a
        # fragment; without script, the form on a page of its own), and a date back to the window
        page = (await http.get(room_path)).text
        offered = f"{room_path}/households-offered"
        assert f'href="{room_path}/meeting" hx-get="{offered}"' in page and here not in page
        fragment = await http.get(offered)
        assert "<html" not in fragment.text and fragment.headers["cache-control"] == "no-store"
        assert f'name="discussed" value="{here}"' in fragment.text
        assert elsewhere not in fragment.text
        alone = (await http.get(f"{room_path}/meeting")).text
        assert f'name="discussed" value="{here}"' in alone and elsewhere not in alone
        earliest = today - timedelta(days=window - 1)
        for form in (page, alone):
            assert f'min="{earliest.isoformat()}" max="{today.isoformat()}"' in form
        token = await csrf_of(http, room_path)

        async def hold(held_on: str, *discussed: str) -> httpx.Response:
            data = {"csrf": token, "held_on": held_on, "discussed": list(discussed)}
            return await http.post(f"{room_path}/meetings", data=data)

        # A day past the window, a day to come, a household it may not read: nothing recorded
        too_old = (today - timedelta(days=window + 1)).isoformat()
        assert (await hold(too_old, here)).status_code == 422
        assert (await hold((today + timedelta(days=1)).isoformat(), here)).status_code == 422
        assert (await hold(today.isoformat(), elsewhere)).status_code == 404
        # When it records the meeting of ten days ago, where this household was discussed
        ten_days_ago = (today - timedelta(days=10)).isoformat()
        assert (await hold(ten_days_ago, here)).status_code == 303
        ew.project()
        page = (await http.get(room_path)).text
        assert "Meeting recorded." in page
        assert f'Households discussed: <a href="/households/{here}">' in page
    # Then the room holds one meeting, held ten days ago, with that household
    (meeting,) = (await client.get(f"/v1/war-rooms/{room_id}")).json()["meetings"]
    assert (meeting["held_on"], meeting["households_discussed"]) == (ten_days_ago, [here])
    async with browser(web) as http:
        # A department officer reads the room: no form, and the household by reference only
        await sign_in(http, "sipho")
        page = (await http.get(room_path)).text
        assert 'name="discussed"' not in page and 'name="held_on"' not in page
        assert f"Households discussed: Household {here[:8].upper()}" in page
        assert f'href="/households/{here}"' not in page
        # nor the households offered, nor the form on its page of its own
        assert here not in (await http.get(f"{room_path}/households-offered")).text
        alone = (await http.get(f"{room_path}/meeting")).text
        assert 'name="held_on"' not in alone and "You may not do this" in alone


async def test_the_meeting_form_alone_records_a_meeting_and_its_households_stay_in_scope(
    web: FastAPI, application: Sukuma, room: Room, ward_id: str, other_ward_id: str
) -> None:
    room.ew.project()
    here = room.here
    user(application, "zola", Role.CONVENER, f"ward:{ward_id}")
    user(application, "far", Role.CONVENER, f"ward:{other_ward_id}")
    async with browser(web, **{"Accept-Language": "zu"}) as http, browser(web) as stranger:
        await sign_in(http, "zola")
        # The page without script, in isiZulu: its form posts with the session's token
        alone = await http.get(f"{room.path}/meeting")
        assert alone.headers["content-language"] == "zu"
        assert "Buyela egumbini lempi" in alone.text and "Bhala umhlangano" in alone.text
        fragment = (await http.get(f"{room.path}/households-offered")).text
        assert f"Ikhaya {here[:8].upper()}" in fragment
        token = await csrf_of(http, f"{room.path}/meeting")
        forged = await http.post(f"{room.path}/meetings", data={"csrf": "x", "discussed": [here]})
        assert forged.status_code == 403
        held = await http.post(f"{room.path}/meetings", data={"csrf": token, "discussed": [here]})
        assert held.status_code == 303
        # A convener of another ward reads neither the room's households nor its form
        await sign_in(stranger, "far")
        assert (await stranger.get(f"{room.path}/households-offered")).status_code == 404
        assert (await stranger.get(f"{room.path}/meeting")).status_code == 404
