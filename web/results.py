"""Results and Delivery pages: the priorities a reader's area runs, and a target's
trajectory against its actual values month by month (a chart and its table), with the
ratings agreed and the delivery chain. The same queries and scopes as the API's."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import Clock, ReadPool
from api.routers.delivery import Thresholds
from domain.access.policy import row_scope
from domain.errors import NotFoundError
from projections.delivery import queries
from web.charts import trajectory_chart
from web.labels import N_
from web.nerve import INDICATORS
from web.render import page
from web.session import Viewer

router = APIRouter(include_in_schema=False)

#: The likelihood-of-delivery ratings, 1 to 4, in the reader's language.
RATINGS: Final = {
    1: N_("1 red: highly problematic"),
    2: N_("2 amber-red: problematic"),
    3: N_("3 amber-green: mixed"),
    4: N_("4 green: good"),
}
#: The problem-solving levels, 1 to 4, in the reader's language.
PROBLEM_LEVELS: Final = {
    1: N_("1 timely nudge"),
    2: N_("2 standard problem-solving"),
    3: N_("3 intensive problem-solving"),
    4: N_("4 crisis management"),
}


@router.get("/results")
async def results(request: Request, me: Viewer, pool: ReadPool) -> Response:
    scope = row_scope(me, "priority")
    rows, _ = await queries.priorities_page(pool, scope, (None, None), None, 200)
    found = [await queries.priority(pool, r["priority_id"], scope) for r in rows]
    return page(
        request,
        "results.html",
        priorities=[p for p in found if p is not None],
        indicators=INDICATORS,
    )


@router.get("/results/targets/{target_id}")
async def target_page(
    request: Request,
    target_id: UUID,
    me: Viewer,
    pool: ReadPool,
    clock: Clock,
    thresholds: Thresholds,
) -> Response:
    row = await queries.target(pool, target_id, row_scope(me, "target"))
    if row is None:
        raise NotFoundError("target", target_id)
    today = clock().date()
    months = queries.picture(row, await queries.actuals(pool, target_id, today), today, thresholds)
    chart = trajectory_chart([m["planned"] for m in months], [m["actual"] for m in months])
    return page(
        request,
        "target.html",
        target=row,
        months=months,
        chart=chart,
        indicator=INDICATORS[row["indicator"]],
        ratings=RATINGS,
    )
