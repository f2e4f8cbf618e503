"""Stocktakes: a task team's meeting over its priorities, the ratings and problem levels it
agreed, its decisions and actions; read with each reviewed target's months as they stood."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from api.deps import Clock, Command, CurrentUser, ReadPool
from api.freshness import freshness_of
from api.routers.delivery import TargetRows, Thresholds
from api.schemas.common import CREATED, WRITTEN
from api.schemas.delivery import HoldStocktake, StocktakeList, StocktakeRead
from api.schemas.views import FreshnessRead
from api.schemas.warrooms import CompleteActionItem
from domain.access.policy import RowScope, row_scope
from domain.errors import NotFoundError
from projections.delivery import queries
from projections.delivery.view import TRACKING

router = APIRouter(tags=["results and delivery"])

Fresh = Annotated[FreshnessRead, Depends(freshness_of(TRACKING))]


async def stocktake_rows(principal: CurrentUser) -> RowScope:
    return row_scope(principal, "stocktake")


StocktakeRows = Annotated[RowScope, Depends(stocktake_rows)]


async def suggested_ratings(
    body: HoldStocktake, pool: ReadPool, scope: TargetRows, thresholds: Thresholds, clock: Clock
) -> dict[str, int | None]:
    """The rating each reviewed target's gap suggests this month (by target id)."""
    targets = [r.target_id for r in body.reviews if r.target_id is not None]
    return await queries.suggested_ratings(pool, scope, targets, clock().date(), thresholds)


def _review(review: Any) -> dict[str, Any]:
    """A review as the event keeps it: plain JSON, each action with its id."""
    data: dict[str, Any] = review.model_dump(mode="json")
    data["actions"] = [{**a, "action_id": a["action_id"] or str(uuid4())} for a in data["actions"]]
    return data


@router.post("/task-teams/{team_id}/stocktakes", status_code=201, responses=CREATED)
def hold_stocktake(
    team_id: UUID,
    body: HoldStocktake,
    cmd: Command,
    suggested: Annotated[dict[str, int | None], Depends(suggested_ratings)],
) -> JSONResponse:
    """Record the team's stocktake; each target reviewed is rated for the month as agreed,
    beside the rating its gap suggests."""
    app = cmd.application
    stocktake_id = body.stocktake_id or uuid4()
    reviews = [_review(r) for r in body.reviews]
    return cmd.run(
        stocktake_id,
        body.occurred_at,
        lambda c: app.hold_stocktake(
            stocktake_id=stocktake_id,
            team_id=team_id,
            attendee_member_ids=[str(m) for m in body.attendee_member_ids],
            reviews=reviews,
            suggested=suggested,
            ctx=c,
        ),
        status_code=201,
        location=f"/v1/stocktakes/{stocktake_id}",
    )


@router.get("/stocktakes")
async def list_stocktakes(
    pool: ReadPool,
    fresh: Fresh,
    scope: StocktakeRows,
    team_id: Annotated[UUID | None, Query()] = None,
) -> StocktakeList:
    """The stocktakes the caller sees (of one team), latest first."""
    rows = await queries.stocktakes(pool, scope, team_id)
    return StocktakeList.model_validate({"data": rows, "freshness": fresh})


@router.get("/stocktakes/{stocktake_id}")
async def get_stocktake(
    stocktake_id: UUID,
    pool: ReadPool,
    scope: StocktakeRows,
    targets: TargetRows,
    thresholds: Thresholds,
    response: Response,
) -> StocktakeRead:
    """A stocktake: what it reviewed and agreed, each reviewed target's months as they stood
    on the day (the trajectory picture it looked at), and its actions' status."""
    row = await queries.stocktake(pool, stocktake_id, scope)
    if row is None:
        raise NotFoundError("stocktake", stocktake_id)
    day = row["held_on"]
    for review in row["reviews"]:
        if review["target_id"] is None:
            continue
        target = await queries.target(pool, UUID(review["target_id"]), targets)
        if target is not None:
            months = await queries.actuals(pool, target["target_id"], day)
            review["months"] = queries.picture(target, months, day, thresholds)
    response.headers["ETag"] = f'"{row["version"]}"'
    return StocktakeRead.model_validate(row)


@router.post("/stocktakes/{stocktake_id}/actions/{action_id}/done", responses=WRITTEN)
def complete_action(
    stocktake_id: UUID, action_id: UUID, body: CompleteActionItem, cmd: Command
) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        stocktake_id,
        body.occurred_at,
        lambda c: app.complete_stocktake_action(stocktake_id, str(action_id), body.note, c),
    )
