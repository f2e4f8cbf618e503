"""The web workspace over HTTP through the ASGI app, against a real PostgreSQL: sign-in with
the API's users and throttle, the session cookie, CSRF, the pages by role, the actions as
forms, both languages, and errors as pages. (The browser scenario is tests/web/.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from domain.access.principal import Role
from domain.context import CommandContext
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import BASE_URL, TEST_PASSWORD, Clock, add_user
from tests.integration.helpers import advance_referral, household, need, referral
from tests.integration.test_views_api import project
from web import install

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def web(settings: Settings, application: Sukuma, clock: Clock) -> AsyncIterator[FastAPI]:
    """The API with the pages installed, as the composition root serves it."""
    app = install(create_app(settings, application, clock=clock))
    async with app.router.lifespan_context(app):
        yield app


def browser(app: FastAPI, base_url: str = BASE_URL, **headers: str) -> httpx.AsyncClient:
    """A client that keeps cookies and does not follow redirects (each is asserted)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=base_url, headers=headers
    )


async def csrf_of(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:500])
    found = CSRF.search(page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD) -> Any:
    token = await csrf_of(http, "/sign-in")
    return await http.post(
        "/sign-in", data={"csrf": token, "username": username, "password": password}
    )


async def post_form(http: httpx.AsyncClient, path: str, form_page: str, **data: str) -> Any:
    token = await csrf_of(http, form_page)
    return await http.post(path, data={"csrf": token, **data})


def user(application: Sukuma, name: str, role: Role, *scopes: str) -> str:
    add_user(application, name, (role,), scopes)
    return name


