"""Field-worker endpoints."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, SukumaApp
from api.schemas.common import CREATED, WRITTEN
from api.schemas.fieldworkers import (
    AssignFieldWorker,
    DeactivateFieldWorker,
    FieldWorkerRead,
    RegisterFieldWorker,
)
from domain.fieldworkers.model import FieldWorker

router = APIRouter(prefix="/field-workers", tags=["field workers"])


@router.post("", status_code=201, responses=CREATED)
def register(body: RegisterFieldWorker, cmd: Command) -> JSONResponse:
    app = cmd.application
    worker_id = body.id or uuid4()
    return cmd.run(
        worker_id,
        body.occurred_at,
        lambda c: app.register_field_worker(
            worker_id=worker_id,
            name=body.name,
            cadre=body.cadre,
            employer=body.employer,
            phone=body.phone,
            ctx=c,
        ),
        status_code=201,
        location=f"/v1/field-workers/{worker_id}",
    )


@router.get("/{worker_id}")
def get_field_worker(
    worker_id: UUID, app: SukumaApp, response: Response, user: CurrentUser
) -> FieldWorkerRead:
    worker = app.read(FieldWorker, worker_id, user)
    response.headers["ETag"] = f'"{worker.version}"'
    return FieldWorkerRead.of(worker)


@router.post("/{worker_id}/assign", responses=WRITTEN)
def assign(worker_id: UUID, body: AssignFieldWorker, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        worker_id, body.occurred_at, lambda c: app.assign_field_worker(worker_id, body.ward_id, c)
    )


@router.post("/{worker_id}/deactivate", responses=WRITTEN)
def deactivate(worker_id: UUID, body: DeactivateFieldWorker, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        worker_id,
        body.occurred_at,
        lambda c: app.deactivate_field_worker(worker_id, body.reason, c),
    )
