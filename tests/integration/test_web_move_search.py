"""The household's move form offers any ward of the province through a search (the API takes
any ward; the move's policy asks about the household's own ward), over HTTP through the ASGI
app against a real PostgreSQL: the district's wards without a search, the province's wards
that match one, and a move to a ward of another district through it."""

from __future__ import annotations

import re
from uuid import UUID

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from tests.integration.helpers import household
from tests.integration.test_web_pages import browser, post_form, sign_in, user
from tests.integration.test_web_pages import web as web


async def test_convener_finds_a_ward_of_another_district_and_moves_the_household_there(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)  # a ward of uMgungundlovu (DC22)
    durban = geography().wards_in("district", "ETH")[4].id  # eThekwini's ward 5
    user(application, "convener", Role.CONVENER, f"ward:{ward_id}")
    page = f"/households/{household_id}"
    async with browser(web) as http:
        await sign_in(http, "convener")
        # Without a search: the district's wards, as before, and the search form
        shown = (await http.get(page)).text
        assert 'name="ward_search"' in shown
        assert 'value="KZN225-W002"' in shown and f'value="{durban}"' not in shown
        # A search finds the province's wards by municipality (or district, or code)
        found = (await http.get(page, params={"ward_search": "ethekwini"})).text
        options = re.findall(r'<option value="([A-Z0-9-]+)"', found)
        assert durban in options and all(o.startswith("ETH-") for o in options)
        assert 'value="ethekwini"' in found  # the search stays in its box
        by_code = (await http.get(page, params={"ward_search": "eth-w005"})).text
        assert re.findall(r'<option value="([A-Z0-9-]+)"', by_code) == [durban]
        nothing = (await http.get(page, params={"ward_search": "zzz"})).text
        assert "No ward matches “zzz”." in nothing and f'action="{page}/move"' not in nothing
        # And the household moves there through the form
        version = str(application.get(Household, UUID(household_id)).version)
        moved = await post_form(
            http,
            f"{page}/move",
            f"{page}?ward_search=ethekwini",
            to_ward=durban,
            version=version,
        )
        assert moved.status_code == 303, moved.text[:300]
    assert application.get(Household, UUID(household_id)).ward_id == durban
