"""Solutions in the workspace (as the OSTP solution-implementation tracker keeps them): the
solutions a reader sees with their RAG status, and one solution's problem, action plan and
the evidence reported on it, with a form to report its progress (status, RAG, evidence).

Read from the delivery view as ``GET /v1/solutions`` and ``GET /v1/solutions/{id}`` read
them; the form runs ``report_solution_progress`` as ``POST /v1/solutions/{id}/progress``
does, against the version the page showed."""

from __future__ import annotations

from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.routers.taskteams import Fresh
from domain.access.policy import Decision, Location, decide, row_scope
from domain.delivery.solution import CLOSED, RAG, STATUSES
from domain.delivery.teams import team_location
from domain.errors import NotFoundError
from projections.delivery import queries
from web.actions import Act
from web.labels import N_
from web.render import page
from web.session import Csrf, Viewer
from web.task_teams import dated, then

router = APIRouter(include_in_schema=False)
forms = APIRouter(include_in_schema=False, dependencies=[Csrf])

#: A solution's statuses and RAG in the reader's language.
STATUS_LABELS: Final = {
    "agreed": N_("Agreed"),
    "in_progress": N_("In progress"),
    "implemented": N_("Implemented"),
    "stalled": N_("Stalled"),
    "abandoned": N_("Abandoned"),
}
RAG_LABELS: Final = {"red": N_("Red"), "amber": N_("Amber"), "green": N_("Green")}
assert set(STATUS_LABELS) == set(STATUSES) and set(RAG_LABELS) == set(RAG)


@router.get("/solutions")
async def solutions(request: Request, me: Viewer, pool: ReadPool, fresh: Fresh) -> Response:
    """Every solution the reader sees (its areas' and those below them), latest first."""
    rows = await queries.solutions(pool, row_scope(me, "solution"), None, None, None)
    return page(
        request,
        "solutions.html",
        solutions=rows,
        statuses=STATUS_LABELS,
        rags=RAG_LABELS,
        fresh=fresh,
    )


@router.get("/solutions/{solution_id}")
async def solution(
    request: Request, solution_id: UUID, me: Viewer, pool: ReadPool, clock: Clock, fresh: Fresh
) -> Response:
    row = await queries.solution(pool, solution_id, row_scope(me, "solution"))
    if row is None:
        raise NotFoundError("solution", solution_id)
    at = (
        team_location(row["team"], row["team_code"])
        if row["team"]
        else Location.ward(row["ward_id"])
    )
    return page(
        request,
        "solution.html",
        solution=row,
        plan=dated(row["plan"], "due_on"),
        progress=dated(row["progress"], "reported_on"),
        statuses=STATUS_LABELS,
        rags=RAG_LABELS,
        may_report=row["status"] not in CLOSED
        and decide(me, "solution.report", at) is Decision.ALLOW,
        today=clock().date(),
        fresh=fresh,
    )


@forms.post("/solutions/{solution_id}/progress")
def report_progress(
    solution_id: UUID,
    act: Act,
    app: SukumaApp,
    status: Annotated[str, Form(pattern=f"^({'|'.join(STATUSES)})$")],
    rag: Annotated[str, Form(pattern=f"^({'|'.join(RAG)})$")],
    evidence: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """Report progress with its evidence (a solution implemented or abandoned takes no more)."""
    return then(
        act,
        lambda ctx: app.report_solution_progress(solution_id, (status, rag, evidence.strip()), ctx),
        f"/solutions/{solution_id}",
        N_("Progress reported."),
    )
