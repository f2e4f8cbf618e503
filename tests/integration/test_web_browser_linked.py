"""A user linked to its field-worker record, and a provider's session renewing its tokens, in a
real browser (Debian's chromium, driven by Playwright) against a real uvicorn and the test
PostgreSQL, with the same checks on every page as ``test_web_browser`` (axe-core, the layout
at 360 and 1280 px, screenshots).

An administrator, on a laptop, links a field worker's account to its record from the users'
pages; the field worker, on a 360 px phone, lands on its own caseload with the visit due. A
user of the identity provider stays signed in past its first ID token while it works, and is
signed out when the provider refuses the refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from api.main import create_app
from domain.access.principal import Role
from domain.context import CommandContext
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import Clock, add_user
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
from tests.integration.test_web_browser_caseloads import field_worker
from tests.integration.test_web_browser_field import PHONE, profiled
from web import install

__all__ = ["pytestmark"]


def test_administrator_links_a_field_worker_who_lands_on_its_caseload(
    served: str, application: Sukuma, ward_id: str
) -> None:
    # A ward's high-risk household, 20 days in Zanele's caseload and never visited
    household_id = profiled(application, ward_id, 20, social_ills={"child_abuse_concern": True})
    zanele = field_worker(application, "Zanele Mkhize", ward_id)
    field_worker(application, "Thabo Zulu", ward_id)
    ctx = CommandContext(actor="test-setup", occurred_at=datetime.now(UTC) - timedelta(days=20))
    application.assign_household(UUID(household_id), zanele, ctx)
    add_user(application, "admin", (Role.ADMIN,), ("province:KZN",))
    add_user(application, "zanele", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    project(application)
    checks = Checks()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        laptop = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()
        phone = browser.new_context(locale="zu-ZA", bypass_csp=True, viewport=PHONE).new_page()

        # The administrator lands on the users, opens Zanele's and links her record
        sign_in(laptop, served, "admin")
        laptop.wait_for_url("**/users")
        checks.page(laptop, "admin-users")
        laptop.click("a[href='/users/zanele']")
        laptop.wait_for_url("**/users/zanele")
        assert "Not linked" in laptop.inner_text("main")
        checks.page(laptop, "admin-user-link")
        laptop.select_option("#field_worker_id", zanele)
        laptop.click("form[action='/users/zanele/field-worker'] button")
        laptop.wait_for_selector("p.notice")
        assert "Field-worker record linked." in laptop.inner_text("p.notice")
        assert "Zanele Mkhize" in laptop.inner_text("dl")

        # Zanele, on her phone (in isiZulu), lands on her caseload with its visit due
        sign_in(phone, served, "zanele")
        phone.wait_for_url("**/my-households")
        shown = phone.inner_text("main")
        assert "Amakhaya engiwaphathisiwe" in shown  # "My caseload"
        assert f"{household_id[:8].upper()}" in phone.inner_text("#due ~ *")
        checks.page(phone, "field-worker-my-caseload-isizulu-phone")
        browser.close()
    assert checks.pages == 3
    assert checks.problems == []


def test_a_provider_session_renews_its_tokens_in_a_real_browser(
    settings: Settings, application: Sukuma, ward_id: str, clock: Clock
) -> None:
    with running_provider() as provider:
        provider.user = {
            "sub": "d4", "sukuma_roles": ["convener"], "sukuma_scopes": f"ward:{ward_id}",
        }  # fmt: skip
        provider.lifetime, provider.refresh = 120, True
        provider.clock = lambda: clock().timestamp()
        configured = settings.model_copy(
            update={
                "oidc_issuer": provider.base,
                "oidc_jwks_url": f"{provider.base}/jwks",
                "oidc_client_id": CLIENT_ID,
            }
        )
        checks = Checks()
        app = install(create_app(configured, application, clock=clock))
        with served_in_thread(app) as base, playwright_sync.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()
            page.goto(f"{base}/sign-in")
            page.click("a[href^='/sign-in/provider']")
            page.wait_for_url("**/board")
            # Working past the first ID token's two minutes: each page renews it in time
            for _ in range(3):
                clock.advance(seconds=100)
                page.goto(f"{base}/board")
                assert "oidc:d4" in page.inner_text("header")
            checks.page(page, "provider-session-renewed")
            assert [r["grant_type"] for r in provider.token_requests].count("refresh_token") == 3
            # The provider revokes the refresh token: the next page asks to sign in again
            provider.refresh_tokens.clear()
            clock.advance(seconds=100)
            page.goto(f"{base}/board")
            page.wait_for_url("**/sign-in?next=/board")
            assert page.locator("form[action='/sign-out']").count() == 0
            browser.close()
    assert checks.problems == []
