"""The task team, stocktake and solution pages over HTTP through the ASGI app, against a real
PostgreSQL: an analyst seats members, records a meeting with attendance and action items
against the version the page showed, reads the team's queue, records a stocktake (the gap's
suggestion kept beside the rating agreed) and completes its action, and reports a solution's
progress with evidence; isiZulu pages, and another area's reader finds none of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.context import CommandContext
from domain.delivery.teams import task_team_id
from domain.sukuma import Sukuma
from tests.integration.conftest import Clock
from tests.integration.delivery import profiled_on, profiling_target
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_views_api import project
from tests.integration.test_web_pages import browser, csrf_of, sign_in, user
from tests.integration.test_web_pages import web as web

VERSION = re.compile(r'name="version" value="(\d+)"')
ATTENDEE = re.compile(r'name="attended" value="([0-9a-f-]{36})"><label for="[^"]+">([^<(]+)')


async def form_post(http: httpx.AsyncClient, path: str, form_page: str, **data: object) -> str:
    """Post a page's form with its CSRF token and the version it shows; the redirect."""
    page = (await http.get(form_page)).text
    token = await csrf_of(http, form_page)
    version = VERSION.search(page)
    fields = {"csrf": token, **({"version": version.group(1)} if version else {}), **data}
    answer = await http.post(path, data=fields)
    assert answer.status_code == 303, (
        path,
        answer.status_code,
        re.findall(r"<main.*?</main>", answer.text, re.S),
    )
    return str(answer.headers["location"])


async def escalated(client: httpx.AsyncClient, application: Sukuma, ward_id: str) -> str:
    """A referral escalated to level 2 and an EW-08 alert at level 2 in KZN225: the LTT's."""
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await post_ok(
        client, f"/v1/referrals/{referral_id}/escalate", {"level": 2, "reason": "no answer"}
    )
    scope = {"ward_id": ward_id, "municipality": "KZN225", "district": "DC22", "department": None}
    application.raise_alert(
        rule="EW-08", rule_version="ew08-v1", subject="war-room-quiet", level=2,
        evidence={}, scope=scope, since=None,
        ctx=CommandContext(actor="system:test", occurred_at=datetime.now(UTC)),
    )  # fmt: skip
    return referral_id


