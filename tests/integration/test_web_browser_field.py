"""The field worker, the convener's household steps and the provider's sign-in in a real
browser (Debian's chromium, driven by Playwright), against a real uvicorn and the test
PostgreSQL, with the same checks on every page as ``test_web_browser`` (axe-core, the layout at
360 and 1280 px, screenshots).

A field worker, on a 360 px phone, finds its households and the visits due, registers a
household with its profile (a refused answer first, named on the page), and records a
visit; a convener, on a laptop, graduates one household and moves another to another ward;
a field worker of the province's identity provider signs in through it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from api.main import create_app
from domain.access.principal import Role
from domain.context import CommandContext
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.factories import make_profile
from tests.integration.conftest import add_user
from tests.integration.helpers import served_in_thread
from tests.integration.oidc_provider import CLIENT_ID, running_provider
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
from tests.integration.test_web_field import answers
from web import install

__all__ = ["pytestmark"]

PHONE = {"width": 360, "height": 780}


def profiled(application: Sukuma, ward_id: str, profiled_days_ago: int, **sections: Any) -> str:
    """A household registered and profiled ``profiled_days_ago`` (field work is backdated)."""
    household_id = uuid4()
    then = datetime.now(UTC) - timedelta(days=profiled_days_ago)
    ctx = CommandContext(actor="test-setup", occurred_at=then)
    application.register_household(
        household_id=household_id, ward_id=ward_id, dwelling_type="informal",
        village=None, gps=None, field_worker_id=None, ctx=ctx,
    )  # fmt: skip
    application.submit_profile(household_id, dict(make_profile(**sections)), None, ctx)
    return str(household_id)


def fill(page: Any, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        target = page.locator(f"form.profile [name='{name}']")
        kind = target.evaluate("e => e.tagName + ':' + (e.type || '')")
        if kind.startswith("SELECT"):
            target.select_option(value)
        elif kind == "INPUT:checkbox":
            target.check()
        else:
            target.fill(value)


def test_field_worker_registers_and_visits_and_convener_graduates_and_moves(
    served: str,
    application: Sukuma,
    ward_id: str,
) -> None:
    # A high-risk household never visited, one ready to graduate, one to move
    at_risk = profiled(application, ward_id, 3, social_ills={"child_abuse_concern": True})
    ready = profiled(application, ward_id, 200)
    ctx = CommandContext(actor="test-setup", occurred_at=datetime.now(UTC))
    application.record_visit(
        household_id=UUID(ready), visit_id=uuid4(), field_worker_id=None,
        outcome="met_household", days_skipped_meal_last_7=0, note=None, ctx=ctx,
    )  # fmt: skip
    moving = profiled(application, ward_id, 10)
    elsewhere = geography().wards_in("municipality", "KZN225")[2].id
    add_user(application, "fieldworker", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    add_user(application, "convener", (Role.CONVENER,), (f"ward:{ward_id}",))
    project(application)
    checks = Checks()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone_ctx = browser.new_context(locale="en-ZA", bypass_csp=True, viewport=PHONE)
        laptop_ctx = browser.new_context(locale="en-ZA", bypass_csp=True)
        phone, laptop = phone_ctx.new_page(), laptop_ctx.new_page()

        # The field worker lands on its households, and sees the visit due
        sign_in(phone, served, "fieldworker")
        assert phone.url.endswith("/my-households")
        assert "1 household is due a visit" in phone.inner_text("main")
        checks.page(phone, "field-worker-households")
        phone.click("main a[href='/visits-due']")
        phone.wait_for_url("**/visits-due")
        assert "Never visited" in phone.inner_text("main")
        checks.page(phone, "field-worker-visits-due")

        # It registers a household of two from the phone, forgetting the head's sex first
        phone.goto(f"{served}/my-households")
        phone.click("main a[href='/new-household']")
        phone.wait_for_url("**/new-household")
        phone.fill("#members-count", "2")
        phone.click("form[action='/new-household'] button")
        phone.wait_for_url("**/new-household?members=2")
        fill(phone, {k: v for k, v in answers(ward_id).items() if k != "members.0.sex"})
        checks.page(phone, "field-worker-register")
        phone.click("form.profile button.primary")
        phone.wait_for_selector("div.error[role='alert']")
        assert "Sex (member 1)" in phone.inner_text("div.error")
        checks.page(phone, "field-worker-register-refused")
        phone.select_option("[name='members.0.sex']", "female")
        phone.click("form.profile button.primary")
        phone.wait_for_selector("p.notice")
        assert "Household registered." in phone.inner_text("p.notice")
        registered = phone.url.rsplit("/", 1)[1]
        assert "Identity documents" in phone.inner_text("main")
        checks.page(phone, "field-worker-household")

        # And records a visit to the household due one
        phone.goto(f"{served}/households/{at_risk}")
        phone.select_option("#visit-outcome", "met_household")
        phone.fill("#visit-skipped", "1")
        phone.click("form[action$='/visits'] button")
        phone.wait_for_selector("p.notice")
        assert "Visit recorded." in phone.inner_text("p.notice")
        checks.page(phone, "field-worker-visited")

        # The convener graduates the household ready for it, and moves another
        sign_in(laptop, served, "convener")
        laptop.goto(f"{served}/households/{ready}")
        laptop.wait_for_selector("form[action$='/graduate']")
        checks.page(laptop, "convener-household-steps")
        laptop.click("form[action$='/graduate'] button")
        laptop.wait_for_selector("p.notice")
        assert "Household graduated." in laptop.inner_text("p.notice")
        assert laptop.locator("form[action$='/reopen']").count() == 1
        laptop.goto(f"{served}/households/{moving}")
        laptop.select_option("#to-ward", elsewhere)
        laptop.fill("#move-reason", "The family moved to Imbali")
        laptop.click("form[action$='/move'] button")
        laptop.wait_for_selector("p.notice")  # moved out of the convener's ward: its start
        assert "Household moved." in laptop.inner_text("p.notice")
        browser.close()
    assert application.get(Household, UUID(moving)).ward_id == elsewhere
    assert application.get(Household, UUID(registered)).profile is not None
    assert checks.pages == 7
    assert checks.problems == []


def test_sign_in_through_the_provider_in_a_real_browser(
    settings: Settings, application: Sukuma, ward_id: str
) -> None:
    """Chromium follows the flow (the provider's site, then ours): the session's
    SameSite=Strict cookie is in place for the first page after the provider's answer."""
    with running_provider() as provider:
        provider.user = {
            "sub": "c3", "sukuma_roles": ["field_worker"], "sukuma_scopes": f"ward:{ward_id}",
        }  # fmt: skip
        configured = settings.model_copy(
            update={
                "oidc_issuer": provider.base,
                "oidc_jwks_url": f"{provider.base}/jwks",
                "oidc_client_id": CLIENT_ID,
            }
        )
        checks = Checks()
        with (
            served_in_thread(install(create_app(configured, application))) as base,
            playwright_sync.sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()
            page.goto(f"{base}/sign-in")
            checks.page(page, "sign-in-with-provider")
            page.click("a[href^='/sign-in/provider']")
            page.wait_for_url("**/my-households")
            assert "oidc:c3" in page.inner_text("header")
            browser.close()
    assert checks.problems == []
