"""Household endpoints: registration, profile, needs, visits, interventions, moves, graduation."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, SukumaApp
from api.merged import with_merges
from api.personal import household_history as shaped_household_history
from api.personal import household_read
from api.schemas.common import CREATED, WRITTEN, AsOf, HistoryRead
from api.schemas.households import (
    GraduateHousehold,
    HouseholdRead,
    IdentifyNeed,
    MoveHousehold,
    RecordIntervention,
    RecordVisit,
    RegisterHousehold,
    ReopenHousehold,
    ResolveNeed,
    SubmitProfile,
)

router = APIRouter(prefix="/households", tags=["households"])


def _str(value: UUID | None) -> str | None:
    return None if value is None else str(value)


@router.post("", status_code=201, responses=CREATED)
def register_household(body: RegisterHousehold, cmd: Command) -> JSONResponse:
    app = cmd.application
    household_id = body.id or uuid4()
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.register_household(
            household_id=household_id,
            ward_id=body.ward_id,
            dwelling_type=body.dwelling_type,
            village=body.village,
            gps=body.gps.model_dump() if body.gps else None,
            field_worker_id=_str(body.field_worker_id),
            ctx=ctx,
        ),
        status_code=201,
        location=f"/v1/households/{household_id}",
    )


@router.get("/{household_id}")
def get_household(
    household_id: UUID, app: SukumaApp, response: Response, user: CurrentUser
) -> HouseholdRead:
    seen = app.read_household(household_id, user)
    response.headers["ETag"] = f'"{seen.household.version}"'
    endpoint = "GET /v1/households/{id}"
    merged = [household_read(app, user, d, endpoint) for d in seen.duplicates]
    return with_merges(household_read(app, user, seen.household, endpoint), seen, merged)


@router.get("/{household_id}/history")
def household_history(
    household_id: UUID,
    app: SukumaApp,
    user: CurrentUser,
    as_of: AsOf = None,
) -> HistoryRead:
    return shaped_household_history(
        app, user, household_id, as_of, "GET /v1/households/{id}/history"
    )


@router.post("/{household_id}/profile", responses=WRITTEN)
def submit_profile(household_id: UUID, body: SubmitProfile, cmd: Command) -> JSONResponse:
    app = cmd.application
    profile = body.profile.model_dump(mode="json")
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.submit_profile_edit(
            household_id=household_id,
            profile=profile,
            field_worker_id=_str(body.field_worker_id),
            base_version=body.base_version,
            ctx=ctx,
        ),
    )


@router.post("/{household_id}/needs", status_code=201, responses=CREATED)
def identify_need(household_id: UUID, body: IdentifyNeed, cmd: Command) -> JSONResponse:
    app = cmd.application
    need_id = body.need_id or uuid4()
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.identify_need(
            household_id=household_id,
            need_id=need_id,
            category=body.category,
            severity=body.severity,
            department_code=body.department,
            member_id=_str(body.member_id),
            note=body.note,
            ctx=ctx,
        ),
        status_code=201,
        extra={"need_id": str(need_id)},
    )


@router.post("/{household_id}/needs/{need_id}/resolve", responses=WRITTEN)
def resolve_need(
    household_id: UUID, need_id: UUID, body: ResolveNeed, cmd: Command
) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.resolve_need(
            household_id=household_id,
            need_id=str(need_id),
            resolution=body.resolution,
            note=body.note,
            ctx=ctx,
        ),
    )


@router.post("/{household_id}/visits", status_code=201, responses=CREATED)
def record_visit(household_id: UUID, body: RecordVisit, cmd: Command) -> JSONResponse:
    app = cmd.application
    visit_id = body.visit_id or uuid4()
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.record_visit(
            household_id=household_id,
            visit_id=visit_id,
            field_worker_id=_str(body.field_worker_id),
            outcome=body.outcome,
            days_skipped_meal_last_7=body.days_skipped_meal_last_7,
            note=body.note,
            ctx=ctx,
        ),
        status_code=201,
        extra={"visit_id": str(visit_id)},
    )


@router.post("/{household_id}/interventions", status_code=201, responses=CREATED)
def record_intervention(household_id: UUID, body: RecordIntervention, cmd: Command) -> JSONResponse:
    app = cmd.application
    intervention_id = body.intervention_id or uuid4()
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.record_intervention(
            household_id=household_id,
            intervention_id=intervention_id,
            need_id=str(body.need_id),
            kind=body.kind,
            provider=body.provider,
            description=body.description,
            ctx=ctx,
        ),
        status_code=201,
        extra={"intervention_id": str(intervention_id)},
    )


@router.post("/{household_id}/move", responses=WRITTEN)
def move_household(household_id: UUID, body: MoveHousehold, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.move_household(household_id, body.to_ward_id, body.reason, ctx),
    )


@router.post("/{household_id}/graduate", responses=WRITTEN)
def graduate_household(household_id: UUID, body: GraduateHousehold, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.graduate_household(household_id, _str(body.meeting_id), ctx),
    )


@router.post("/{household_id}/reopen", responses=WRITTEN)
def reopen_household(household_id: UUID, body: ReopenHousehold, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.reopen_household(household_id, body.reason, ctx),
    )
