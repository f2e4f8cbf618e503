"""The nerve centre's dashboard: an area's indicators (M1-M13) with their definitions, 12-week
trends drawn on the server as inline SVG, the needs heat map, the department league and the
field workers' activity, with a drill-down province -> district -> municipality -> ward.

Every figure comes from the same query as the API's dashboards (``projections.nerve_centre
.queries``) after the same area check (``api.scope.visible_area``): an area outside the
reader's scopes is "not found", as on ``/v1``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from markupsafe import escape
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.freshness import Fresh
from api.scope import visible_area
from domain.access.policy import AREA_VIEW, sees_area
from domain.access.principal import Principal
from domain.errors import NotFoundError
from domain.reference.geography import PROVINCE_CODE, geography
from projections.nerve_centre.queries import areas, indicators
from web.charts import Chart, heat_cells, line_chart
from web.labels import N_, label_of
from web.names import field_worker_names
from web.render import page, redirect, translate
from web.session import Viewer

router = APIRouter(include_in_schema=False)

LEVELS = ("province", "district", "municipality", "ward")
#: The trend series drawn as charts, with their titles (``areas.TREND_METRICS``).
TREND_TITLES = {
    "profiles": N_("Profiles recorded"),
    "needs": N_("Needs identified"),
    "referrals_made": N_("Referrals made"),
    "referrals_completed": N_("Referrals completed"),
    "visits": N_("Home visits"),
    "graduations": N_("Households graduated"),
}
#: Each indicator's name and what it measures, in the reader's language (the API's
#: ``DEFINITIONS`` say the same in English, for its readers).
INDICATORS = {
    "M1": (
        N_("Households profiled"),
        N_("Households profiled in the week; and all ever profiled."),
    ),
    "M2": (
        N_("Profile freshness"),
        N_("Share of active households profiled in the last 12 months."),
    ),
    "M3": (N_("Needs identified"), N_("Needs identified in the week, by category.")),
    "M4": (
        N_("Referral rate"),
        N_("Share of the week's medium or worse needs referred within 14 days."),
    ),
    "M5": (
        N_("Acknowledged within standard"),
        N_("Share of the week's acknowledgements made by the department's deadline."),
    ),
    "M6": (
        N_("Delivered within standard"),
        N_("Share of the week's deliveries made by the department's deadline."),
    ),
    "M7": (
        N_("Days to closure"),
        N_("Median and 90th-percentile days from referral to verified closure."),
    ),
    "M8": (N_("Backlog ageing"), N_("Open referrals by their age in days, today.")),
    "M9": (
        N_("War-room functionality"),
        N_("The war room's functionality class; above a ward, the wards in each class."),
    ),
    "M10": (
        N_("Department attendance"),
        N_("Share of the last 8 weeks' meetings each core department attended."),
    ),
    "M11": (
        N_("Field-worker activity"),
        N_("Active field workers, and the share who submitted in the last 14 days."),
    ),
    "M12": (
        N_("Graduation"),
        N_("Households graduated in the week, and households by stage today."),
    ),
    "M13": (
        N_("Child protection"),
        N_("Share of child-protection referrals acknowledged within 2 days."),
    ),
}


@dataclass(frozen=True)
class Place:
    level: str
    code: str
    name: str

    @property
    def href(self) -> str:
        return f"/nerve-centre/{self.level}/{self.code}"


def place(level: str, code: str) -> Place:
    geo = geography()
    if level == "province":
        return Place(level, code, geo.province.name)
    if level == "district":
        return Place(level, code, geo.district(code).name)
    if level == "municipality":
        return Place(level, code, geo.municipality(code).name)
    return Place(level, code, code)


def trail(level: str, code: str) -> list[Place]:
    """The areas above this one, the province first (the drill-down's way back up)."""
    geo = geography()
    if level == "province":
        return []
    if level == "district":
        return [place("province", PROVINCE_CODE)]
    if level == "municipality":
        return [
            *trail("district", geo.municipality(code).district_code),
            place("district", geo.municipality(code).district_code),
        ]
    ward = geo.ward(code)
    return [
        *trail("municipality", ward.municipality_code),
        place("municipality", ward.municipality_code),
    ]


def children(level: str, code: str) -> list[Place]:
    """The areas one level down, to drill into."""
    geo = geography()
    if level == "province":
        return [Place("district", d.code, d.name) for d in geo.districts]
    if level == "district":
        return [
            Place("municipality", m.code, m.name)
            for m in geo.municipalities
            if m.district_code == code
        ]
    if level == "municipality":
        return [Place("ward", w.id, w.id) for w in geo.wards_in(level, code)]
    return []


def home_area(me: Principal) -> Place | None:
    """The widest area the reader's scopes give a view of (where the dashboard opens)."""
    found = []
    for scope in me.scopes:
        level, _, code = scope.partition(":")
        if level in LEVELS and sees_area(me, AREA_VIEW, level, code):
            found.append((LEVELS.index(level), code, level))
    if not found:
        return None
    _, code, level = min(found)
    return place(level, code)


@router.get("/nerve-centre")
async def nerve_centre(request: Request, me: Viewer) -> Response:
    area = home_area(me)
    if area is None:
        raise NotFoundError("area", "nerve-centre")
    return redirect(request, area.href)


def departments(app: SukumaApp) -> list[str]:
    """Every department of the current catalogue, retired ones too (their referrals count),
    as the API's league reads them; a plain ``def``: FastAPI runs it in its thread pool."""
    return [d.code for d in app.current_catalogue()[1].departments]


@router.get("/nerve-centre/{level}/{code}")
async def area_page(
    request: Request,
    level: Annotated[str, Path(pattern="^(province|district|municipality|ward)$")],
    code: Annotated[str, Path(max_length=16)],
    me: Viewer,
    pool: ReadPool,
    clock: Clock,
    fresh: Fresh,
    catalogue: Annotated[list[str], Depends(departments)],
    app: SukumaApp,
) -> Response:
    visible_area(me, AREA_VIEW, level, code)
    today = clock().astimezone(UTC).date()
    heat_read = (
        areas.needs_heatmap(pool, level, code) if level in ("district", "municipality") else None
    )
    league_read = (
        areas.department_league(pool, level, code, today, catalogue) if level != "ward" else None
    )
    workers_read = (
        areas.field_worker_activity(pool, code, today)
        if level == "ward" and sees_area(me, "fieldworker", "ward", code)
        else None
    )
    # The reads are independent: each on its own pooled connection, at once (the page waits
    # for the slowest of them, not for their sum).
    figures, summary, weeks, *shown = await asyncio.gather(
        indicators.indicators(pool, level, code, 12, today),
        areas.dashboard(pool, level, code, today),
        areas.trends(pool, level, code, 12, today),
        *(_nothing() if read is None else read for read in (heat_read, league_read, workers_read)),
    )
    heat, league, workers = shown
    if workers:
        ids = [w["field_worker_id"] for w in workers]
        names = await run_in_threadpool(field_worker_names, app, me, ids)
        workers = [{**w, "name": names.get(w["field_worker_id"])} for w in workers]
    return page(
        request,
        "nerve.html",
        area=place(level, code),
        trail=trail(level, code),
        below=children(level, code),
        summary=summary,
        current=figures["current"],
        weekly=figures["weekly"],
        indicators=INDICATORS,
        charts=trend_charts(weeks),
        heat=_heat(request, heat),
        league=league,
        workers=workers,
        fresh=fresh,
    )


async def _nothing() -> None:
    """What a read the page does not show answers."""


def trend_charts(weeks: list[dict[str, Any]]) -> list[tuple[str, Chart]]:
    return [
        (title, line_chart([w["week_start"] for w in weeks], [w[metric] for w in weeks]))
        for metric, title in TREND_TITLES.items()
    ]


def _heat(request: Request, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The heat map's columns in the reader's language and each ward's cells with their
    colour class, scaled to the area's largest count."""
    if data is None:
        return None
    top = max((c for w in data["wards"] for c in w["counts"].values()), default=0)
    labels = [translate(request, label_of("need_category", c)) for c in data["categories"]]
    names = [escape(label) for label in labels]
    rows = [
        {
            "ward_id": w["ward_id"],
            "total": w["total"],
            "cells": heat_cells([w["counts"][c] for c in data["categories"]], top, names),
        }
        for w in data["wards"]
    ]
    return {"labels": labels, "rows": rows, "top": top}
