"""``GET /v1/reports/{kind}/{level}/{code}``: a report as HTML (print style sheet) or PDF.

Installed under /v1 with the API's bearer token (``web.install``); read like the API's area
views (``async``, the read pool), the names and PDF in the thread pool (they block). The same
report is a page of the workspace at ``/reports/{kind}/{level}/{code}`` for a signed-in
reader (the session cookie), answered by the same code for that reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.responses import HTMLResponse, Response

from api.deps import Clock, CurrentUser, ReadPool, SukumaApp
from api.routers.delivery import Thresholds
from api.routers.warrooms import DataKeys
from api.schemas.views import Level
from domain.access.principal import Principal
from web.i18n import LANGUAGES, language_of
from web.reports import render
from web.reports.area import monthly
from web.reports.delivery import monthly_note, stocktake_pack
from web.reports.gather import BadReportRequest, Gatherer, ReportRequest, Sources, gather
from web.reports.ward import imbizo, meeting_pack
from web.session import Viewer, attach

router = APIRouter(prefix="/reports", tags=["reports"])
pages = APIRouter(include_in_schema=False)

GATHERERS: dict[str, Gatherer] = {
    "imbizo": imbizo,
    "meeting-pack": meeting_pack,
    "monthly": monthly,
    "stocktake-pack": stocktake_pack,
    "monthly-note": monthly_note,
}
Kind = Literal["imbizo", "meeting-pack", "monthly", "stocktake-pack", "monthly-note"]
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


@dataclass(frozen=True)
class Asked:
    """A report's request, whoever asks: what and how, and where it reads from."""

    wanted: ReportRequest
    lang: str | None
    format: str
    sources: Callable[[Principal], Sources]


async def asked(
    kind: Kind,
    level: Level,
    code: Annotated[str, Path(max_length=16, description="Ward id, municipality, district, KZN")],
    pool: ReadPool,
    app: SukumaApp,
    keys: DataKeys,
    clock: Clock,
    departments: Annotated[dict[str, str], Depends(catalogue)],
    thresholds: Thresholds,
    as_of: Annotated[
        date | None,
        Query(description="The day it is as of, by recorded time (default today)"),
    ] = None,
    basis: Annotated[
        Literal["recorded", "occurred"],
        Query(description="recorded: as known then; occurred: what had happened, known now"),
    ] = "recorded",
    lang: Annotated[Language | None, Query(description="Default: Accept-Language")] = None,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
    priority: Annotated[
        UUID | None, Query(description="A monthly note of this priority of the team only")
    ] = None,
) -> Asked:
    now = clock()
    day = as_of or now.astimezone(UTC).date()
    wanted = ReportRequest(kind, level, code, day, basis, priority)
    return Asked(
        wanted,
        lang,
        format,
        lambda reader: Sources(pool, app, keys, reader, departments, now, thresholds),
    )


AskedFor = Annotated[Asked, Depends(asked)]


@router.get("/{kind}/{level}/{code}", response_class=HTMLResponse, responses=ANSWERS)
async def report(request: Request, ask: AskedFor, user: CurrentUser) -> Response:
    """A printed report: ``imbizo`` (a ward's report to its community meeting),
    ``meeting-pack`` (a war room's agenda and the lists behind it) or ``monthly`` (a
    municipality's, district's or the province's indicators, league and alerts),
    ``stocktake-pack`` (a task team's priorities for its stocktake: each target's trajectory
    against its actual values, the ratings suggested and agreed, decisions and actions) or
    ``monthly-note`` (the month's note on each of a team's priorities, or ``?priority=``),
    a team by its area (an LTT's municipality, a DTT's district, the PTT's province)."""
    return await _answer(request, ask, user)


@pages.get("/reports/{kind}/{level}/{code}")
async def report_page(request: Request, me: Viewer, ask: AskedFor) -> Response:
    """The same report for the workspace's signed-in reader (to print from the browser); who
    reads is solved first, so a reader not signed in is sent to sign in before any read."""
    return attach(request, await _answer(request, ask, me))


async def _answer(request: Request, ask: Asked, reader: Principal) -> Response:
    wanted = ask.wanted
    try:
        made = await gather(ask.sources(reader), wanted, GATHERERS)
    except BadReportRequest as bad:
        where = "path" if bad.field in ("kind", "level") else "query"
        raise RequestValidationError(
            [{"type": "value_error", "loc": (where, bad.field), "msg": bad.message, "input": None}]
        ) from None
    language = ask.lang or language_of(request)
    page = await run_in_threadpool(render.html, made, language)
    headers = {
        "Content-Language": language,
        "Content-Security-Policy": render.CSP,
        "Cache-Control": "no-store",
        "X-Sukuma-Position": str(made.position),
    }
    if ask.format == "html":
        return HTMLResponse(page, headers=headers)
    name = f"{wanted.kind}-{wanted.code}-{wanted.as_of}-{language}.pdf"
    document = await run_in_threadpool(render.pdf, page)
    headers["Content-Disposition"] = f'inline; filename="{name}"'
    return Response(document, media_type="application/pdf", headers=headers)
