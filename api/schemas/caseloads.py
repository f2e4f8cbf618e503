"""Caseloads: a convener's assignment of a household, and a field worker's caseload (views)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody
from api.schemas.views import FreshnessRead


class AssignHousehold(CommandBody):
    field_worker_id: UUID = Field(
        description="An active field worker assigned to the household's ward (409 otherwise); "
        "the household leaves its previous field worker's caseload"
    )


class CaseloadHouseholdRead(BaseModel):
    """A household of a caseload: no personal field (read the household for those)."""

    household_id: UUID
    ward_id: str
    field_worker_id: str | None
    assigned_at: datetime | None
    status: str
    risk_level: str | None
    registered_at: datetime
    last_visit_at: datetime | None


class CaseloadCounts(BaseModel):
    total: int
    by_risk: dict[str, int] = Field(description="By risk level; 'unscored': no profile yet")
    by_status: dict[str, int]


class CaseloadRead(BaseModel):
    field_worker_id: str
    counts: CaseloadCounts
    data: list[CaseloadHouseholdRead]
    next_cursor: str | None
    freshness: FreshnessRead


class VisitDueRead(CaseloadHouseholdRead):
    due_at: datetime = Field(
        description="The last visit (or the assignment, or the registration) plus the days "
        "its risk level allows between visits (rule visits-v1)"
    )


class VisitsDueRead(BaseModel):
    field_worker_id: str
    as_of: datetime
    rule_version: str
    data: list[VisitDueRead]
    freshness: FreshnessRead


class UnassignedRead(BaseModel):
    ward_id: str
    data: list[CaseloadHouseholdRead]
    next_cursor: str | None
    freshness: FreshnessRead
