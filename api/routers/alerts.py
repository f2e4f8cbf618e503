"""Early-warning alerts: list, read with history, stats (read model); acknowledge, resolve."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse

from api.asof import AsOfQuery
from api.deps import Command, CurrentUser, ReadPool, SukumaApp
from api.export import csv_response
from api.freshness import Fresh
from api.personal import ShapedRows, alert_notes, with_notes
from api.schemas.alerts import (
    AcknowledgeAlert,
    AlertDetailRead,
    AlertGroupList,
    AlertList,
    AlertStatsRead,
    AlertStatusFilter,
    AreaLevel,
    ResolveAlert,
)
from api.schemas.common import WRITTEN
from api.schemas.views import DistrictCode, MunicipalityCode, PageCursor, WardCode, encode_cursor
from projections.alerts import queries
from projections.alerts.queries import AlertFilters

router = APIRouter(prefix="/alerts", tags=["alerts"])


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "alert_id": str(row["alert_id"])}


async def alert_filters(
    status: Annotated[AlertStatusFilter | None, Query(description="open: not resolved")] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    rule: Annotated[str | None, Query(max_length=16, pattern=r"^EW-\d\d$")] = None,
    ward: Annotated[WardCode | None, Query()] = None,
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
) -> AlertFilters:
    return AlertFilters(status, level, rule, ward, municipality, district)


Filters = Annotated[AlertFilters, Depends(alert_filters)]


@router.get("", response_model=AlertList)
async def list_alerts(
    db: ReadPool,
    principal: CurrentUser,
    shaped: ShapedRows,
    filters: Filters,
    as_of: AsOfQuery,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[PageCursor | None, Query()] = None,
) -> dict[str, Any]:
    """Alerts in id order, a page at a time; with ``as_of``, as they stood at the end of that
    day (replayed from their events; the filters apply to them as they stood)."""
    rows, last = await queries.alerts_page(db, filters, principal, cursor, limit, as_of)
    rows = await shaped.page(rows, "GET /v1/alerts")
    return {
        "data": [_jsonable(r) for r in rows],
        "count": len(rows),
        "next_cursor": encode_cursor(last) if last else None,
    }


# /v1/alerts.csv, beside the list (as /v1/households.csv is)
@router.get(".csv", response_class=StreamingResponse)
async def export_alerts(
    db: ReadPool,
    fresh: Fresh,
    principal: CurrentUser,
    filters: Filters,
    shaped: ShapedRows,
    as_of: AsOfQuery,
) -> Response:
    """Every matching alert as CSV (same filters as the list, no pages; evidence as JSON,
    shaped as the list's); with ``as_of``, as they stood at the end of that day."""
    columns = queries.CSV_COLUMNS
    alerts = queries.stream_alerts(db, filters, principal, as_of)
    rows = shaped.csv(columns, alerts, "GET /v1/alerts.csv")
    return csv_response("alerts", columns, rows, fresh)


@router.get("/stats", response_model=AlertStatsRead)
async def alert_stats(
    db: ReadPool,
    principal: CurrentUser,
    as_of: AsOfQuery,
    area: Annotated[AreaLevel, Query(description="Response times by this area")] = "district",
) -> dict[str, Any]:
    return await queries.alert_stats(db, principal, area, as_of)


@router.get("/groups", response_model=AlertGroupList)
async def alert_groups(
    db: ReadPool,
    principal: CurrentUser,
    by: Annotated[AreaLevel, Query(description="Group by this area's code")] = "district",
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    rule: Annotated[str | None, Query(max_length=16, pattern=r"^EW-\d\d$")] = None,
    ward: Annotated[WardCode | None, Query()] = None,
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Open alerts by rule, level and area, with counts: the highest level first, then the
    groups with most alerts nobody acknowledged, then the oldest (the web alert queue's
    groups). Counted per area as they stand, so a million alerts answer in milliseconds."""
    filters = AlertFilters("open", level, rule, ward, municipality, district)
    column = {"ward": "ward_id"}.get(by, by)
    return {"by": by, "data": await queries.alert_groups(db, filters, principal, column, limit)}


def _notes(alert_id: UUID, app: SukumaApp, principal: CurrentUser) -> dict[int, str | None]:
    """The alert's notes this caller may see: sealed in the event log, the application opens
    them (a plain ``def``: FastAPI runs it in its thread pool, off the event loop)."""
    return alert_notes(app, principal, alert_id, "GET /v1/alerts/{id}")


@router.get("/{alert_id}", response_model=AlertDetailRead)
async def get_alert(
    alert_id: UUID,
    db: ReadPool,
    principal: CurrentUser,
    notes: Annotated[dict[int, str | None], Depends(_notes)],
    shaped: ShapedRows,
) -> dict[str, Any]:
    row = await queries.alert_detail(db, alert_id, principal)
    if row is None:
        raise HTTPException(status_code=404, detail=f"alert {alert_id} not found")
    [row] = await shaped.page([row], "GET /v1/alerts/{id}")
    return _jsonable(with_notes(row, notes))


@router.post("/{alert_id}/acknowledge", responses=WRITTEN)
def acknowledge(alert_id: UUID, body: AcknowledgeAlert, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        alert_id, body.occurred_at, lambda c: app.acknowledge_alert(alert_id, body.note, c)
    )


@router.post("/{alert_id}/resolve", responses=WRITTEN)
def resolve(alert_id: UUID, body: ResolveAlert, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        alert_id, body.occurred_at, lambda c: app.resolve_alert(alert_id, body.reason, c)
    )
