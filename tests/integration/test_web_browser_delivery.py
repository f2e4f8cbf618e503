"""The task team, stocktake and solution pages in a real browser (Debian's chromium, driven by
Playwright), against a real uvicorn and the test PostgreSQL, with the same checks on every
page as ``test_web_browser`` (axe-core 0 serious or critical, the layout at 360 and 1280 px,
screenshots under test-artifacts/web/).

An analyst of the district goes from the Results and Delivery page to its municipality's task
team, records a meeting, records a stocktake over the team's target and opens it, then
reports a solution's progress; the team's page is read in isiZulu too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from domain.access.principal import Role
from domain.context import CommandContext
from domain.delivery.teams import task_team_id
from domain.sukuma import Sukuma
from tests.integration.conftest import add_user
from tests.integration.test_views_api import project
from tests.integration.test_web_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Checks,
    playwright_sync,
    pytestmark,
    room_form,
    sign_in,
)
from tests.integration.test_web_browser import served as served

__all__ = ["pytestmark"]


def routine(application: Sukuma) -> tuple[str, str, list[str]]:
    """The KZN225 LTT with two members, a priority with an M1 target, and a solution; the
    team's id, the solution's and the members'."""
    now = datetime.now(UTC)
    ctx = CommandContext(actor="test-setup", occurred_at=now)
    application.establish_task_team("LTT", "KZN225", "Msunduzi Local Task Team", ctx)
    team_id = task_team_id("LTT", "KZN225")
    members = [uuid4(), uuid4()]
    application.add_task_team_member(team_id, (members[0], "Cllr Ndlovu", "chair", None), ctx)
    application.add_task_team_member(
        team_id, (members[1], "DSD local manager", "department", "DSD"), ctx
    )
    priority_id = uuid4()
    application.define_priority(
        priority_id=priority_id, title="Every household profiled", description=None,
        team="LTT", team_code="KZN225", ctx=ctx,
    )  # fmt: skip
    start = date(now.year, now.month, 1) - timedelta(days=1)
    application.set_target(
        target_id=uuid4(), priority_id=priority_id, indicator="M1",
        area=("municipality", "KZN225"), baseline=(0, start),
        target=(100, start + timedelta(days=180)), points=None, ctx=ctx,
    )  # fmt: skip
    solution_id = uuid4()
    application.agree_solution(
        solution_id=solution_id, body=("taskteam", team_id),
        problem="Children without birth certificates", solution="A Home Affairs mobile unit",
        plan=[{"text": "Book the mobile unit", "owner": "Convener",
               "due_on": (now.date() + timedelta(days=14)).isoformat()}],
        target_id=None, ctx=ctx,
    )  # fmt: skip
    return str(team_id), str(solution_id), [str(m) for m in members]


def test_analyst_runs_a_task_teams_routine_in_the_browser(served: str, application: Sukuma) -> None:
    team_id, solution_id, members = routine(application)
    add_user(application, "analyst", (Role.ANALYST,), ("district:DC22",))
    project(application)
    checks = Checks()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        laptop = browser.new_context(locale="en-ZA", bypass_csp=True).new_page()
        zulu = browser.new_context(locale="zu-ZA", bypass_csp=True).new_page()

        # From Results and delivery to the task teams, then the team's page
        sign_in(laptop, served, "analyst")
        laptop.click("nav a[href='/results']")
        laptop.click("main a[href='/task-teams']")
        laptop.wait_for_selector(f"a[href='/task-teams/{team_id}']")
        checks.page(laptop, "delivery-task-teams")
        laptop.click(f"a[href='/task-teams/{team_id}']")
        laptop.wait_for_selector("form[action$='/meetings']")
        checks.page(laptop, "delivery-task-team")

        # A meeting the chair attended
        room_form(laptop, application, "/meetings", attended=[members[0]], notes="Monthly")
        assert "Meeting recorded." in laptop.inner_text("main")
        assert "Departments absent: DSD" in laptop.inner_text("main")

        # A stocktake over the team's target, from its form
        laptop.click(f"a[href='/task-teams/{team_id}/stocktakes/new']")
        laptop.wait_for_selector("form[action$='/stocktakes']")
        checks.page(laptop, "delivery-stocktake-new")
        room_form(
            laptop, application, "/stocktakes", rating="2", problem_level="3",
            reason="Two wards have no field worker", decision="Ask DSD for two field workers",
            action_text="Appoint two field workers", action_owner="DSD local manager",
            action_due=(date.today() + timedelta(days=30)).isoformat(),
        )  # fmt: skip
        shown = laptop.inner_text("main")
        assert "Stocktake recorded." in shown and "3 intensive problem-solving" in shown
        assert "Appoint two field workers" in shown
        checks.page(laptop, "delivery-stocktake")

        # The solutions, and one's progress with its evidence
        laptop.goto(f"{served}/solutions")
        laptop.wait_for_selector(f"a[href='/solutions/{solution_id}']")
        checks.page(laptop, "delivery-solutions")
        laptop.click(f"a[href='/solutions/{solution_id}']")
        laptop.wait_for_selector("form[action$='/progress']")
        room_form(
            laptop, application, "/progress", status="in_progress", rag="amber",
            evidence="The unit came once; 31 children registered",
        )  # fmt: skip
        assert "The unit came once; 31 children registered" in laptop.inner_text("main")
        checks.page(laptop, "delivery-solution")

        # The team's page in isiZulu
        sign_in(zulu, served, "analyst")
        zulu.goto(f"{served}/task-teams/{team_id}")
        zulu.wait_for_selector("form[action$='/meetings']")
        assert "Umsebenzi olindile" in zulu.inner_text("main")
        checks.page(zulu, "delivery-task-team-zu")
        browser.close()

    assert checks.problems == []
