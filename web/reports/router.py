"""``GET /v1/reports/{kind}/{level}/{code}``: a report as HTML (print style sheet) or PDF.

Installed under /v1 with the API's bearer token (``web.install``); read like the API's area
views (``async``, the read pool), the names and PDF in the thread pool (they block).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.responses import HTMLResponse, Response

from api.deps import Clock, CurrentUser, ReadPool, SukumaApp
from api.routers.warrooms import DataKeys
from api.schemas.views import Level
from web.i18n import LANGUAGES, language_of
from web.reports import render
from web.reports.area import monthly
from web.reports.gather import BadReportRequest, Gatherer, ReportRequest, Sources, gather
from web.reports.ward import imbizo, meeting_pack

router = APIRouter(prefix="/reports", tags=["reports"])

GATHERERS: dict[str, Gatherer] = {
    "imbizo": imbizo,
    "meeting-pack": meeting_pack,
    "monthly": monthly,
}
Kind = Literal["imbizo", "meeting-pack", "monthly"]
Language = Literal["en", "zu"]
assert set(LANGUAGES) == {"en", "zu"}

ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: an HTML page with a print style sheet, or a PDF",
        "content": {"text/html": {}, "application/pdf": {}},
    }
}


def catalogue(app: SukumaApp) -> dict[str, str]:
    """Every department of the current catalogue by code, retired ones too (their referrals
    count); a plain ``def``: reading the catalogue blocks, so FastAPI runs it in a thread."""
    return {d.code: d.name for d in app.current_catalogue()[1].departments}


@router.get("/{kind}/{level}/{code}", response_class=HTMLResponse, responses=ANSWERS)
async def report(
    request: Request,
    kind: Kind,
    level: Level,
    code: Annotated[str, Path(max_length=16, description="Ward id, municipality, district, KZN")],
    pool: ReadPool,
    app: SukumaApp,
    keys: DataKeys,
    clock: Clock,
    user: CurrentUser,
    departments: Annotated[dict[str, str], Depends(catalogue)],
    as_of: Annotated[
        date | None,
        Query(description="The day it is as of (default today; a monthly report any day)"),
    ] = None,
    basis: Annotated[
        Literal["recorded", "occurred"],
        Query(description="recorded: as known then; occurred: what had happened, known now"),
    ] = "recorded",
    lang: Annotated[Language | None, Query(description="Default: Accept-Language")] = None,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    """A printed report: ``imbizo`` (a ward's report to its community meeting),
    ``meeting-pack`` (a war room's agenda and the lists behind it) or ``monthly`` (a
    municipality's, district's or the province's indicators, league and alerts)."""
    now = clock()
    sources = Sources(pool, app, keys, user, departments, now)
    wanted = ReportRequest(kind, level, code, as_of or sources.today, basis)
    try:
        made = await gather(sources, wanted, GATHERERS)
    except BadReportRequest as bad:
        where = "path" if bad.field in ("kind", "level") else "query"
        raise RequestValidationError(
            [{"type": "value_error", "loc": (where, bad.field), "msg": bad.message, "input": None}]
        ) from None
    language = lang or language_of(request)
    page = await run_in_threadpool(render.html, made, language)
    headers = {
        "Content-Language": language,
        "Content-Security-Policy": render.CSP,
        "X-Sukuma-Position": str(made.position),
    }
    if format == "html":
        return HTMLResponse(page, headers=headers)
    name = f"{kind}-{code}-{wanted.as_of}-{language}.pdf"
    document = await run_in_threadpool(render.pdf, page)
    headers["Content-Disposition"] = f'inline; filename="{name}"'
    return Response(document, media_type="application/pdf", headers=headers)
