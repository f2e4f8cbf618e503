"""A war-room meeting of an earlier day with the households discussed, and a move to a ward
found by a search, in a real browser (Debian's chromium, driven by Playwright) against a real
uvicorn and the test PostgreSQL, with the same checks on every page as ``test_web_browser``
(axe-core, the layout at 360 and 1280 px, screenshots)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.access.principal import Role
from domain.context import CommandContext
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.warrooms.model import WarRoom
from tests.integration.conftest import add_user
from tests.integration.test_views_api import project
from tests.integration.test_web_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Checks,
    household_with_need,
    playwright_sync,
    pytestmark,
    sign_in,
)
from tests.integration.test_web_browser import served as served
from tests.integration.test_web_browser_field import PHONE

__all__ = ["pytestmark"]


def test_convener_records_last_weeks_meeting_and_moves_a_household_found_by_a_search(
    served: str, application: Sukuma, ward_id: str
) -> None:
    household_id = household_with_need(application, ward_id)
    ctx = CommandContext(actor="test-setup", occurred_at=datetime.now(UTC))
    room_id = application.establish_war_room(ward_id, "Lidgetton war room", 7, ctx).id
    add_user(application, "convener", (Role.CONVENER,), (f"ward:{ward_id}",))
    project(application)
    last_week = (datetime.now(UTC) - timedelta(days=7)).date()
    durban = geography().wards_in("district", "ETH")[4].id
    checks = Checks()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        laptop = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()
        phone = browser.new_context(locale="zu-ZA", bypass_csp=True, viewport=PHONE).new_page()

        # The convener records last week's meeting and the household on the meeting form's
        # page of its own (where the room's link leads a browser without script)
        sign_in(laptop, served, "convener")
        laptop.goto(f"{served}/war-rooms/{room_id}")
        alone = laptop.get_attribute("a[hx-get$='/households-offered']", "href")
        assert alone == f"/war-rooms/{room_id}/meeting"
        laptop.goto(f"{served}{alone}")
        laptop.fill("#meeting-held-on", last_week.isoformat())
        laptop.check(f"#disc-{household_id}")
        checks.page(laptop, "convener-war-room-meeting-form")
        laptop.click("form[action$='/meetings'] button.primary")
        laptop.wait_for_selector("p.notice")
        assert "Meeting recorded." in laptop.inner_text("p.notice")
        project(application)
        laptop.goto(f"{served}/war-rooms/{room_id}")
        meeting = laptop.inner_text("article.card")
        assert f"Household {household_id[:8].upper()}" in meeting
        checks.page(laptop, "convener-war-room-earlier-meeting")

        # On a phone (in isiZulu), it finds a ward of eThekwini and moves the household there
        sign_in(phone, served, "convener")
        phone.goto(f"{served}/households/{household_id}")
        phone.fill("#ward-search", "eThekwini")
        phone.click("form[role='search'] button")
        phone.wait_for_url("**ward_search=eThekwini*")
        assert phone.locator("#to-ward option").count() == 100  # the first hundred matches
        phone.select_option("#to-ward", durban)
        checks.page(phone, "convener-move-search-isizulu-phone")
        phone.click("form[action$='/move'] button")
        phone.wait_for_selector("p.notice")
        browser.close()
    assert application.get(Household, UUID(household_id)).ward_id == durban
    (meeting,) = application.get(WarRoom, room_id).meetings
    assert (meeting.held_on, meeting.households_discussed) == (last_week, [household_id])
    assert checks.pages == 3
    assert checks.problems == []
