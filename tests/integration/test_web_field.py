"""The field worker's pages and the convener's remaining steps, over HTTP through the ASGI app
against a real PostgreSQL: its households and visits due, registering a household with its
profile (refusals named per question, in the reader's language), recording a visit; moving,
graduating and reopening a household, interventions, resolving a need, reassigning,
cancelling and reopening a referral, each with the form's version (412 when stale); the
language remembered per user."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.context import CommandContext
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.conftest import Clock
from tests.integration.helpers import advance_referral, household, need, post_ok, referral
from tests.integration.test_views_api import project
from tests.integration.test_web_pages import browser, csrf_of, post_form, sign_in, user
from tests.integration.test_web_pages import web as web

HOUSEHOLD_LINK = re.compile(r'href="/households/([0-9a-f-]{36})"')


def answers(ward_id: str, **overrides: str) -> dict[str, str]:
    """A register form as a field worker fills it: two members, the head with no ID yet."""
    form = {
        "ward_id": ward_id,
        "dwelling.type": "informal",
        "dwelling.tenure": "owned",
        "dwelling.rooms": "2",
        "dwelling.village": "Mpophomeni",
        "language": "zu",
        "members.0.first_name": "Zodwa",
        "members.0.surname": "Ngcobo",
        "members.0.sex": "female",
        "members.0.date_of_birth": "1979-05-02",
        "members.0.relation": "head",
        "members.0.document_status": "none",
        "members.0.employment": "unemployed_seeking",
        "members.0.grants.srd": "receiving",
        "members.1.first_name": "Sipho",
        "members.1.surname": "Ngcobo",
        "members.1.sex": "male",
        "members.1.date_of_birth": "2012-09-11",
        "members.1.relation": "child",
        "members.1.document_status": "has",
        "members.1.employment": "student",
        "members.1.schooling.attending": "yes",
        "livelihood.main_income_source": "grants",
        "livelihood.income_band": "under_1000",
        "food_security.days_skipped_meal_last_7": "3",
        "basic_services.water_source": "communal_tap",
        "basic_services.water_distance_m": "300",
        "basic_services.sanitation": "pit",
        "basic_services.electricity": "prepaid",
        "consent.given": "yes",
        "consent.given_by": "self",
    }
    return {**form, **overrides}


def version_of(application: Sukuma, kind: type[Household | Referral], case_id: str) -> str:
    """The case's version as its page shows it in each form (``version``)."""
    return str(application.get(kind, UUID(case_id)).version)


async def opened(http: httpx.AsyncClient, members: int) -> dict[str, str]:
    """The hidden fields of a register form as the page gives it: its CSRF token and id."""
    page = await http.get(f"/new-household?members={members}")
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    household_id = re.search(r'name="household_id" value="([^"]+)"', page.text)
    assert token is not None and household_id is not None
    return {"csrf": token.group(1), "household_id": household_id.group(1)}


async def register(http: httpx.AsyncClient, form: dict[str, str], members: int = 2) -> Any:
    data = {**await opened(http, members), **form}
    return await http.post(f"/new-household?members={members}", data=data)


