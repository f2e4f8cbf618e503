"""Registering a household from a phone's browser with the whole profile (issue 16's register
form) in a real browser (Debian's chromium, driven by Playwright), against a real uvicorn and
the test PostgreSQL, with the same checks on every page as ``test_web_browser``.

A field worker on a 360 px phone that lets the page read its location starts with one member,
adds a second without losing what it typed, answers their grants, citizenship, parents and
schooling, fills the home's place from the phone's GPS, and registers the household.
"""

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

__all__ = ["pytestmark"]

#: Where the phone says it is (Mpophomeni, near Howick).
HERE = {"latitude": -29.567891, "longitude": 30.189012}


def test_field_worker_registers_two_members_with_grants_and_the_phones_location(
    served: str, application: Sukuma, ward_id: str
) -> None:
    add_user(application, "fieldworker", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    typed = answers(ward_id)
    first = {k: v for k, v in typed.items() if not k.startswith("members.1.")}
    second = {k: v for k, v in typed.items() if k.startswith("members.1.")}
    checks = Checks()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="en-ZA",
            bypass_csp=True,
            viewport=PHONE,
            geolocation=HERE,
            permissions=["geolocation"],
        )
        phone = context.new_page()
        sign_in(phone, served, "fieldworker")
        phone.click("main a[href='/new-household']")  # a page htmx swaps in
        phone.wait_for_url("**/new-household")

        # It fills in the home and the head, with the head's grants and citizenship
        fill(phone, first)
        fill(
            phone, {"members.0.citizenship": "citizen", "members.0.grants.older_persons": "applied"}
        )
        checks.page(phone, "register-one-member")
        # Then adds a second member: the page comes back with room for two, nothing lost
        phone.click("form.profile button[name='more']")
        phone.wait_for_selector("[name='members.1.first_name']")
        assert phone.input_value("[name='members.0.first_name']") == "Zodwa"
        assert phone.input_value("[name='members.0.grants.older_persons']") == "applied"
        fill(phone, second)
        fill(
            phone,
            {
                "members.1.orphan_status": "maternal",
                "members.1.grants.child_support": "receiving",
                "members.1.schooling.grade": "Grade 8",
                "members.1.schooling.school_name": "Howick High",
            },
        )
        # And takes the home's place from the phone
        phone.click("#gps-locate")
        phone.wait_for_function("document.getElementById('f-dwelling-gps-lat').value !== ''")
        assert phone.inner_text("#gps-status") == "Location filled in."
        checks.page(phone, "register-two-members")
        phone.click("form.profile button.primary")
        phone.wait_for_selector("p.notice")
        assert "Household registered." in phone.inner_text("p.notice")
        registered = UUID(phone.url.rsplit("/", 1)[1])
        checks.page(phone, "registered-household")
        browser.close()

    household = application.get(Household, registered)
    assert household.gps == {"lat": HERE["latitude"], "lon": HERE["longitude"]}
    assert household.profile is not None
    head, child = household.profile["members"]
    assert (head["first_name"], child["first_name"]) == ("Zodwa", "Sipho")
    assert head["grants"] == [
        {"grant_type": "older_persons", "status": "applied"},
        {"grant_type": "srd", "status": "receiving"},
    ]
    assert child["grants"] == [{"grant_type": "child_support", "status": "receiving"}]
    assert child["orphan_status"] == "maternal"
    assert (child["schooling"]["grade"], child["schooling"]["school_name"]) == (
        "Grade 8",
        "Howick High",
    )
    assert checks.problems == []
