"""Solutions tracking: solutions a war room or task team agreed for a problem, their action
plan, and progress reported with evidence and a RAG status; visible to every scope above."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, ReadPool
from api.freshness import freshness_of
from api.schemas.common import CREATED, WRITTEN
from api.schemas.delivery import AgreeSolution, ReportProgress, SolutionList, SolutionRead
from api.schemas.views import FreshnessRead
from domain.access.policy import RowScope, row_scope
from domain.errors import NotFoundError
from projections.delivery import queries
from projections.delivery.view import TRACKING

router = APIRouter(prefix="/solutions", tags=["results and delivery"])

Fresh = Annotated[FreshnessRead, Depends(freshness_of(TRACKING))]


async def solution_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "solution")


SolutionRows = Annotated[RowScope, Depends(solution_rows)]


@router.post("", status_code=201, responses=CREATED)
def agree_solution(body: AgreeSolution, cmd: Command) -> JSONResponse:
    """A solution agreed by a war room (its convener) or a task team for a problem."""
    app = cmd.application
    solution_id = body.solution_id or uuid4()
    plan = [s.model_dump(mode="json") for s in body.plan]
    return cmd.run(
        solution_id,
        body.occurred_at,
        lambda c: app.agree_solution(
            solution_id=solution_id,
            body=(body.body, body.body_id),
            problem=body.problem,
            solution=body.solution,
            plan=plan,
            target_id=body.target_id,
            ctx=c,
        ),
        status_code=201,
        location=f"/v1/solutions/{solution_id}",
    )


@router.get("")
async def list_solutions(
    pool: ReadPool,
    fresh: Fresh,
    scope: SolutionRows,
    status: Annotated[
        Literal["agreed", "in_progress", "implemented", "stalled", "abandoned"] | None, Query()
    ] = None,
    rag: Annotated[Literal["red", "amber", "green"] | None, Query()] = None,
    body_id: Annotated[UUID | None, Query(description="One war room's or team's")] = None,
) -> SolutionList:
    """The solutions in the caller's areas (a province user sees every war room's)."""
    rows = await queries.solutions(pool, scope, status, rag, body_id)
    return SolutionList.model_validate({"data": rows, "freshness": fresh})


@router.get("/{solution_id}")
async def get_solution(
    solution_id: UUID, pool: ReadPool, scope: SolutionRows, response: Response
) -> SolutionRead:
    row = await queries.solution(pool, solution_id, scope)
    if row is None:
        raise NotFoundError("solution", solution_id)
    response.headers["ETag"] = f'"{row["version"]}"'
    return SolutionRead.model_validate(row)


@router.post("/{solution_id}/progress", responses=WRITTEN)
def report_progress(solution_id: UUID, body: ReportProgress, cmd: Command) -> JSONResponse:
    """Progress: its status, a RAG, and the evidence for both."""
    app = cmd.application
    return cmd.run(
        solution_id,
        body.occurred_at,
        lambda c: app.report_solution_progress(
            solution_id, (body.status, body.rag, body.evidence), c
        ),
    )