async def test_convener_signs_in_with_the_api_password_and_lands_on_the_board(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "thandi", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        answer = await sign_in(http, "thandi")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Secure" not in cookie  # plain HTTP here
        landing = await http.get("/")
        assert (landing.status_code, landing.headers["location"]) == (303, "/board")
        board = await http.get("/board")
        assert board.status_code == 200
        assert "<h1>Referral board</h1>" in board.text
        assert board.headers["cache-control"] == "no-store"


async def test_session_cookie_is_secure_over_tls(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "sipho", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web, base_url="https://sukuma.test") as http:
        answer = await sign_in(http, "sipho")
        assert answer.status_code == 303
        assert "Secure" in answer.headers["set-cookie"]


async def test_wrong_password_is_a_page_and_counts_toward_the_apis_throttle(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "lindiwe", Role.CONVENER, f"ward:{ward_id}")
    limit = web.state.settings.login_max_failures_per_user
    async with browser(web) as http:
        for _ in range(limit):
            wrong = await sign_in(http, "lindiwe", "not-the-password")
            assert wrong.status_code == 401
            assert "The user name or password is not right." in wrong.text
        throttled = await sign_in(http, "lindiwe")
        assert throttled.status_code == 429
        assert "Too many failed sign-ins" in throttled.text
        # The same count as the API's token endpoint: it refuses this user too.
        api = await http.post(
            "/v1/auth/token", data={"username": "lindiwe", "password": TEST_PASSWORD}
        )
        assert api.status_code == 429


async def test_a_form_without_the_sessions_csrf_token_is_refused(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "bongani", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        await csrf_of(http, "/sign-in")
        answer = await http.post(
            "/sign-in", data={"csrf": "forged", "username": "bongani", "password": TEST_PASSWORD}
        )
        assert answer.status_code == 403
        assert "This form has expired" in answer.text
        assert (await http.get("/board")).status_code == 303  # still signed out


async def test_sign_out_and_idle_time_end_the_session(
    web: FastAPI, application: Sukuma, ward_id: str, clock: Clock
) -> None:
    user(application, "zanele", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        assert (await sign_in(http, "zanele")).status_code == 303
        out = await post_form(http, "/sign-out", "/board")
        assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
        gone = await http.get("/board")
        assert (gone.status_code, gone.headers["location"]) == (303, "/sign-in?next=/board")

        assert (await sign_in(http, "zanele")).status_code == 303
        clock.advance(minutes=29)
        assert (await http.get("/board")).status_code == 200  # a request renews it
        clock.advance(minutes=31)
        assert (await http.get("/board")).status_code == 303


async def test_an_unchanged_session_is_signed_again_only_once_a_minute(
    web: FastAPI, application: Sukuma, ward_id: str, clock: Clock
) -> None:
    user(application, "ayanda", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        # Given a session signed at sign-in, then with what its first page learnt of the user
        assert "set-cookie" in (await sign_in(http, "ayanda")).headers
        assert (await http.get("/board")).status_code == 200
        # When the reader's next pages come within the minute, the cookie is left as it is
        clock.advance(seconds=59)
        assert "set-cookie" not in (await http.get("/board")).headers
        # Then a page after it renews the session (the 29 minutes after run from it)
        clock.advance(seconds=2)
        assert "set-cookie" in (await http.get("/board")).headers
        clock.advance(minutes=29)
        assert (await http.get("/board")).status_code == 200
        # And a change to the session (a notice, then shown) is signed at once
        out = await post_form(http, "/sign-out", "/board")
        assert "set-cookie" in out.headers


async def test_a_deactivated_user_is_signed_out_of_the_pages(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "musa", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        assert (await sign_in(http, "musa")).status_code == 303
        account = application.user_named("musa")
        ctx = CommandContext(actor="admin", occurred_at=datetime.now(UTC))
        application.deactivate_user("musa", "left the programme", ctx)
        web.state.auth.states.forget(str(account.id))
        assert (await http.get("/board")).status_code == 303


async def test_pages_speak_the_browsers_language_until_the_switch_is_used(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    async with browser(web, **{"Accept-Language": "zu-ZA,zu;q=0.9,en;q=0.5"}) as http:
        page = await http.get("/sign-in")
        assert '<html lang="zu">' in page.text
        assert "<h1>Ngena</h1>" in page.text
        switched = await post_form(http, "/language", "/sign-in", language="en", next="/sign-in")
        assert switched.status_code == 303
        assert "<h1>Sign in</h1>" in (await http.get("/sign-in")).text


async def test_convener_refers_and_officer_answers_through_the_forms(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    # Given a household with an open need, a convener of its ward and an officer of SASSA
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id, "social_grant")
    user(application, "nomsa", Role.CONVENER, f"ward:{ward_id}")
    user(application, "officer", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    async with browser(web) as convener, browser(web) as officer:
        assert (await sign_in(convener, "nomsa")).status_code == 303
        assert (await sign_in(officer, "officer")).status_code == 303
        # When the convener makes the referral from the household's page
        made = await post_form(
            convener,
            f"/households/{household_id}/needs/{need_id}/refer",
            f"/households/{household_id}",
            department="SASSA",
            note="needs a child support grant",
        )
        assert made.status_code == 303
        referral_page = made.headers["location"]
        assert "Referral made." in (await convener.get(referral_page)).text
        project(application)
        # Then the officer finds it in the inbox with the standard's clock, and acknowledges
        inbox = await officer.get("/inbox")
        assert referral_page in inbox.text and "Due in" in inbox.text
        acked = await post_form(officer, f"{referral_page}/acknowledge", referral_page)
        assert acked.status_code == 303
        assert "Acknowledged" in (await officer.get(referral_page)).text
        # And the convener may not acknowledge for the department: a page says so
        refused = await post_form(convener, f"{referral_page}/acknowledge", referral_page)
        assert refused.status_code == 403
        assert "You may not do this" in refused.text


async def test_board_puts_overdue_referrals_first_with_days_past_the_standard(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str, clock: Clock
) -> None:
    late_household = await household(client, ward_id)
    late = await referral(client, late_household, await need(client, late_household))
    clock.advance(days=20)
    fresh_household = await household(client, ward_id)
    fresh = await referral(client, fresh_household, await need(client, fresh_household))
    project(application)
    user(application, "ayanda", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "ayanda")
        board = (await http.get("/board")).text
    assert board.index(late) < board.index(fresh)
    assert re.search(r"\d+ days overdue", board)
    assert "1 open referral is overdue." in board


async def test_officer_inbox_shows_only_its_departments_referrals(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    first = await household(client, ward_id)
    to_sassa = await referral(client, first, await need(client, first), "SASSA")
    second = await household(client, ward_id)
    to_dha = await referral(client, second, await need(client, second, "documents"), "DHA")
    project(application)
    user(application, "dha", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:DHA")
    async with browser(web) as http:
        await sign_in(http, "dha")
        inbox = (await http.get("/inbox")).text
        assert to_dha in inbox and to_sassa not in inbox
        hidden = await http.get(f"/referrals/{to_sassa}")
        assert hidden.status_code == 404
        assert "outside the area you work in" in hidden.text


async def test_errors_are_pages_in_the_readers_language_and_the_api_stays_json(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "thabo", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web, **{"Accept-Language": "zu"}) as http:
        await sign_in(http, "thabo")
        missing = await http.get("/households/00000000-0000-4000-8000-000000000000")
        assert missing.status_code == 404
        assert "Akutholakalanga" in missing.text and "Traceback" not in missing.text
        nowhere = await http.get("/no-such-page")
        assert nowhere.status_code == 404 and "text/html" in nowhere.headers["content-type"]
        invalid = await post_form(http, "/referrals/not-a-uuid/close", "/board", note="x")
        assert invalid.status_code == 422
        assert "Okunye kwalokho okufakile akulungile" in invalid.text
        api = await http.get("/v1/no-such-thing")
        assert api.status_code == 404 and api.headers["content-type"] == "application/json"


async def test_convener_escalates_and_officer_rejects_with_a_reason_through_the_forms(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    user(application, "convener", Role.CONVENER, f"ward:{ward_id}")
    user(application, "sassa", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    page = f"/referrals/{referral_id}"
    async with browser(web) as convener, browser(web) as officer:
        await sign_in(convener, "convener")
        await sign_in(officer, "sassa")
        escalated = await post_form(
            convener, f"{page}/escalate", page, level="1", reason="no answer in a week"
        )
        assert escalated.status_code == 303
        assert "Level 1" in (await convener.get(page)).text
        rejected = await post_form(officer, f"{page}/reject", page, reason="not_eligible")
        assert rejected.status_code == 303
        shown = (await officer.get(page)).text
        assert "Not eligible" in shown and "Rejected" in shown
        # A step the referral no longer allows is a page naming the rule's reason
        again = await post_form(officer, f"{page}/acknowledge", page)
        assert again.status_code == 409
        assert "This step cannot be taken now" in again.text
    project(application)
    async with browser(web) as convener:
        await sign_in(convener, "convener")
        listed = (await convener.get(f"/households/{household_id}")).text
        assert f'href="/referrals/{referral_id}"' in listed and "Rejected" in listed


async def test_convener_disputes_a_delivery_the_household_did_not_receive(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await advance_referral(client, referral_id, "acknowledge", "deliver")
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    page = f"/referrals/{referral_id}"
    async with browser(web, **{"Accept-Language": "zu"}) as http:
        await sign_in(http, "nandi")
        offered = (await http.get(page)).text
        assert f'action="{page}/verify"' in offered and f'action="{page}/dispute"' in offered
        disputed = await post_form(http, f"{page}/dispute", page, reason="akukho okufikile")
        assert disputed.status_code == 303
        shown = (await http.get(page)).text
        assert "Ukulethwa kosizo kuphikisiwe." in shown and "Kuphikisiwe" in shown


async def test_an_unreachable_database_is_a_page_that_says_nothing_was_saved(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "sizwe", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "sizwe")
        await web.state.read_pool.close()  # the read side is gone
        answer = await http.get("/board")
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert "Nothing was saved. Try again in a minute." in answer.text


async def test_convener_records_a_need_then_refers_it(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    user(application, "lwazi", Role.CONVENER, f"ward:{ward_id}")
    page = f"/households/{household_id}"
    async with browser(web) as http:
        await sign_in(http, "lwazi")
        assert "No needs recorded." in (await http.get(page)).text
        recorded = await post_form(
            http, f"{page}/needs", page, category="water", severity="high", note="no tap"
        )
        assert (recorded.status_code, recorded.headers["location"]) == (303, page)
        shown = (await http.get(page)).text
        assert "Need recorded." in shown and "<h3>Water" in shown
        refer = re.search(rf'action="({page}/needs/[0-9a-f-]+/refer)"', shown)
        assert refer is not None
        made = await post_form(http, refer.group(1), page, department="MUNI")
        assert made.status_code == 303 and made.headers["location"].startswith("/referrals/")


async def test_the_pages_assets_and_the_api_docs_assets_are_both_served(web: FastAPI) -> None:
    # Both were once mounted at /static: the docs won and every page lost its style sheet.
    async with browser(web) as http:
        css = await http.get("/assets/site.css")
        htmx = await http.get("/assets/htmx-2.0.11.min.js")
        swagger = await http.get("/docs-assets/swagger-ui/swagger-ui.css")
    assert (css.status_code, css.headers["content-type"].split(";")[0]) == (200, "text/css")
    assert htmx.status_code == 200
    assert swagger.status_code == 200
