"""Read shapes of the query API (nerve-centre views) and its validated query parameters."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StringConstraints

from domain.reference.geography import geography

Level = Literal["ward", "municipality", "district", "province"]

_CURSOR = re.compile(r"^[A-Za-z0-9_-]{22}$")


def encode_cursor(key: UUID) -> str:
    """The opaque page token after ``key``: its 16 bytes, urlsafe base64, unpadded."""
    return base64.urlsafe_b64encode(key.bytes).rstrip(b"=").decode("ascii")


def decode_cursor(value: object) -> UUID:
    """The key a ``next_cursor`` token stands for; anything else is a validation error."""
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or not _CURSOR.match(value):
        raise ValueError("not a cursor from next_cursor")
    return UUID(bytes=base64.urlsafe_b64decode(value + "=="))


def _known(level: str) -> Callable[[str], str]:
    def check(code: str) -> str:
        if not geography().is_valid_scope(level, code):
            raise ValueError(f"unknown {level} {code!r} (see GET /v1/geography)")
        return code

    return check


WardCode = Annotated[str, StringConstraints(max_length=16), AfterValidator(_known("ward"))]
MunicipalityCode = Annotated[
    str, StringConstraints(max_length=16), AfterValidator(_known("municipality"))
]
DistrictCode = Annotated[str, StringConstraints(max_length=16), AfterValidator(_known("district"))]
PageCursor = Annotated[UUID, BeforeValidator(decode_cursor)]


class FreshnessRead(BaseModel):
    """How far the read model has got: its tracked position against the event log's head."""

    position: int = Field(description="Last event-log position the projection has applied")
    head: int = Field(description="Last position in the event log")
    lag_events: int = Field(description="Events written but not yet applied (head - position)")
    stale: bool = Field(default=False, exclude=True, description="min_position not reached")


class OpenNeedRead(BaseModel):
    need_id: str
    category: str
    severity: str
    identified_on: date


#: A list row's head's name: only with ``?names=true`` (``api.names``).
HOUSEHOLD_NAME = (
    "With ?names=true: the household head's first name and surname, where the caller may see "
    "them (pii:read and the household's visibility: its ward's people and analysts of its "
    "area; a department officer through a referral sharing personal data, while consent "
    "stands), as it is now (with as_of too). Absent otherwise, and for a household whose "
    "names are erased or withheld. Every name shown is logged as a personal-data read."
)


class HouseholdSummaryRead(BaseModel):
    household_id: UUID
    ward_id: str
    municipality: str
    district: str
    status: str
    risk_level: str | None
    risk_score: int | None
    open_needs: list[OpenNeedRead]
    open_categories: list[str]
    high_needs: int
    registered_at: datetime
    profiled_at: datetime | None
    last_contact_at: datetime | None
    field_worker_id: str | None
    graduated_at: datetime | None
    position: int
    household_name: str | None = Field(default=None, description=HOUSEHOLD_NAME)


class HouseholdList(BaseModel):
    data: list[HouseholdSummaryRead]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: last")
    freshness: FreshnessRead


class ReferralSummaryRead(BaseModel):
    referral_id: UUID
    household_id: UUID
    need_id: str
    category: str
    severity: str
    ward_id: str
    municipality: str
    district: str
    department: str
    status: str
    escalation_level: int
    made_at: datetime
    acknowledged_at: datetime | None
    delivered_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    ack_by: date
    deliver_by: date
    standard_version: str
    position: int
    days_open: int = Field(description="Days from made to closed, or to today while not closed")
    overdue: bool = Field(description="Past ack_by unacknowledged, or past deliver_by undelivered")
    household_name: str | None = Field(default=None, description=HOUSEHOLD_NAME)


class ReferralList(BaseModel):
    data: list[ReferralSummaryRead]
    next_cursor: str | None
    freshness: FreshnessRead


class DashboardHouseholds(BaseModel):
    total: int
    profiled: int
    by_status: dict[str, int]
    by_risk_level: dict[str, int]


class DashboardNeeds(BaseModel):
    open: int
    open_high: int = Field(description="Open needs of severity high or critical")


class DashboardReferrals(BaseModel):
    total: int
    open: int
    overdue: int
    by_status: dict[str, int]


class DashboardRecent(BaseModel):
    """Events in the last 30 days (by the day they happened in the field)."""

    since: date
    interventions: int
    profiles: int
    graduations: int
    meetings: int
    visits: int


class DashboardRead(BaseModel):
    level: Level
    code: str
    as_of: date
    households: DashboardHouseholds
    needs: DashboardNeeds
    referrals: DashboardReferrals
    war_rooms: int
    last_30_days: DashboardRecent
    freshness: FreshnessRead


class DaysPercentiles(BaseModel):
    count: int
    median: int | None
    p90: int | None


class DepartmentPerformanceRead(BaseModel):
    department: str
    received: int
    acknowledged: int
    acknowledged_within: int
    share_acknowledged_within: float | None = Field(
        description="acknowledged_within / acknowledged (indicator M5); null: none acknowledged"
    )
    completed: int
    delivered_within: int
    open: int
    overdue: int
    days_to_acknowledge: DaysPercentiles
    days_to_complete: DaysPercentiles
    ratings: int = Field(0, description="Deliveries the households rated with their code")
    mean_rating: float | None = Field(None, description="Their mean rating, 1 to 5")
    not_received: int = Field(0, description="Deliveries the households said never came")


class DepartmentLeagueRead(BaseModel):
    level: Level
    code: str
    as_of: date
    data: list[DepartmentPerformanceRead] = Field(description="Worst first (lowest share)")
    freshness: FreshnessRead


class FieldWorkerActivityRead(BaseModel):
    field_worker_id: str
    ward_ids: list[str]
    active: bool
    last_submission_at: datetime | None
    days_since_last_submission: int | None
    households_visited_7d: int
    households_visited_30d: int


class FieldWorkerActivityList(BaseModel):
    ward_id: str
    as_of: date
    data: list[FieldWorkerActivityRead]
    freshness: FreshnessRead


class WardNeedsRead(BaseModel):
    ward_id: str
    total: int
    counts: dict[str, int] = Field(description="Open needs by category (every category)")


class NeedsHeatmapRead(BaseModel):
    level: Level
    code: str
    categories: list[str]
    wards: list[WardNeedsRead]
    freshness: FreshnessRead


class WeekRead(BaseModel):
    week_start: date = Field(description="Monday")
    profiles: int
    needs: int
    referrals_made: int
    referrals_completed: int
    graduations: int
    interventions: int
    visits: int


class TrendsRead(BaseModel):
    level: Level
    code: str
    weeks: list[WeekRead] = Field(description="Oldest first; the last is the current week")
    freshness: FreshnessRead


class ProjectionStatusRead(BaseModel):
    name: str
    position: int
    lag_events: int
    lag_seconds: float = Field(
        description="Age of the oldest event not yet applied (0 when caught up)"
    )


class ProjectionsStatusRead(BaseModel):
    head: int
    projections: list[ProjectionStatusRead]
    freshness: FreshnessRead
