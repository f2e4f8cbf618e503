"""Reference data: geography (province → district → municipality → ward) and the service
catalogue (departments, NGOs, service standards): everyone signed in reads it, administrators
change it (each change is a new version; referrals keep the version they were made under)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.deps import Command, SukumaApp
from api.schemas.common import CREATED, WRITTEN, CommandBody, DepartmentCode
from api.schemas.reference import (
    AddDepartment,
    CatalogueRead,
    DepartmentRead,
    RenameDepartment,
    SetDefaultStandard,
    SetStandard,
)
from domain.reference.catalogue import CATALOGUE_ID
from domain.reference.geography import geography
from domain.vocabulary import NeedCategory

router = APIRouter(tags=["reference data"])


@router.get("/geography")
def get_geography() -> dict[str, Any]:
    """Districts, municipalities and wards with their ids (the ward ids are synthetic)."""
    geo = geography()
    return {
        "province": {"code": geo.province.code, "name": geo.province.name},
        "districts": [
            {
                "code": d.code,
                "name": d.name,
                "is_metro": d.is_metro,
                "municipalities": [
                    {
                        "code": m.code,
                        "name": m.name,
                        "seat": m.seat,
                        "wards": [
                            {"id": w.id, "number": w.number, "synthetic": w.synthetic}
                            for w in geo.wards_in("municipality", m.code)
                        ],
                    }
                    for m in geo.municipalities
                    if m.district_code == d.code
                ],
            }
            for d in geo.districts
        ],
    }


@router.get("/departments")
def get_departments(
    app: SukumaApp,
    response: Response,
    version: Annotated[
        int | None, Query(ge=0, description="An earlier version (0: the catalogue file's)")
    ] = None,
) -> CatalogueRead:
    """Departments and NGOs with their service standards (days to acknowledge and deliver),
    the default standard and each need category's usual department. The ETag is the version."""
    if version is None:
        current, catalogue = app.current_catalogue()
    else:
        current, catalogue = version, app.catalogue(version)
    response.headers["ETag"] = f'"{current}"'
    return CatalogueRead.of(current, catalogue)


@router.get("/departments/{department_code}")
def get_department(
    department_code: DepartmentCode, app: SukumaApp, response: Response
) -> DepartmentRead:
    """One department or NGO and its own standards (the ETag is the catalogue's version)."""
    version, catalogue = app.current_catalogue()
    response.headers["ETag"] = f'"{version}"'
    return DepartmentRead.of(catalogue, catalogue.department(department_code))


# ---- changes (administrators; If-Match: the catalogue version read) ---------------------------


@router.post("/departments", status_code=201, responses=CREATED)
def add_department(body: AddDepartment, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        CATALOGUE_ID,
        body.occurred_at,
        lambda c: app.add_department(code=body.code, name=body.name, kind=body.kind, ctx=c),
        status_code=201,
        location=f"/v1/departments/{body.code}",
    )


@router.post("/departments/{department_code}/rename", responses=WRITTEN)
def rename_department(
    department_code: DepartmentCode, body: RenameDepartment, cmd: Command
) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        CATALOGUE_ID,
        body.occurred_at,
        lambda c: app.rename_department(code=department_code, name=body.name, ctx=c),
    )


@router.post("/departments/{department_code}/retire", responses=WRITTEN)
def retire_department(
    department_code: DepartmentCode, body: CommandBody, cmd: Command
) -> JSONResponse:
    """No new referrals, reassignments or war-room seats for it from now on (409 while it is a
    need category's usual department: route those needs elsewhere first). Referrals made
    before keep it and the standard they were made under."""
    app = cmd.application
    return cmd.run(
        CATALOGUE_ID,
        body.occurred_at,
        lambda c: app.retire_department(code=department_code, ctx=c),
    )


@router.post("/departments/{department_code}/routes/{category}", responses=WRITTEN)
def route_need(
    department_code: DepartmentCode, category: NeedCategory, body: CommandBody, cmd: Command
) -> JSONResponse:
    """Make this department the usual one of a need category: needs identified from now on
    without a department go to it (``routes`` in GET /v1/departments)."""
    app = cmd.application
    return cmd.run(
        CATALOGUE_ID,
        body.occurred_at,
        lambda c: app.route_need(category=category, department=department_code, ctx=c),
    )


@router.post("/departments/{department_code}/standards/{category}", responses=WRITTEN)
def set_service_standard(
    department_code: DepartmentCode, category: NeedCategory, body: SetStandard, cmd: Command
) -> JSONResponse:
    """Set a department's standard for a need category: referrals made from now on get due
    dates from it; those made before keep theirs."""
    app = cmd.application
    return cmd.run(
        CATALOGUE_ID,
        body.occurred_at,
        lambda c: app.set_service_standard(
            department=department_code,
            category=category,
            ack_within_days=body.ack_within_days,
            deliver_within_days=body.deliver_within_days,
            ctx=c,
        ),
    )


@router.post("/departments/{department_code}/standards/{category}/remove", responses=WRITTEN)
def remove_service_standard(
    department_code: DepartmentCode, category: NeedCategory, body: CommandBody, cmd: Command
) -> JSONResponse:
    """Drop a department's own standard for a category: the default standard applies again."""
    app = cmd.application
    return cmd.run(
        CATALOGUE_ID,
        body.occurred_at,
        lambda c: app.remove_service_standard(department=department_code, category=category, ctx=c),
    )


@router.post("/service-standards/default", responses=WRITTEN)
def set_default_standard(body: SetDefaultStandard, cmd: Command) -> JSONResponse:
    """The standard of every department and category without one of its own."""
    app = cmd.application
    return cmd.run(
        CATALOGUE_ID,
        body.occurred_at,
        lambda c: app.change_default_standard(
            ack_within_days=body.ack_within_days,
            deliver_within_days=body.deliver_within_days,
            ctx=c,
        ),
    )
