"""Open data: the published monthly releases, without sign-in, as JSON or CSV.

Every answer is a frozen release (``projections.open_data.release``), so it carries a strong
``ETag`` and may be cached publicly; ``If-None-Match`` answers 304. Requests are limited per
client address (``SUKUMA_OPEN_DATA_RATE_LIMIT``; 429 with ``Retry-After``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from api.deps import ReadPool
from api.open_data_dictionary import DICTIONARY
from api.ratelimit import open_data_limit
from api.schemas.common import ErrorRead, Responses
from api.schemas.open_data import (
    CellRead,
    DictionaryRead,
    MonthText,
    OpenFormat,
    OpenLevel,
    OpenMeasure,
    ReleaseList,
    ReleaseRead,
    TableRead,
    month_start,
)
from domain.reference.geography import geography
from projections.open_data import queries

router = APIRouter(
    prefix="/open/v1",
    tags=["open data"],
    dependencies=[Depends(open_data_limit)],
    responses={
        429: {"model": ErrorRead, "description": "Too many requests from this address"},
    },
)
CACHE_CONTROL = "public, max-age=3600"
Within = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z0-9-]{2,16}$",
        description="Only this district or municipality and the areas inside it",
    ),
]
NOT_MODIFIED: Responses = {304: {"description": "Not modified (If-None-Match)"}}


def _tables(month: str) -> dict[str, str]:
    return {m.value: f"/open/v1/releases/{month}/{m.value}" for m in OpenMeasure}


def _cached(request: Request, response: Response, etag: str) -> bool:
    """Set the caching headers; whether the client's copy is current (answer 304)."""
    tag = f'"{etag}"'
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = CACHE_CONTROL
    wanted = request.headers.get("if-none-match", "")
    return any(t.strip().removeprefix("W/") in (tag, "*") for t in wanted.split(","))


@router.get("/dictionary", response_model=DictionaryRead)
def dictionary(request: Request, response: Response) -> Any:
    """What each measure counts, each column means, and how small counts are protected."""
    if _cached(request, response, DICTIONARY.etag):
        return Response(status_code=304, headers=dict(response.headers))
    return DICTIONARY.body


@router.get("/releases", response_model=ReleaseList, responses=NOT_MODIFIED)
async def list_releases(request: Request, response: Response, pool: ReadPool) -> Any:
    """Every released month, newest first: a month is released once, after it has closed."""
    async with pool.acquire() as db:
        rows = await queries.releases(db)
    etag = hashlib.sha256("".join(r["etag"] for r in rows).encode()).hexdigest()[:32]
    if _cached(request, response, etag):
        return Response(status_code=304, headers=dict(response.headers))
    data = []
    for r in rows:
        month = f"{r['month']:%Y-%m}"
        data.append(ReleaseRead(month=month, k=r["k"], built_at=r["built_at"],
                                etag=r["etag"], tables=_tables(month)))  # fmt: skip
    return ReleaseList(data=data, dictionary="/open/v1/dictionary")


@router.get(
    "/releases/{month}/{measure}",
    response_model=TableRead,
    responses={
        **NOT_MODIFIED,
        200: {"content": {"text/csv": {}}},
        404: {"model": ErrorRead, "description": "No release for this month"},
    },
)
async def release_table(
    request: Request,
    response: Response,
    pool: ReadPool,
    month: MonthText,
    measure: OpenMeasure,
    level: Annotated[OpenLevel | None, Query(description="Only this level")] = None,
    within: Within = None,
    format: OpenFormat = OpenFormat.JSON,
) -> Any:
    """One measure of a released month, per area (and category or department)."""
    start = month_start(month)
    async with pool.acquire() as db:
        found = await queries.release(db, start)
        if found is None:
            raise HTTPException(404, f"no release for {month}")
        key = f"{found['etag']}/{measure}/{level}/{within}/{format}"
        if _cached(request, response, hashlib.sha256(key.encode()).hexdigest()[:32]):
            return Response(status_code=304, headers=dict(response.headers))
        rows = await queries.cells(db, start, measure.value, level, _inside(within))
    cells = [_cell(r) for r in rows]
    if format is OpenFormat.CSV:
        return Response(_csv(month, measure, cells), media_type="text/csv; charset=utf-8",
                        headers=dict(response.headers))  # fmt: skip
    return TableRead(month=month, measure=measure, k=found["k"], rows=cells)


def _inside(within: str | None) -> list[str] | None:
    """The codes of every area inside a district or municipality (itself included)."""
    if within is None:
        return None
    geo = geography()
    munis = [m.code for m in geo.municipalities if within in (m.code, m.district_code)]
    if not munis:
        raise HTTPException(404, f"no district or municipality {within}")
    wards = [w.id for m in munis for w in geo.wards_in("municipality", m)]
    return [within, *munis, *wards]


def _cell(row: dict[str, Any]) -> CellRead:
    return CellRead(name=_name(row["level"], row["code"]), suppressed=row["value"] is None, **row)


def _name(level: str, code: str) -> str:
    geo = geography()
    if level == "municipality":
        return geo.municipality(code).name
    if level == "district":
        return geo.district(code).name
    if level == "province":
        return geo.province.name
    return code


def _csv(month: str, measure: OpenMeasure, cells: list[CellRead]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ["month", "measure", *CellRead.model_fields]
    writer.writerow(columns)
    for cell in cells:
        row = cell.model_dump(mode="json")
        writer.writerow([month, measure.value, *("" if row[c] is None else row[c]
                                                 for c in CellRead.model_fields)])  # fmt: skip
    return out.getvalue()
