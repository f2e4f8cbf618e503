"""Caseloads in a real browser (Debian's chromium, driven by Playwright), against a real uvicorn
and the test PostgreSQL, with the same checks on every page as ``test_web_browser`` (axe-core,
the layout at 360 and 1280 px, screenshots).

A convener, on a laptop, finds the ward's household awaiting a field worker, assigns it to
one, then reassigns it from her caseload to the other; the field worker, on a 360 px phone,
reads its caseload: the household counted by risk, its visit due.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from domain.access.principal import Role
from domain.context import CommandContext
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.integration.conftest import add_user
from tests.integration.test_views_api import project
from tests.integration.test_web_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Checks,
    playwright_sync,
    pytestmark,
    sign_in,
)
from tests.integration.test_web_browser import served as served
from tests.integration.test_web_browser_field import PHONE, profiled

__all__ = ["pytestmark"]


def field_worker(application: Sukuma, name: str, ward_id: str) -> str:
    worker_id = uuid4()
    ctx = CommandContext(actor="test-setup", occurred_at=datetime.now(UTC) - timedelta(days=30))
    application.register_field_worker(
        worker_id=worker_id, name=name, cadre="ccg", employer=None, phone=None, ctx=ctx
    )
    application.assign_field_worker(worker_id, ward_id, ctx)
    return str(worker_id)


def test_convener_assigns_and_reassigns_and_the_field_worker_reads_its_caseload(
    served: str, application: Sukuma, ward_id: str
) -> None:
    # A ward's profiled household in no caseload, and two of its field workers
    household_id = profiled(application, ward_id, 20)
    zanele = field_worker(application, "Zanele Mkhize", ward_id)
    thabo = field_worker(application, "Thabo Zulu", ward_id)
    add_user(application, "convener", (Role.CONVENER,), (f"ward:{ward_id}",))
    add_user(application, "fieldworker", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    project(application)
    checks = Checks()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        laptop = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()
        phone = browser.new_context(locale="en-ZA", bypass_csp=True, viewport=PHONE).new_page()

        # The convener opens the caseloads from the menu: the household awaits a field worker
        sign_in(laptop, served, "convener")
        laptop.click("nav a[href='/caseloads']")
        laptop.wait_for_url("**/caseloads")
        awaiting = laptop.inner_text("main")
        assert "Households awaiting a field worker" in awaiting
        assert f"Household {household_id[:8].upper()}" in awaiting
        checks.page(laptop, "convener-caseloads")

        # She assigns it to Zanele
        form = f"form[action='/households/{household_id}/assign']"
        laptop.select_option(f"{form} select", zanele)
        laptop.click(f"{form} button")
        laptop.wait_for_selector("p.notice")
        assert "Household assigned." in laptop.inner_text("p.notice")
        assert f"/field-workers/{zanele}/caseload" in laptop.url
        project(application)
        laptop.goto(f"{served}/field-workers/{zanele}/caseload")
        assert "Caseload of Zanele Mkhize" in laptop.inner_text("h1")
        assert "1 household in this caseload." in laptop.inner_text("main")
        checks.page(laptop, "convener-caseload")

        # And reassigns it to Thabo from her caseload
        laptop.select_option(f"{form} select", thabo)
        laptop.click(f"{form} button")
        laptop.wait_for_selector("p.notice")
        assert f"/field-workers/{thabo}/caseload" in laptop.url
        project(application)

        # Thabo's caseload, read by a field worker of the ward on a phone: no forms, the
        # household counted by risk
        sign_in(phone, served, "fieldworker")
        phone.goto(f"{served}/field-workers/{thabo}/caseload")
        shown = phone.inner_text("main")
        assert "1 household in this caseload." in shown
        assert f"Household {household_id[:8].upper()}" in shown
        assert phone.locator("form[action$='/assign']").count() == 0
        checks.page(phone, "field-worker-caseload")
        browser.close()
    assert application.get(Household, UUID(household_id)).field_worker_id == thabo
    assert checks.pages == 3
    assert checks.problems == []
