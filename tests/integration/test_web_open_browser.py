"""The public pages of issue 21 in Debian's chromium: the transparency page (English and
isiZulu), the feedback form answered with the code from a printed slip, its thanks, and the
slip itself; each page checked by axe-core and for its layout at 360 and 1280 px."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from api.main import create_app
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import BASE_URL, BROAD_SCOPES, Clock, SignedIn, add_user
from tests.integration.test_feedback import WARD, delivered_referral
from tests.integration.test_open_data import closed_month, day_in, project, publisher, seed
from tests.integration.test_web_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Checks,
    sign_in,
)
from tests.integration.test_web_browser import served as served_app

served = served_app  # the pages on a real uvicorn, as test_web_browser serves them

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.slow


async def seeded(settings: Settings, application: Sukuma, clock: Clock) -> str:
    """A released month and a delivered referral, through the command API: the referral."""
    app = create_app(settings, application, clock=clock)
    add_user(application, "seeder", tuple(Role), BROAD_SCOPES)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        auth = SignedIn(app, application, "seeder")
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as http:
            await seed(http, day_in(closed_month(clock)))
            return await delivered_referral(http)


def test_a_visitor_reads_the_figures_and_a_household_answers_with_its_slips_code(
    served: str,
    settings: Settings,
    application: Sukuma,
    clock: Clock,
) -> None:
    referral_id = asyncio.run(seeded(settings, application, clock))
    project(application)
    publisher(application).publish_due(clock.now)
    add_user(application, "convener", (Role.CONVENER,), (f"ward:{WARD}",))
    checks = Checks()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        visitor: Any = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()
        zulu: Any = browser.new_context(locale="zu-ZA", bypass_csp=True).new_page()
        convener: Any = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()

        visitor.goto(f"{served}/transparency")
        assert visitor.locator("svg").count() == 2
        checks.page(visitor, "open-transparency")
        zulu.goto(f"{served}/transparency")
        assert "Ukulethwa kosizo obala" in zulu.inner_text("h1")
        checks.page(zulu, "open-transparency-isizulu")

        sign_in(convener, served, "convener")
        convener.goto(f"{served}/referrals/{referral_id}/slip")
        checks.page(convener, "open-slip")
        found = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}", convener.inner_text("main"))
        assert found is not None

        zulu.goto(f"{served}/feedback")
        checks.page(zulu, "open-feedback-isizulu")
        zulu.fill("#code", found.group(0))
        zulu.check("input[name='received'][value='yes']")
        zulu.check("input[name='rating'][value='5']")
        zulu.fill("#comment", "Kuhle kakhulu")
        zulu.click("form[action='/feedback'] button")
        zulu.wait_for_selector("p[role='status']")
        assert "Siyabonga" in zulu.inner_text("h1")
        checks.page(zulu, "open-feedback-thanks-isizulu")
        browser.close()

    assert checks.problems == [], "\n".join(checks.problems)
