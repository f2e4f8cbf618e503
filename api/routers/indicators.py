"""The nerve-centre indicator set per area: definitions, weekly series, today's values."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import Clock, CurrentUser, ReadPool
from api.freshness import Fresh
from api.schemas.views import Level
from api.scope import visible_area
from domain.access.policy import AREA_VIEW
from projections.nerve_centre.queries import indicators

router = APIRouter(tags=["dashboards"])


@router.get("/indicators/{level}/{code}")
async def area_indicators(
    level: Level,
    code: Annotated[str, Path(max_length=16, description="Ward id, municipality, district, KZN")],
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    user: CurrentUser,
    weeks: Annotated[int, Query(ge=1, le=104, description="Weeks of history")] = 12,
) -> dict[str, Any]:
    """Indicators M1-M13 (definitions included): weekly flows and today's stocks."""
    visible_area(user, AREA_VIEW, level, code)
    today = clock().astimezone(UTC).date()
    data = await indicators.indicators(pool, level, code, weeks, today)
    return {**data, "freshness": fresh.model_dump()}