async def test_field_worker_lands_on_its_households_and_records_a_visit_due(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given a high-risk household never visited in the worker's ward, and one in another ward
    household_id = await household(client, ward_id)
    profile = make_profile(social_ills={"child_abuse_concern": True})  # risk floor: high
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": profile})
    elsewhere = await household(client, other_ward_id)
    project(application)
    user(application, "fieldworker", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "fieldworker")
        # When it signs in, it lands on its households, with the visit due counted
        landing = await http.get("/")
        assert (landing.status_code, landing.headers["location"]) == (303, "/my-households")
        mine = (await http.get("/my-households")).text
        assert HOUSEHOLD_LINK.findall(mine) == [household_id]
        assert elsewhere not in mine
        assert "1 household is due a visit" in mine
        due = (await http.get("/visits-due")).text
        assert f'href="/households/{household_id}"' in due and "Never visited" in due
        assert "High risk" in due
        # And it records the visit from the household's page
        page = f"/households/{household_id}"
        assert f'action="{page}/visits"' in (await http.get(page)).text
        visited = await post_form(
            http, f"{page}/visits", page, outcome="met_household", skipped="2", note="all well"
        )
        assert (visited.status_code, visited.headers["location"]) == (303, page)
        shown = (await http.get(page)).text
        assert "Visit recorded." in shown and "Met the household" in shown
        # Then the visit is counted from today (the clock stays active: still high-risk)
        project(application)
        due = (await http.get("/visits-due")).text
        assert "Never visited" not in due and f'href="/households/{household_id}"' in due
    visit = application.get(Household, UUID(household_id)).visits[-1]
    assert (visit.outcome, visit.days_skipped_meal_last_7) == ("met_household", 2)


async def test_field_worker_registers_a_household_with_its_profile(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "nosipho", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "nosipho")
        form = (await http.get("/new-household?members=2")).text
        assert 'name="members.1.first_name"' in form and 'name="members.2.first_name"' not in form
        assert f'<option value="{ward_id}"' in form
        # When the form is sent (twice: a phone that lost its answer retries)
        made = await register(http, answers(ward_id))
        again_id = made.headers["location"].removeprefix("/households/")
        assert made.status_code == 303
        shown = (await http.get(made.headers["location"])).text
    # Then one household, registered and profiled, with the needs its profile derives
    registered = application.get(Household, UUID(again_id))
    assert registered.ward_id == ward_id and registered.version > 2
    assert registered.profile is not None
    members = registered.profile["members"]
    assert [m["relation"] for m in members] == ["head", "child"]
    assert members[0]["grants"] == [{"grant_type": "srd", "status": "receiving"}]
    assert members[1]["schooling"]["attending"] is True
    assert {n.category for n in registered.open_needs} >= {"documents"}
    assert "Household registered." in shown and "Identity documents" in shown
    assert "Zodwa Ngcobo · Head of the household" in shown  # its worker reads the names
    # An analyst without pii:read reads the members by their place, not their names
    user(application, "analyst", Role.ANALYST, "municipality:KZN225")
    async with browser(web) as http:
        await sign_in(http, "analyst")
        withheld = (await http.get(f"/households/{again_id}")).text
    assert "Member 1 · Head of the household" in withheld and "Zodwa" not in withheld


async def test_a_form_sent_twice_registers_one_household(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "mandla", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "mandla")
        data = {**await opened(http, 2), **answers(ward_id)}
        first = await http.post("/new-household?members=2", data=data)
        second = await http.post("/new-household?members=2", data=data)
    assert first.headers["location"] == second.headers["location"]
    events = list(application.repository.event_store.get(UUID(data["household_id"])))
    assert sum(isinstance(e, Household.ProfileSubmitted) for e in events) == 1


async def test_a_retry_after_a_registration_whose_profile_was_lost_records_the_profile(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "vusi", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "vusi")
        data = {**await opened(http, 2), **answers(ward_id)}
        # The first send registered the household, then the connection dropped
        household_id = UUID(data["household_id"])
        application.register_household(
            household_id=household_id, ward_id=ward_id, dwelling_type="informal",
            village="Mpophomeni", gps=None, field_worker_id=None,
            ctx=CommandContext(actor="vusi", occurred_at=datetime.now(UTC)),
        )  # fmt: skip
        again = await http.post("/new-household?members=2", data=data)
    assert again.status_code == 303
    assert application.get(Household, household_id).profile is not None


async def test_refused_answers_are_named_per_question_in_the_readers_language(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "thulani", Role.FIELD_WORKER, f"ward:{ward_id}")
    bad = answers(
        ward_id,
        **{
            "members.0.sex": "",
            "members.1.id_number": "1234567890123",
            "basic_services.water_distance_m": "far",
        },
    )
    async with browser(web, **{"Accept-Language": "zu"}) as http:
        await sign_in(http, "thulani")
        refused = await register(http, bad)
        assert refused.status_code == 422
        text = refused.text
        # Each refused question by its isiZulu label, with its member, linked to its field
        assert (
            'href="#f-members-0-sex"' in text
            and 'href="#f-basic_services-water_distance_m"' in text
        )
        assert "Ubulili (ilungu 1)</a>" in text
        assert "Lo mbuzo udinga impendulo." in text
        assert 'aria-invalid="true" aria-describedby="f-members-0-sex-error"' in text
        # What was typed is kept
        assert 'value="Zodwa"' in text
        # The domain's own check (an ID number), once the form's shape is right
        shape_ok = {**bad, "members.0.sex": "female", "basic_services.water_distance_m": "300"}
        domain = await register(http, shape_ok)
        assert domain.status_code == 422
        assert 'href="#f-members-1-id_number"' in domain.text and "(ilungu 2)" in domain.text
    assert not [n for n in application.recorder.select_notifications(1, 10_000)
                if n.topic.endswith("Household.Registered")]  # fmt: skip


async def test_convener_moves_a_household_with_the_pages_version(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    other_ward_id: str,
) -> None:
    household_id = await household(client, ward_id)
    user(application, "convener", Role.CONVENER, f"ward:{ward_id}")
    page = f"/households/{household_id}"
    async with browser(web) as http:
        await sign_in(http, "convener")
        shown = (await http.get(page)).text
        assert f'action="{page}/move"' in shown and f'<option value="{other_ward_id}"' in shown
        version = re.search(r'name="version" value="(\d+)"', shown)
        assert version is not None
        # A form made before someone else changed the household: the page says so, nothing moves
        await need(client, household_id)
        stale = await post_form(
            http, f"{page}/move", page, to_ward=other_ward_id, version=version.group(1)
        )
        assert stale.status_code == 412
        assert "Someone changed this meanwhile" in stale.text and f'href="{page}"' in stale.text
        assert application.get(Household, UUID(household_id)).ward_id == ward_id
        # With the page as it is now, it moves (and leaves the convener's ward)
        current = str(application.get(Household, UUID(household_id)).version)
        moved = await post_form(
            http, f"{page}/move", page, to_ward=other_ward_id, version=current, reason="family"
        )
        # (out of the convener's ward: the notice shows on its list of households)
        assert (moved.status_code, moved.headers["location"]) == (303, "/households")
        assert "Household moved." in (await http.get("/households")).text
        assert (await http.get(page)).status_code == 404
    assert application.get(Household, UUID(household_id)).ward_id == other_ward_id


async def test_convener_records_a_service_resolves_the_need_graduates_and_reopens(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str, clock: Clock
) -> None:
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    need_id = await need(client, household_id, "food_security", "high")
    user(application, "sibusiso", Role.CONVENER, f"ward:{ward_id}")
    page = f"/households/{household_id}"

    def version() -> str:
        return version_of(application, Household, household_id)

    async with browser(web) as http:
        await sign_in(http, "sibusiso")
        # Graduation refused while a high need is open: the rule's reason on the page
        refused = await post_form(http, f"{page}/graduate", page, version=version())
        assert refused.status_code == 409
        assert "This step cannot be taken now" in refused.text and "high" in refused.text
        # Resolving before any service: refused with its reason too
        early = await post_form(
            http, f"{page}/needs/{need_id}/resolve", page, resolution="met", version=version()
        )
        assert early.status_code == 409 and "no intervention yet" in early.text
        served = await post_form(
            http,
            f"{page}/needs/{need_id}/interventions",
            page,
            kind="food_parcel",
            provider="DSD",
            version=version(),
        )
        assert served.status_code == 303
        assert "Service recorded." in (await http.get(page)).text
        resolved = await post_form(
            http, f"{page}/needs/{need_id}/resolve", page, resolution="met", version=version()
        )
        assert resolved.status_code == 303
        # Six months on, visited: it graduates, then a relapse reopens it
        clock.advance(days=183)
        await post_ok(client, f"/v1/households/{household_id}/visits", {})
        await sign_in(http, "sibusiso")  # the session idled out meanwhile
        shown = (await http.get(page)).text
        assert f'action="{page}/graduate"' in shown and f'action="{page}/reopen"' not in shown
        graduated = await post_form(http, f"{page}/graduate", page, version=version())
        assert graduated.status_code == 303
        shown = (await http.get(page)).text
        assert "Household graduated." in shown and f'action="{page}/reopen"' in shown
        reopened = await post_form(
            http, f"{page}/reopen", page, reason="lost the job", version=version()
        )
        assert reopened.status_code == 303
    assert application.get(Household, UUID(household_id)).status == "active"


async def test_consent_is_recorded_and_withdrawn_at_the_door(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    user(application, "nomvula", Role.FIELD_WORKER, f"ward:{ward_id}")
    page = f"/households/{household_id}"

    def version() -> str:
        return version_of(application, Household, household_id)

    async with browser(web) as http:
        await sign_in(http, "nomvula")
        assert f'action="{page}/consent"' in (await http.get(page)).text
        given = await post_form(
            http, f"{page}/consent", page, given_by="self", basis="consent", version=version()
        )
        assert given.status_code == 303
        shown = (await http.get(page)).text
        assert "Consent recorded." in shown and f'action="{page}/consent/withdraw"' in shown
        assert application.get(Household, UUID(household_id)).consent == "given"
        withdrawn = await post_form(
            http, f"{page}/consent/withdraw", page, note="changed her mind", version=version()
        )
        assert withdrawn.status_code == 303
    assert application.get(Household, UUID(household_id)).consent == "withdrawn"


async def test_a_field_worker_is_offered_only_the_steps_the_policy_allows(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    user(application, "zinhle", Role.FIELD_WORKER, f"ward:{ward_id}")
    page = f"/households/{household_id}"
    async with browser(web) as http:
        await sign_in(http, "zinhle")
        shown = (await http.get(page)).text
        assert f'action="{page}/visits"' in shown and f'action="{page}/needs"' in shown
        for step in ("move", "graduate", f"needs/{need_id}/resolve", f"needs/{need_id}/refer"):
            assert f'action="{page}/{step}"' not in shown, step
        # and the command still refuses a forged form
        forged = await post_form(http, f"{page}/graduate", page)
        assert forged.status_code == 403


async def test_referral_reassign_cancel_and_reopen_as_forms(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    first = await household(client, ward_id)
    to_sassa = await referral(client, first, await need(client, first), "SASSA")
    second = await household(client, ward_id)
    disputed = await referral(client, second, await need(client, second), "SASSA")
    await advance_referral(client, disputed, "acknowledge", "deliver", "dispute")
    user(application, "officer", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    user(application, "lungi", Role.CONVENER, f"ward:{ward_id}")

    def version(referral_id: str) -> str:
        return version_of(application, Referral, referral_id)

    async with browser(web) as officer, browser(web) as convener:
        await sign_in(officer, "officer")
        await sign_in(convener, "lungi")
        page = f"/referrals/{to_sassa}"
        offered = (await officer.get(page)).text
        assert f'action="{page}/reassign"' in offered and f'action="{page}/cancel"' not in offered
        assert '<option value="DSD">' in offered and '<option value="SASSA">' not in offered
        reassigned = await post_form(
            officer,
            f"{page}/reassign",
            page,
            department="DSD",
            reason="food",
            version=version(to_sassa),
        )
        assert reassigned.status_code == 303
        assert application.get(Referral, UUID(to_sassa)).department == "DSD"
        # The convener cancels it (a stale form first: 412)
        assert f'action="{page}/cancel"' in (await convener.get(page)).text
        stale = await post_form(convener, f"{page}/cancel", page, reason="moved", version="1")
        assert stale.status_code == 412
        cancelled = await post_form(
            convener, f"{page}/cancel", page, reason="moved away", version=version(to_sassa)
        )
        assert cancelled.status_code == 303
        assert "Referral cancelled." in (await convener.get(page)).text
        # A disputed delivery is reopened, after which the department may deliver again
        page = f"/referrals/{disputed}"
        assert f'action="{page}/reopen"' in (await convener.get(page)).text
        reopened = await post_form(
            convener, f"{page}/reopen", page, reason="try again", version=version(disputed)
        )
        assert reopened.status_code == 303
        assert f'action="{page}/deliver"' in (await officer.get(page)).text


async def test_the_language_chosen_is_the_users_in_every_browser(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "ayanda", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web, **{"Accept-Language": "en"}) as phone:
        await sign_in(phone, "ayanda")
        assert "<h1>Referral board</h1>" in (await phone.get("/board")).text
        chosen = await post_form(phone, "/language", "/board", language="zu", next="/board")
        assert chosen.status_code == 303
        assert "sukuma_lang" not in chosen.headers.get("set-cookie", "")  # not the browser's
        assert '<html lang="zu">' in (await phone.get("/board")).text
    account = application.user_named("ayanda")
    assert account.language == "zu"
    # Another browser, asking for English: signed out it reads English, signed in isiZulu
    async with browser(web, **{"Accept-Language": "en"}) as laptop:
        assert '<html lang="en">' in (await laptop.get("/sign-in")).text
        await sign_in(laptop, "ayanda")
        assert '<html lang="zu">' in (await laptop.get("/board")).text
    history = list(application.repository.event_store.get(account.id))
    assert [type(e).__name__ for e in history].count("LanguageChosen") == 1


async def test_csrf_token_is_still_required_on_the_new_forms(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    user(application, "bheki", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "bheki")
        await csrf_of(http, f"/households/{household_id}")
        forged = await http.post(f"/households/{household_id}/graduate", data={"csrf": "x"})
        assert forged.status_code == 403 and "This form has expired" in forged.text