async def test_an_analyst_runs_a_task_team_and_its_stocktake_from_the_pages(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    # Given the KZN225 LTT, a referral and an alert escalated to it, and a priority with a
    # target behind its trajectory
    await post_ok(client, "/v1/task-teams", {"kind": "LTT", "code": "KZN225", "name": "Msunduzi"})
    referral_id = await escalated(client, application, ward_id)
    today = clock.now.date()
    _, target_id = await profiling_target(client, ward_id, today)
    await profiled_on(client, ward_id, today)
    project(application)
    team = f"/task-teams/{task_team_id('LTT', 'KZN225')}"
    user(application, "ayanda", Role.ANALYST, "district:DC22")
    user(application, "sipho", Role.ANALYST, "district:ETH")

    async with browser(web) as http:
        assert (await sign_in(http, "ayanda")).status_code == 303
        assert team in (await http.get("/task-teams")).text
        # When the analyst seats two members through the team's form
        for name, seat, department in (("Cllr Ndlovu", "chair", ""), ("DSD", "department", "DSD")):
            went = await form_post(
                http, f"{team}/members", team, name=name, seat=seat, department=department
            )
            assert went.startswith(f"{team}?min_position=")
            project(application)
        page = (await http.get(team)).text
        members = {name.strip(): member for member, name in ATTENDEE.findall(page)}
        assert set(members) == {"Cllr Ndlovu", "DSD"}
        # a form made from an older version of the team is refused
        token = await csrf_of(http, team)
        stale = await http.post(
            f"{team}/action-items", data={"csrf": token, "version": "1", "text": "Late"}
        )
        assert stale.status_code == 412
        # records a meeting that only the chair attended, and agrees an action for DSD
        await form_post(http, f"{team}/meetings", team, attended=[members["Cllr Ndlovu"]])
        project(application)
        due = (today + timedelta(days=7)).isoformat()
        await form_post(
            http, f"{team}/action-items", team, text="Clear the backlog", owner=members["DSD"],
            due_on=due,
        )  # fmt: skip
        project(application)
        page = (await http.get(team)).text
        assert "Attended: Cllr Ndlovu</p>" in page and "Departments absent: DSD" in page
        assert "Clear the backlog" in page
        # Then the team's queue holds what was escalated to it
        assert f'href="/referrals/{referral_id}"' in page
        assert "EW-08" in page
        # When a stocktake is recorded from its form: the target rated 2 at problem level 2
        new = f"{team}/stocktakes/new"
        form = (await http.get(new)).text
        review = re.search(r'name="review" value="([^"]+)"', form)
        stocktake_id = re.search(r'name="stocktake_id" value="([^"]+)"', form)
        assert review is not None and stocktake_id is not None
        assert review.group(1).endswith(f":{target_id}")
        went = await form_post(
            http, f"{team}/stocktakes", new, stocktake_id=stocktake_id.group(1),
            attended=list(members.values()),
            review=review.group(1), rating="2", problem_level="2",
            reason="Profiling is behind in two wards", decision="Ask DSD for two more workers",
            action_text="Profile the Imbali households", action_owner="Convener",
            action_due=due,
        )  # fmt: skip
        stocktake = f"/stocktakes/{stocktake_id.group(1)}"
        assert went.startswith(f"{stocktake}?min_position=")
        project(application)
        shown = (await http.get(stocktake)).text
        # Then it shows what was agreed, and the action can be marked done
        assert "2 amber-red: problematic" in shown and "2 standard problem-solving" in shown
        assert "Ask DSD for two more workers" in shown and "Profile the Imbali households" in shown
        action = re.search(rf'action="({stocktake}/actions/[^"]+/done)"', shown)
        assert action is not None
        await form_post(http, action.group(1), stocktake)
        project(application)
        done = (await http.get(stocktake)).text
        zulu = await http.get(team, headers={"Accept-Language": "zu"})
    async with browser(web) as http:
        await sign_in(http, "sipho")
        elsewhere = [(await http.get(url)).status_code for url in (team, stocktake, new)]

    assert "Action done." in done and 'action="/stocktakes/' not in done
    read = (await client.get(f"/v1/targets/{target_id}")).json()
    assert [(r["rating"], r["problem_level"]) for r in read["ratings"]] == [(2, 2)]
    assert read["ratings"][0]["proposed_rating"] is not None  # the gap's, beside it
    assert "Umsebenzi olindile" in zulu.text
    assert elsewhere == [404, 404, 404]


async def test_a_solutions_progress_is_reported_with_evidence_from_its_page(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    await post_ok(client, "/v1/task-teams", {"kind": "LTT", "code": "KZN225", "name": "Msunduzi"})
    agreed = await post_ok(
        client,
        "/v1/solutions",
        {"body": "taskteam", "body_id": str(task_team_id("LTT", "KZN225")),
         "problem": "Children without birth certificates", "solution": "A mobile unit",
         "plan": [{"text": "Book the unit", "owner": "Convener", "due_on": "2026-12-31"}]},
    )  # fmt: skip
    project(application)
    solution = f"/solutions/{agreed['id']}"
    user(application, "ayanda", Role.ANALYST, "district:DC22")
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")

    async with browser(web) as http:
        await sign_in(http, "ayanda")
        listed = (await http.get("/solutions")).text
        went = await form_post(
            http, f"{solution}/progress", solution, status="in_progress", rag="amber",
            evidence="The unit came once; 31 children registered",
        )  # fmt: skip
        project(application)
        shown = (await http.get(solution)).text
        zulu = (await http.get("/solutions", headers={"Accept-Language": "zu"})).text
    async with browser(web) as http:
        await sign_in(http, "nandi")  # a ward's convener does not see the LTT's solutions
        hidden = await http.get(solution)

    assert f'href="{solution}"' in listed and "Children without birth certificates" in listed
    assert went.startswith(f"{solution}?min_position=")
    assert "The unit came once; 31 children registered" in shown
    assert "In progress, Amber" in shown and "Book the unit" in shown
    read = (await client.get(f"/v1/solutions/{agreed['id']}")).json()
    assert (read["status"], read["rag"]) == ("in_progress", "amber")
    assert "Okuphuzi" in zulu
    assert hidden.status_code == 404
