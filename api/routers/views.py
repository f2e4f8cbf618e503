"""Read endpoints over the nerve-centre views: lists, CSV exports, dashboards and trends.

Every route is ``async def`` over the asyncpg read pool (the queries live beside the view they
read, in ``projections.nerve_centre.queries``); none calls the event-sourced application. Every
answer says how fresh it is, and every route accepts ``?min_position=`` to wait (briefly) for a
write to be projected: ``Fresh``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse

from api.asof import AsOfQuery, RecordedAsOf
from api.deps import Clock, CurrentUser, HouseholdRows, ReadPool, ReferralRows, SukumaApp
from api.export import LEAGUE_COLUMNS, csv_response, league_rows
from api.freshness import Fresh
from api.names import named_page
from api.personal import ShapedRows as Shaped
from api.personal import heatmap_as_seen
from api.schemas.common import DepartmentCode
from api.schemas.views import (
    DashboardRead,
    DepartmentLeagueRead,
    DistrictCode,
    FieldWorkerActivityList,
    HouseholdList,
    Level,
    MunicipalityCode,
    NeedsHeatmapRead,
    PageCursor,
    ProjectionsStatusRead,
    ReferralList,
    TrendsRead,
    WardCode,
    encode_cursor,
)
from api.scope import visible_area
from domain.access.policy import AREA_VIEW, Area
from domain.reference.geography import PROVINCE_CODE, geography
from domain.vocabulary import HouseholdStatus, NeedCategory, ReferralStatus, RiskLevel
from projections.nerve_centre.queries import areas, cases
from projections.nerve_centre.queries.cases import HouseholdFilters, ReferralFilters
from projections.registry import PROJECTIONS
from projections.status import projection_status

router = APIRouter(tags=["views"])


# ---- freshness: one dependency for every read --------------------------------------------------


Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[PageCursor | None, Query(description="next_cursor of the previous page")]
Names = Annotated[
    bool,
    Query(
        description="Each row's household_name too, where the caller may see it (pii:read and "
        "the household's visibility, as the web workspace's lists show it); each name shown "
        "is logged as a personal-data read"
    ),
]


async def _rows_as_seen(
    shaped: Shaped, pool: ReadPool, rows: list[dict[str, Any]], names: bool, endpoint: str
) -> list[dict[str, Any]]:
    """A list's rows shaped (and named, if asked), the reads they show logged first."""
    if not names:
        return await shaped.page(rows, endpoint)
    return await named_page(shaped.app, shaped.principal, pool, rows, endpoint)


# ---- filters -----------------------------------------------------------------------------------


async def household_filters(
    ward: Annotated[WardCode | None, Query()] = None,
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
    risk: Annotated[RiskLevel | None, Query(description="Risk level")] = None,
    status: Annotated[HouseholdStatus | None, Query()] = None,
    need: Annotated[NeedCategory | None, Query(description="Has an open need of")] = None,
) -> HouseholdFilters:
    return HouseholdFilters(ward, municipality, district, risk, status, need)


async def referral_filters(
    status: Annotated[ReferralStatus | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="Past its ack_by or deliver_by")] = None,
    department: Annotated[DepartmentCode | None, Query()] = None,
    ward: Annotated[WardCode | None, Query()] = None,
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
) -> ReferralFilters:
    return ReferralFilters(status, overdue, department, ward, municipality, district)


def _one_area(municipality: str | None, district: str | None, required: bool) -> tuple[str, str]:
    if municipality and district:
        raise _invalid("district", district, "give municipality or district, not both")
    if municipality:
        return "municipality", municipality
    if district:
        return "district", district
    if required:
        raise _invalid("district", None, "give district or municipality")
    return "province", PROVINCE_CODE


def _invalid(param: str, value: Any, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", param), "msg": message, "input": value}]
    )


async def league_area(
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
) -> tuple[str, str]:
    return _one_area(municipality, district, required=False)


async def heatmap_area(
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
) -> tuple[str, str]:
    return _one_area(municipality, district, required=True)


Households = Annotated[HouseholdFilters, Depends(household_filters)]
Referrals = Annotated[ReferralFilters, Depends(referral_filters)]


def _today(clock: Clock) -> date:
    return clock().date()


