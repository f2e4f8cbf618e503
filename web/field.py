"""The field worker's pages: its households, the visits due, registering a household with its
profile from a phone, and recording a visit. Lists are the API's queries under the access
policy's row scope (``GET /v1/households``'s page; the visits due are EW-06's clocks, as the
sync feed sends them); forms run the API's commands as the signed-in user."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.freshness import Fresh
from api.names import named
from api.personal import CaseRows
from api.schemas.views import FreshnessRead
from domain.access.policy import Decision, Location, decide, row_scope
from domain.access.principal import Principal
from domain.context import CommandContext, Written
from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.vocabulary import VisitOutcome
from projections.caseloads import queries as caseloads
from projections.early_warning.queries import visits_due
from projections.nerve_centre.queries.cases import HouseholdFilters, households_page
from web import profile_form
from web.actions import Act, Note
from web.labels import N_
from web.render import page, redirect
from web.session import Csrf, Viewer, linked_field_worker

router = APIRouter(include_in_schema=False)

#: Households per page of "my households" (the API's default page size).
PAGE = 50
Members = Annotated[int, Query(ge=1, le=profile_form.MAX_MEMBERS)]


@router.get("/my-households")
async def my_households(
    request: Request,
    me: Viewer,
    app: SukumaApp,
    pool: ReadPool,
    clock: Clock,
    fresh: Fresh,
    after: UUID | None = None,
) -> Response:
    """A user linked to its field-worker record: that record's caseload and its visits due
    (the caseload API's queries). Not linked: the households of its wards, a page at a time
    (as ``GET /v1/households`` lists them for it), and how many are due a visit."""
    worker = linked_field_worker(request)
    if worker is not None:
        return await _caseload_page(request, me, app, pool, clock, fresh, worker, after)
    scope = row_scope(me, "household")
    rows, last = await households_page(pool, HouseholdFilters(), scope, after, PAGE)
    rows = await named(
        app,
        me,
        await CaseRows(app, me).page(rows, "GET /my-households"),
        "GET /my-households",
        pool,
    )
    due = await visits_due(pool, scope)
    return page(
        request,
        "my_households.html",
        households=rows,
        next_after=last,
        due=len(due),
        may_register=bool(wards_of(me)),
        fresh=fresh,
    )


async def _caseload_page(
    request: Request,
    me: Principal,
    app: Sukuma,
    pool: ReadPool,
    clock: Clock,
    fresh: FreshnessRead,
    worker: str,
    after: UUID | None,
) -> Response:
    now = clock()
    rows, last = await caseloads.caseload_page(pool, me, worker, None, after, PAGE)
    due = await caseloads.visits_due(pool, me, worker, now, PAGE)
    rows = await named(app, me, rows, "GET /my-households", pool)
    due = await named(app, me, due, "GET /my-households", pool)
    return page(
        request,
        "my_caseload.html",
        households=rows,
        next_after=last,
        due=due,
        now=now,
        overdue_since=now - timedelta(days=1),
        may_register=bool(wards_of(me)),
        fresh=fresh,
    )


@router.get("/visits-due")
async def visits_due_page(
    request: Request, me: Viewer, app: SukumaApp, pool: ReadPool, fresh: Fresh
) -> Response:
    """High-risk households due a visit (rule EW-06's clock), longest unvisited first."""
    rows = await named(
        app, me, await visits_due(pool, row_scope(me, "household")), "GET /visits-due", pool
    )
    return page(request, "visits_due.html", visits=rows, fresh=fresh)


def wards_of(me: Principal) -> list[tuple[str, str]]:
    """(ward id, its name) of each ward the user may register households in."""
    places = geography()
    found: dict[str, str] = {}
    for scope in sorted(me.scopes):
        level, _, code = scope.partition(":")
        if level not in ("ward", "municipality", "district", "province"):
            continue
        for ward in places.wards_in(level, code):
            at = Location.ward(ward.id)
            if decide(me, "household.register", at) is Decision.ALLOW:
                name = places.municipality(ward.municipality_code).name
                found[ward.id] = f"{name} {ward.number}"
    return sorted(found.items(), key=lambda item: item[1])


def _form_page(
    request: Request,
    me: Principal,
    members: int,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    refusals: list[profile_form.Refusal] | None = None,
) -> Response:
    return page(
        request,
        "register.html",
        status_code,
        members=members,
        household_id=(values or {}).get("household_id") or str(uuid4()),
        values=values or {},
        refusals=refusals or [],
        refused={r.field: r for r in refusals or []},
        wards=wards_of(me),
        choices=profile_form.choices,
        questions=profile_form.QUESTIONS,
        health_flags=profile_form.HEALTH_FLAGS,
        household_flags=profile_form.HOUSEHOLD_FLAGS,
        schooling=profile_form.SCHOOLING,
        ecd=profile_form.ECD,
        no_grant=profile_form.NO_GRANT,
        max_members=profile_form.MAX_MEMBERS,
    )


@router.get("/new-household")
async def register_form(request: Request, me: Viewer, members: Members = 1) -> Response:
    return _form_page(request, me, members)


@router.post("/new-household", dependencies=[Csrf])
async def register(
    request: Request, me: Viewer, app: SukumaApp, clock: Clock, members: Members = 1
) -> Response:
    """Register the household and record its profile: the profile is checked first, so a
    refused one registers nothing; a form sent twice registers one household (its id is the
    form's)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf", "more")}
    # Rows a script added (web/static/members.js) are in the form, not in ?members=.
    members = max(members, profile_form.rows_sent(values))
    if "more" in form:  # "Add a member": one more, nothing typed lost, nothing registered
        return _form_page(request, me, min(members + 1, profile_form.MAX_MEMBERS), values=values)
    now = clock()
    refusals: list[profile_form.Refusal] = []
    ward_id = values.get("ward_id", "")
    if ward_id not in dict(wards_of(me)):
        refusals.append(
            profile_form.Refusal(
                "ward_id", profile_form.QUESTIONS["ward_id"], profile_form.REQUIRED
            )
        )
    try:
        household_id = UUID(values.get("household_id", ""))
    except ValueError:
        household_id = uuid4()
    try:
        profile = profile_form.checked_profile(values, members, now.date())
    except profile_form.ProfileRefused as exc:
        refusals += exc.refusals
    if refusals:
        return _form_page(request, me, members, 422, values, refusals)
    ctx = CommandContext(actor=me.actor, occurred_at=now, principal=me)
    worker = linked_field_worker(request)
    await run_in_threadpool(_register, app, household_id, ward_id, worker, profile, ctx)
    return redirect(request, f"/households/{household_id}", notice=N_("Household registered."))


def _register(
    app: Sukuma,
    household_id: UUID,
    ward_id: str,
    worker: str | None,
    profile: dict[str, Any],
    ctx: CommandContext,
) -> None:
    dwelling = profile["dwelling"]
    written: Written = app.register_household(
        household_id=household_id,
        ward_id=ward_id,
        dwelling_type=dwelling["type"],
        village=dwelling.get("village"),
        gps=dwelling.get("gps"),
        # Into the caseload of the record the user works as, where that record serves.
        field_worker_id=_serving(app, worker, ward_id),
        ctx=ctx,
    )
    if written.position is None and app.read(Household, household_id, ctx.principal).profile:
        return  # the same form sent again: registered and profiled the first time
    app.submit_profile(household_id, profile, None, ctx)


def _serving(app: Sukuma, worker: str | None, ward_id: str) -> str | None:
    """``worker`` if that field-worker record is active and assigned to ``ward_id``."""
    if worker is None:
        return None
    record = app.get(FieldWorker, UUID(worker))
    return worker if record.active and ward_id in record.ward_ids else None


def _visitor(app: Sukuma, worker: str | None, household_id: UUID) -> str | None:
    """The visit's field worker: the record the user works as, if it serves the household's
    ward (the command checks who may record the visit)."""
    if worker is None:
        return None
    return _serving(app, worker, app.get(Household, household_id).ward_id)


@router.post("/households/{household_id}/visits", dependencies=[Csrf])
def record_visit(
    request: Request,
    household_id: UUID,
    act: Act,
    app: SukumaApp,
    outcome: Annotated[VisitOutcome, Form()],
    skipped: Annotated[str, Form(max_length=1, pattern=r"^[0-7]?$")] = "",
    note: Note = "",
) -> Response:
    return act.then(
        lambda ctx: app.record_visit(
            household_id=household_id,
            visit_id=uuid4(),
            field_worker_id=_visitor(app, linked_field_worker(request), household_id),
            outcome=outcome,
            days_skipped_meal_last_7=int(skipped) if skipped else None,
            note=note.strip() or None,
            ctx=ctx,
        ),
        f"/households/{household_id}",
        N_("Visit recorded."),
    )
