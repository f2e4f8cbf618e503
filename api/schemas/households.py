"""Household commands and the household read shape."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, DepartmentCode, Note, Reason, ShortText, WardId
from api.schemas.profile import Gps, Profile
from domain.households.model import Household
from domain.vocabulary import InterventionKind, NeedCategory, Severity, VisitOutcome


class RegisterHousehold(CommandBody):
    id: UUID | None = Field(default=None, description="Client-chosen id (offline creation)")
    ward_id: WardId
    dwelling_type: Literal["formal", "informal", "traditional", "backyard"]
    village: ShortText | None = None
    gps: Gps | None = None
    field_worker_id: UUID | None = None


class SubmitProfile(CommandBody):
    profile: Profile
    field_worker_id: UUID | None = None
    base_version: int | None = Field(
        default=None,
        ge=1,
        description="The household version (ETag) the profile was edited from, offline perhaps: "
        "if the household changed since, the edit is merged field by field and a field also "
        "changed to another value becomes a conflict, the later occurred_at standing (see "
        "README, Conflicts). Unlike If-Match, never 412.",
    )


class IdentifyNeed(CommandBody):
    need_id: UUID | None = None
    category: NeedCategory
    severity: Severity
    department: DepartmentCode | None = Field(
        default=None, description="Defaults to the usual department for the category"
    )
    member_id: UUID | None = None
    note: Note | None = None


class ResolveNeed(CommandBody):
    resolution: Literal["met", "no_longer_needed"] = "met"
    note: Note | None = None


class RecordVisit(CommandBody):
    visit_id: UUID | None = None
    field_worker_id: UUID | None = None
    outcome: VisitOutcome = VisitOutcome.MET_HOUSEHOLD
    days_skipped_meal_last_7: int | None = Field(default=None, ge=0, le=7)
    note: Note | None = None


class RecordIntervention(CommandBody):
    intervention_id: UUID | None = None
    need_id: UUID
    kind: InterventionKind
    provider: ShortText
    description: Note | None = None


class MoveHousehold(CommandBody):
    to_ward_id: WardId
    reason: Note | None = None


class GraduateHousehold(CommandBody):
    meeting_id: UUID | None = Field(
        default=None, description="The war-room meeting that resolved it"
    )


class ReopenHousehold(CommandBody):
    reason: Reason


class NeedRead(BaseModel):
    need_id: str
    category: str
    severity: str
    department: str
    status: str
    member_id: str | None
    open_referral_id: str | None
    interventions: int
    identified_on: date | None


class ConflictCandidate(BaseModel):
    value: Any = Field(description="Personal data: withheld from whoever may not see the profile")
    occurred_at: datetime
    actor: str | None = Field(description="Who submitted it (null: the value the edit met)")


class ProfileConflictRead(BaseModel):
    conflict_id: str
    path: str
    candidates: list[ConflictCandidate] = Field(
        description="The values submitted for the field; the latest occurred_at stands until "
        "a convener resolves it (POST /v1/conflicts/{id}/resolve)"
    )


class HouseholdRead(BaseModel):
    id: str
    version: int
    ward_id: str
    status: str
    dwelling: dict[str, Any]
    field_worker_id: str | None
    registered_at: datetime
    profile: dict[str, Any] | None
    profile_facts: dict[str, int] | None = Field(
        description="Counts from the latest profile (members, members_with_health_need, "
        "members_with_disability, social_concerns): shown to whoever may read the household, "
        "while the answers they count are personal data"
    )
    risk: dict[str, Any] | None
    needs: list[NeedRead]
    interventions: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    graduated_on: date | None
    graduation_policy_version: str | None
    consent: str | None = Field(description="given, withdrawn, or null (never recorded)")
    personal_data_erased: bool
    profile_conflicts: list[ProfileConflictRead] = Field(
        default_factory=list, description="Open conflicts between offline profile edits"
    )
    merged_into: str | None = Field(
        default=None, description="The survivor this household is merged into (a duplicate)"
    )
    merged_from: list[str] = Field(
        default_factory=list,
        description="Households merged into this one whose needs, visits and interventions "
        "are listed here too (those the reader may see)",
    )
    note: str | None = Field(
        default=None, description="Why another household than the one asked for answers"
    )

    @classmethod
    def of(cls, household: Household) -> HouseholdRead:
        return cls(
            id=str(household.id),
            version=household.version,
            ward_id=household.ward_id,
            status=household.status,
            dwelling={
                "type": household.dwelling_type,
                "village": household.village,
                "gps": household.gps,
            },
            field_worker_id=household.field_worker_id,
            registered_at=household.registered_at,
            profile=household.profile,
            profile_facts=household.profile_facts,
            risk=household.risk,
            needs=[NeedRead(**asdict(n)) for n in household.needs.values()],
            interventions=[asdict(i) for i in household.interventions],
            visits=[asdict(v) for v in household.visits],
            graduated_on=household.graduated_on,
            graduation_policy_version=household.graduation_policy_version,
            consent=household.consent,
            personal_data_erased=household.personal_data_erased,
            merged_into=household.merged_into,
            profile_conflicts=[
                ProfileConflictRead(
                    conflict_id=conflict_id,
                    path=conflict["path"],
                    candidates=[
                        ConflictCandidate(**c)
                        for c in sorted(
                            conflict["candidates"].values(), key=lambda c: c["occurred_at"]
                        )
                    ],
                )
                for conflict_id, conflict in (household.conflicts or {}).items()
            ],
        )
