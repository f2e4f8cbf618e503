"""The nerve-centre indicator set per area: definitions, weekly series, today's values."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import StreamingResponse

from api.asof import AsOfQuery
from api.deps import Clock, CurrentUser, ReadPool
from api.export import INDICATOR_COLUMNS, csv_response, indicator_rows
from api.freshness import Fresh
from api.schemas.views import Level
from api.scope import visible_area
from domain.access.policy import AREA_VIEW
from projections.nerve_centre.queries import indicators

router = APIRouter(tags=["dashboards"])

AreaCode = Annotated[str, Path(max_length=16, description="Ward id, municipality, district, KZN")]
Weeks = Annotated[int, Query(ge=1, le=104, description="Weeks of history")]


async def area_indicators_data(
    level: Level,
    code: AreaCode,
    pool: ReadPool,
    clock: Clock,
    user: CurrentUser,
    as_of: AsOfQuery,
    weeks: Weeks = 12,
) -> dict[str, Any]:
    """The indicators of the area asked for (JSON and CSV alike)."""
    visible_area(user, AREA_VIEW, level, code)
    today = clock().astimezone(UTC).date()
    return await indicators.indicators(pool, level, code, weeks, today, as_of)


Indicators = Annotated[dict[str, Any], Depends(area_indicators_data)]


# Before the JSON route: its ``{code}`` would take ``KZN225.csv`` as a code.
@router.get("/indicators/{level}/{code}.csv", response_class=StreamingResponse)
async def export_area_indicators(data: Indicators, fresh: Fresh) -> Response:
    """The indicators as CSV: one value a row (today's, then each week's)."""
    name = f"indicators-{data['level']}-{data['code']}"
    return csv_response(name, INDICATOR_COLUMNS, indicator_rows(data), fresh)


@router.get("/indicators/{level}/{code}")
async def area_indicators(data: Indicators, fresh: Fresh) -> dict[str, Any]:
    """Indicators M1-M13 (definitions included): weekly flows and today's stocks."""
    return {**data, "freshness": fresh.model_dump()}
