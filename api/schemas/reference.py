"""Service catalogue shapes: departments, NGOs and their service standards, and its changes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, DepartmentCode, ShortText
from domain.reference.departments import MAX_DAYS, Catalogue, Department

Days = Annotated[int, Field(ge=1, le=MAX_DAYS, description="Whole days from the referral")]


class StandardRead(BaseModel):
    category: str
    ack_within_days: int
    deliver_within_days: int
    version: str = Field(description="The catalogue version a referral made now records")


class DepartmentRead(BaseModel):
    code: str
    name: str
    kind: Literal["government", "ngo"]
    retired: bool = Field(description="Takes no new referrals; those made before keep it")
    service_standards: list[StandardRead] = Field(
        description="Its own standards; every other category has the default standard"
    )

    @classmethod
    def of(cls, catalogue: Catalogue, department: Department) -> DepartmentRead:
        return cls(
            code=department.code,
            name=department.name,
            kind=department.kind,
            retired=department.retired,
            service_standards=[
                StandardRead(
                    category=str(s.category),
                    ack_within_days=s.ack_within_days,
                    deliver_within_days=s.deliver_within_days,
                    version=catalogue.version,
                )
                for s in catalogue.standards_of(department.code)
            ],
        )


class DefaultStandardRead(BaseModel):
    ack_within_days: int
    deliver_within_days: int


class CatalogueRead(BaseModel):
    """One version of the catalogue (the ETag is ``version``: send it as If-Match to change)."""

    version: int = Field(description="0: the catalogue file's, before any change")
    label: str = Field(description="What referrals made under this version record")
    departments: list[DepartmentRead]
    default: DefaultStandardRead
    routes: dict[str, str] = Field(description="Need category -> its usual department")

    @classmethod
    def of(cls, version: int, catalogue: Catalogue) -> CatalogueRead:
        return cls(
            version=version,
            label=catalogue.version,
            departments=[DepartmentRead.of(catalogue, d) for d in catalogue.departments],
            default=DefaultStandardRead(
                ack_within_days=catalogue.default_ack_within_days,
                deliver_within_days=catalogue.default_deliver_within_days,
            ),
            routes={str(k): v for k, v in catalogue.routes.items()},
        )


class AddDepartment(CommandBody):
    code: DepartmentCode
    name: ShortText
    kind: Literal["government", "ngo"]


class RenameDepartment(CommandBody):
    name: ShortText


class SetStandard(CommandBody):
    """A department's standard for one need category, for referrals made from now on."""

    ack_within_days: Days
    deliver_within_days: Days


class SetDefaultStandard(CommandBody):
    """The standard of every department and category without one of its own."""

    ack_within_days: Days
    deliver_within_days: Days
