"""A household of more than 12 in a real browser (Debian's chromium, driven by Playwright)
against a real uvicorn and the test PostgreSQL, with the same checks on every page as
``test_web_browser`` (axe-core, the layout at 360 and 1280 px, screenshots): a field worker
on a 360 px phone adds members with "Add a member" (``web/static/members.js``: no round trip,
nothing typed lost) up to 13 and registers them all."""

from __future__ import annotations

from uuid import UUID

from domain.access.principal import Role
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.integration.conftest import add_user
from tests.integration.test_web_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Checks,
    playwright_sync,
    pytestmark,
    sign_in,
)
from tests.integration.test_web_browser import served as served
from tests.integration.test_web_browser_field import PHONE, fill
from tests.integration.test_web_field import answers
from tests.integration.test_web_register_members import member

__all__ = ["pytestmark"]


def test_field_worker_adds_members_past_twelve_without_a_round_trip(
    served: str, application: Sukuma, ward_id: str
) -> None:
    add_user(application, "fieldworker", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    head = {k: v for k, v in answers(ward_id).items() if not k.startswith("members.1.")}
    checks = Checks()
    posts: list[str] = []
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone = browser.new_context(locale="en-ZA", bypass_csp=True, viewport=PHONE).new_page()
        sign_in(phone, served, "fieldworker")
        phone.goto(f"{served}/new-household")
        fill(phone, head)
        phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        # Twelve more members, each added on the phone: no request, the head's answers kept
        for i in range(1, 13):
            phone.click("form.profile button[name='more']")
            assert phone.evaluate("document.activeElement.name") == f"members.{i}.first_name"
            fill(phone, member(i))
        assert posts == []
        assert phone.input_value("[name='members.0.first_name']") == "Zodwa"
        assert phone.inner_text("#f-members > fieldset:last-child legend") == "Member 13"
        assert phone.input_value("#members-count") == "13"
        checks.page(phone, "register-thirteen-members")
        phone.click("form.profile button.primary")
        phone.wait_for_selector("p.notice")
        assert "Household registered." in phone.inner_text("p.notice")
        registered = UUID(phone.url.rsplit("/", 1)[1])
        browser.close()
    profile = application.get(Household, registered).profile
    assert profile is not None
    assert [m["first_name"] for m in profile["members"]] == [
        "Zodwa", *(f"Child{i}" for i in range(1, 13))
    ]  # fmt: skip
    assert checks.problems == []
