"""The public transparency page: the open figures of the latest releases, with charts, in
English and isiZulu. It reads only the published releases (``projections.open_data``), as
``/open/v1`` does: suppressed counts stay suppressed here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import ReadPool
from domain.reference.geography import PROVINCE_CODE, geography
from projections.open_data import queries
from web.charts import line_chart
from web.labels import N_
from web.render import page

router = APIRouter(include_in_schema=False)
#: The single-figure measures charted month by month for the province.
CHARTED = (
    ("households_profiled", N_("Households profiled")),
    ("meetings", N_("War-room meetings held")),
)


@router.get("/transparency")
async def transparency(request: Request, pool: ReadPool) -> Response:
    async with pool.acquire() as db:
        releases = await queries.releases(db)
        if not releases:
            return page(request, "transparency.html", latest=None)
        latest = releases[0]["month"]
        charts = []
        for measure, title in CHARTED:
            points = await queries.series(db, measure, "province", PROVINCE_CODE)
            charts.append((title, _chart(points), points))
        needs = await queries.cells(db, latest, "needs", "province", None)
        made = await queries.cells(db, latest, "referrals_made", "province", None)
        delivered = await queries.cells(db, latest, "referrals_delivered", "province", None)
        districts = await queries.cells(db, latest, "households_profiled", "district", None)
    geo = geography()
    return page(
        request,
        "transparency.html",
        latest=latest,
        k=releases[0]["k"],
        charts=charts,
        needs=needs,
        departments=_departments(made, delivered),
        districts=[{**d, "name": geo.district(d["code"]).name} for d in districts],
    )


def _chart(points: list[dict[str, Any]]) -> Any:
    """Suppressed months are drawn as 0 (the table beside the chart says "suppressed")."""
    return line_chart([p["month"] for p in points], [p["value"] or 0 for p in points])


def _departments(
    made: list[dict[str, Any]], delivered: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_dim = {d["dim"]: d for d in delivered}
    return [
        {"department": m["dim"], "made": m["value"], "delivered": by_dim.get(m["dim"], {})}
        for m in made
    ]
