"""The public pages of issue 21 over HTTP against a real PostgreSQL: the feedback form (both
languages, no sign-in), the printable referral slip with the code, the transparency page."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.conftest import Clock
from tests.integration.test_feedback import WARD, delivered_referral
from tests.integration.test_open_data import closed_month, day_in, project, publisher, seed
from tests.integration.test_web_pages import browser, csrf_of, sign_in, user
from tests.integration.test_web_pages import web as web_app

web = web_app  # the pages' fixture, as test_web_pages builds it

CODE_SHOWN = r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}"


async def test_a_household_answers_on_the_form_with_the_code_printed_on_its_slip(
    web: FastAPI,
    client: httpx.AsyncClient,
    application: Sukuma,
) -> None:
    referral_id = await delivered_referral(client)
    user(application, "zanele", Role.CONVENER, f"ward:{WARD}")
    async with browser(web) as convener:
        assert (await sign_in(convener, "zanele")).status_code == 303
        slip = await convener.get(f"/referrals/{referral_id}/slip")
    assert slip.status_code == 200
    code = re.search(CODE_SHOWN, slip.text)
    assert code is not None, slip.text[:2000]

    async with browser(web, **{"Accept-Language": "zu"}) as household:
        form = await household.get("/feedback")
        assert form.status_code == 200 and "Sitshele ngosizo olutholile" in form.text
        token = await csrf_of(household, "/feedback")
        wrong = await household.post(
            "/feedback", data={"csrf": token, "code": "0000-0000-00000", "received": "yes"}
        )
        right = await household.post(
            "/feedback",
            data={"csrf": token, "code": code.group(0), "received": "yes", "rating": "5",
                  "comment": "Kuhle"},
        )  # fmt: skip
    assert wrong.status_code == 404 and "Leyo khodi ayisebenzi" in wrong.text
    assert right.status_code == 200 and "Siyabonga" in right.text
    history = (await client.get(f"/v1/referrals/{referral_id}/history")).json()["events"]
    assert [e["payload"]["rating"] for e in history if e["type"] == "Referral.FeedbackGiven"] == [5]


async def test_a_field_worker_elsewhere_gets_no_slip(
    web: FastAPI,
    client: httpx.AsyncClient,
    application: Sukuma,
) -> None:
    referral_id = await delivered_referral(client)
    user(application, "sipho", Role.FIELD_WORKER, "ward:ETH-W001")
    async with browser(web) as other:
        await sign_in(other, "sipho")
        assert (await other.get(f"/referrals/{referral_id}/slip")).status_code == 404


async def test_the_transparency_page_shows_the_released_figures_without_sign_in(
    web: FastAPI,
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
) -> None:
    async with browser(web) as public:
        empty = await public.get("/transparency")
    assert empty.status_code == 200 and "No month has been published yet." in empty.text

    month = closed_month(clock)
    await seed(client, day_in(month))
    project(application)
    publisher(application).publish_due(clock.now)

    async with browser(web) as public, browser(web, **{"Accept-Language": "zu"}) as zulu:
        page = await public.get("/transparency")
        isizulu = await zulu.get("/transparency")
    assert page.status_code == 200
    assert f"{month:%Y-%m}" in page.text and "<svg" in page.text
    assert "<td>8</td>" in page.text  # the province's 8 households profiled in the month
    assert "Ukulethwa kosizo obala" in isizulu.text
