"""The register form profiles as many members as the profile API takes (``MEMBERS_MAX``), over
HTTP through the ASGI app against a real PostgreSQL: a household of 13 (the form stopped at
12 before) is registered with each member; the page carries the blank member row that
``web/static/members.js`` adds without a round trip, and a form past the API's limit is
refused as the API refuses it."""

from __future__ import annotations

import re
from uuid import UUID

from fastapi import FastAPI

from api.schemas.profile import MEMBERS_MAX
from domain.access.principal import Role
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.integration.test_web_field import answers, opened
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web


def member(i: int) -> dict[str, str]:
    """Member ``i`` as a field worker fills it in: a child of the head."""
    p = f"members.{i}."
    return {
        f"{p}first_name": f"Child{i}",
        f"{p}surname": "Ngcobo",
        f"{p}sex": "female" if i % 2 else "male",
        f"{p}date_of_birth": f"20{10 + i % 10:02d}-03-0{1 + i % 9}",
        f"{p}relation": "child",
        f"{p}document_status": "has",
        f"{p}employment": "student",
        f"{p}schooling.attending": "yes",
    }


async def test_a_household_of_thirteen_is_registered_through_the_form(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "ayanda", Role.FIELD_WORKER, f"ward:{ward_id}")
    typed = answers(ward_id)
    for i in range(2, 13):  # (0 and 1: the head and Sipho)
        typed.update(member(i))
    async with browser(web) as http:
        await sign_in(http, "ayanda")
        # The form of 12 offers one more member, and the blank row the script adds
        twelve = (await http.get("/new-household?members=12")).text
        assert 'name="more"' in twelve and 'data-max="40"' in twelve
        row = re.search(r'<template id="member-row">(.*?)</template>', twelve, re.S)
        assert row is not None and 'name="members.__N__.first_name"' in row.group(1)
        assert "Member __NUMBER__" in twelve and '<script src="/assets/members.js">' in twelve
        # When 13 members are sent, the household is registered with all 13
        sent = await http.post(
            "/new-household?members=13", data={**await opened(http, 13), **typed}
        )
        assert sent.status_code == 303, re.findall(r'class="field-error"[^<]*>([^<]*)', sent.text)
        household_id = UUID(sent.headers["location"].removeprefix("/households/"))
        # Past the API's limit, the form is refused as the API refuses it
        too_many = await http.get(f"/new-household?members={MEMBERS_MAX + 1}")
        assert too_many.status_code == 422
        assert (await http.get("/assets/members.js")).status_code == 200
    profile = application.get(Household, household_id).profile
    assert profile is not None
    assert [m["first_name"] for m in profile["members"]] == [
        "Zodwa", "Sipho", *(f"Child{i}" for i in range(2, 13))
    ]  # fmt: skip


async def test_rows_added_on_the_page_are_read_whatever_the_forms_address_says(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    """members.js adds rows without changing ``?members=`` (htmx posts to the address the
    form had when the page came): the server reads every row the form sends."""
    user(application, "ayanda", Role.FIELD_WORKER, f"ward:{ward_id}")
    typed = {**answers(ward_id), **member(2)}
    async with browser(web) as http:
        await sign_in(http, "ayanda")
        sent = await http.post("/new-household?members=1", data={**await opened(http, 1), **typed})
        assert sent.status_code == 303, sent.text[:300]
        household_id = UUID(sent.headers["location"].removeprefix("/households/"))
    profile = application.get(Household, household_id).profile
    assert profile is not None
    assert [m["first_name"] for m in profile["members"]] == ["Zodwa", "Sipho", "Child2"]
