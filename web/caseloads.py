"""Caseloads: a ward's field workers and its households awaiting one, a field worker's caseload
(counts by risk, the list, the visits due), and a convener's assigning or reassigning of a
household to a field worker of its ward.

Every read is the API's (``api/routers/caseloads.py``: the caseloads view's queries under the
access policy's row scope, the field worker seen only where the reader sees its wards; the
ward's field workers as ``GET /v1/field-workers/activity`` lists them); the form runs the
command ``POST /v1/households/{id}/assign`` runs, as the signed-in user."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.names import named
from api.routers.caseloads import Fresh, visible_worker
from api.scope import visible_area
from domain.access.policy import Decision, Location, decide
from domain.access.principal import Principal
from domain.errors import NotFoundError
from domain.sukuma import Sukuma
from domain.vocabulary import RiskLevel
from projections.caseloads import queries
from projections.nerve_centre.queries.areas import field_worker_activity
from web.actions import Act
from web.labels import N_
from web.names import field_worker_names
from web.render import page
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False)

#: Households a page lists (the API's default page size), and visits due shown at once.
PAGE = 50
VISITS_SHOWN = 100
#: Risk levels in the order the counts are shown (``unscored``: not profiled yet).
RISKS = (*(str(r) for r in reversed(RiskLevel)), "unscored")
WardCode = Annotated[str, Query(max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")]


async def _ward_workers(
    app: Sukuma, me: Principal, pool: ReadPool, ward: str, today: Any
) -> list[dict[str, Any]]:
    """The ward's field workers (``GET /v1/field-workers/activity``'s rows), each named."""
    visible_area(me, "fieldworker", "ward", ward)  # it lists field workers
    rows = await field_worker_activity(pool, ward, today)
    names = await run_in_threadpool(
        field_worker_names, app, me, [r["field_worker_id"] for r in rows]
    )
    return [{**r, "name": names.get(r["field_worker_id"])} for r in rows]


def _home_ward(me: Principal) -> str:
    wards = sorted(s.removeprefix("ward:") for s in me.scopes if s.startswith("ward:"))
    if not wards:
        raise NotFoundError("ward", "caseloads")
    return wards[0]


def _may_assign(me: Principal, ward: str) -> bool:
    return decide(me, "household.assign", Location.ward(ward)) is Decision.ALLOW


@router.get("/caseloads")
async def ward_caseloads(
    request: Request,
    me: Viewer,
    app: SukumaApp,
    pool: ReadPool,
    clock: Clock,
    fresh: Fresh,
    ward: WardCode | None = None,
    after: UUID | None = None,
) -> Response:
    """A ward's field workers, and its households in no caseload with the form to assign
    each (for a convener of the ward)."""
    ward = ward or _home_ward(me)
    workers = await _ward_workers(app, me, pool, ward, clock().astimezone(UTC).date())
    rows, last = await queries.unassigned_page(pool, me, ward, after, PAGE)
    rows = await named(app, me, rows, "GET /caseloads", pool)
    return page(
        request,
        "caseloads.html",
        ward=ward,
        workers=workers,
        unassigned=rows,
        next_after=last,
        may_assign=_may_assign(me, ward),
        fresh=fresh,
    )


@router.get("/field-workers/{worker_id}/caseload")
async def caseload(
    request: Request,
    worker_id: UUID,
    me: Viewer,
    app: SukumaApp,
    pool: ReadPool,
    clock: Clock,
    fresh: Fresh,
    risk_level: Annotated[RiskLevel | None, Query()] = None,
    after: UUID | None = None,
) -> Response:
    """A field worker's households: counts by risk and status, the visits due, the list a
    page at a time, and (for a convener) a household's move to another of the ward's field
    workers."""
    worker = await visible_worker(worker_id, pool, me)
    now = clock()
    counts = await queries.caseload_counts(pool, me, worker)
    level = None if risk_level is None else str(risk_level)
    rows, last = await queries.caseload_page(pool, me, worker, level, after, PAGE)
    due = await queries.visits_due(pool, me, worker, now, VISITS_SHOWN)
    rows = await named(app, me, rows, "GET /field-workers/{id}/caseload", pool)
    due = await named(app, me, due, "GET /field-workers/{id}/caseload", pool)
    wards = sorted({r["ward_id"] for r in rows})
    others = {
        w: [o for o in await _ward_workers(app, me, pool, w, now.date()) if o["active"]]
        for w in wards
        if _may_assign(me, w)
    }
    names = await run_in_threadpool(field_worker_names, app, me, [worker])
    return page(
        request,
        "caseload.html",
        worker_id=worker,
        name=names.get(worker),
        counts=counts,
        risks=[r for r in RISKS if counts["by_risk"].get(r)],
        risk_level=level,
        households=rows,
        next_after=last,
        due=due,
        now=now,
        overdue_since=now - timedelta(days=1),
        reassign_to=others,
        fresh=fresh,
    )


@router.post("/households/{household_id}/assign", dependencies=[Csrf])
def assign(
    household_id: UUID,
    act: Act,
    app: SukumaApp,
    field_worker_id: Annotated[UUID, Form()],
) -> Response:
    """Put the household in the field worker's caseload (taking it out of another's), then
    show that caseload once its view has the write."""
    return act.then(
        lambda ctx: app.assign_household(household_id, str(field_worker_id), ctx),
        f"/field-workers/{field_worker_id}/caseload",
        N_("Household assigned."),
        fresh=True,
    )