# ---- case lists --------------------------------------------------------------------------------


# Rows carry household_name only if one was set (names=true, and the caller may see it):
# without the opt-in an answer is as it was.
@router.get("/households", tags=["households"], response_model_exclude_unset=True)
async def list_households(
    pool: ReadPool,
    fresh: Fresh,
    filters: Households,
    scope: HouseholdRows,
    shaped: Shaped,
    as_of: RecordedAsOf,
    limit: Limit = 50,
    cursor: Cursor = None,
    names: Names = False,
) -> HouseholdList:
    """Households in id order, a page at a time (keyset: pass next_cursor as cursor); with
    ``as_of``, as they stood at the end of that day. Special need categories read broad
    without pii:read (``api.personal``)."""
    shaped.filtered_by(filters.need)
    rows, last = await cases.households_page(pool, filters, scope, cursor, limit, as_of)
    rows = await _rows_as_seen(shaped, pool, rows, names, "GET /v1/households")
    next_cursor = encode_cursor(last) if last else None
    return HouseholdList.model_validate(
        {"data": rows, "next_cursor": next_cursor, "freshness": fresh}
    )


@router.get("/referrals", tags=["referrals"], response_model_exclude_unset=True)
async def list_referrals(
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    filters: Referrals,
    scope: ReferralRows,
    shaped: Shaped,
    as_of: RecordedAsOf,
    limit: Limit = 50,
    cursor: Cursor = None,
    names: Names = False,
) -> ReferralList:
    """Referrals in id order, a page at a time, each with its days open and overdue flag;
    with ``as_of``, as they stood at the end of that day (days open and overdue to it)."""
    today = _today(clock)
    rows, last = await cases.referrals_page(pool, filters, scope, today, cursor, limit, as_of)
    rows = await _rows_as_seen(shaped, pool, rows, names, "GET /v1/referrals")
    next_cursor = encode_cursor(last) if last else None
    return ReferralList.model_validate(
        {"data": rows, "next_cursor": next_cursor, "freshness": fresh}
    )


@router.get("/households.csv", tags=["households"], response_class=StreamingResponse)
async def export_households(
    pool: ReadPool,
    fresh: Fresh,
    filters: Households,
    scope: HouseholdRows,
    shaped: Shaped,
    as_of: RecordedAsOf,
) -> Response:
    """Every matching household as CSV (same filters as the list, no pages); with ``as_of``,
    as they stood at the end of that day (filters and scope apply to that day's rows)."""
    shaped.filtered_by(filters.need)
    columns = cases.HOUSEHOLD_CSV_COLUMNS
    rows = shaped.csv(
        columns, cases.stream_households(pool, filters, scope, as_of), "GET /v1/households.csv"
    )
    return csv_response("households", columns, rows, fresh)


@router.get("/referrals.csv", tags=["referrals"], response_class=StreamingResponse)
async def export_referrals(
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    filters: Referrals,
    scope: ReferralRows,
    shaped: Shaped,
    as_of: RecordedAsOf,
) -> Response:
    """Every matching referral as CSV (same filters as the list, no pages); with ``as_of``,
    as they stood at the end of that day (overdue and days open counted to it)."""
    columns = cases.REFERRAL_CSV_COLUMNS
    rows = cases.stream_referrals(pool, filters, scope, _today(clock), as_of)
    return csv_response(
        "referrals", columns, shaped.csv(columns, rows, "GET /v1/referrals.csv"), fresh
    )


# ---- area views --------------------------------------------------------------------------------


@router.get("/dashboard/{level}/{code}", tags=["dashboards"])
async def area_dashboard(
    level: Level,
    code: Annotated[str, Path(max_length=16, description="Ward id, municipality, district, KZN")],
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    user: CurrentUser,
    as_of: AsOfQuery,
) -> DashboardRead:
    """An area's totals, overdue referrals and the last 30 days' activity."""
    visible_area(user, AREA_VIEW, level, code)
    data = await areas.dashboard(pool, level, code, _today(clock), as_of)
    return DashboardRead.model_validate({**data, "freshness": fresh})


def catalogue_departments(app: SukumaApp) -> list[str]:
    """Every department of the current catalogue, retired ones too (their referrals count).
    A plain ``def``: reading the catalogue blocks, so FastAPI runs it in its thread pool."""
    return [d.code for d in app.current_catalogue()[1].departments]


async def league(
    area: Annotated[tuple[str, str], Depends(league_area)],
    pool: ReadPool,
    clock: Clock,
    user: CurrentUser,
    departments: Annotated[list[str], Depends(catalogue_departments)],
    as_of: AsOfQuery,
) -> dict[str, Any]:
    """The league of the area asked for (JSON and CSV alike)."""
    level, code = area
    visible_area(user, AREA_VIEW, level, code)
    today = as_of.day if as_of else _today(clock)
    data = await areas.department_league(pool, level, code, today, departments, as_of)
    return {"level": level, "code": code, "as_of": today, "data": data}


League = Annotated[dict[str, Any], Depends(league)]


@router.get("/departments/performance", tags=["dashboards"])
async def department_performance(league: League, fresh: Fresh) -> DepartmentLeagueRead:
    """Departments' referral performance in a municipality, a district or the province."""
    return DepartmentLeagueRead.model_validate({**league, "freshness": fresh})


@router.get("/departments/performance.csv", tags=["dashboards"], response_class=StreamingResponse)
async def export_department_performance(league: League, fresh: Fresh) -> Response:
    """The department league as CSV, one department a row, worst first."""
    rows = league_rows(league["level"], league["code"], league["as_of"], league["data"])
    return csv_response("department-performance", LEAGUE_COLUMNS, rows, fresh)


@router.get("/field-workers/activity", tags=["field workers"])
async def field_worker_activity(
    ward: Annotated[WardCode, Query()],
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    user: CurrentUser,
    as_of: AsOfQuery,
) -> FieldWorkerActivityList:
    """Field workers assigned to a ward: last submission and households visited (with
    ``as_of``, as they were at the end of that day)."""
    visible_area(user, "fieldworker", "ward", ward)  # it lists field workers
    today = as_of.day if as_of else _today(clock)
    rows = await areas.field_worker_activity(pool, ward, today, as_of)
    # A worker's other wards only as far as the caller's own area reaches.
    area = Area.of(user)
    for row in rows:
        row["ward_ids"] = [w for w in row["ward_ids"] if area.covers_ward(w)]
    return FieldWorkerActivityList.model_validate(
        {"ward_id": ward, "as_of": today, "data": rows, "freshness": fresh}
    )


@router.get("/needs/heatmap", tags=["dashboards"])
async def needs_heatmap(
    area: Annotated[tuple[str, str], Depends(heatmap_area)],
    pool: ReadPool,
    fresh: Fresh,
    user: CurrentUser,
    as_of: AsOfQuery,
) -> NeedsHeatmapRead:
    """Open needs by ward and category across a district or municipality (special categories
    summed into broad ones without pii:read: ``api.personal``)."""
    visible_area(user, AREA_VIEW, *area)
    data = heatmap_as_seen(user, await areas.needs_heatmap(pool, *area, as_of))
    return NeedsHeatmapRead.model_validate({**data, "freshness": fresh})


@router.get("/trends", tags=["dashboards"])
async def trends(
    level: Annotated[Level, Query()],
    code: Annotated[str, Query(max_length=16)],
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    user: CurrentUser,
    as_of: AsOfQuery,
    weeks: Annotated[int, Query(ge=1, le=104)] = 12,
) -> TrendsRead:
    """Weekly series (weeks start on Monday, oldest first) of an area's activity."""
    if not geography().is_valid_scope(level, code):
        raise _invalid("code", code, f"unknown {level} {code!r} (see GET /v1/geography)")
    visible_area(user, AREA_VIEW, level, code)
    series = await areas.trends(pool, level, code, weeks, _today(clock), as_of)
    return TrendsRead.model_validate(
        {"level": level, "code": code, "weeks": series, "freshness": fresh}
    )


@router.get("/projections/status", tags=["operations"])
async def projections_status(pool: ReadPool, fresh: Fresh, clock: Clock) -> ProjectionsStatusRead:
    """Each projection's position and how far it lags the event log (events and seconds)."""
    status = await projection_status(pool, list(PROJECTIONS), clock())
    return ProjectionsStatusRead.model_validate({**status, "freshness": fresh})
