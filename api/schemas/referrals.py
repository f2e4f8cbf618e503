"""Referral commands and the referral read shape."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, DepartmentCode, Note, Reason
from domain.escalation import FIRST_LEVEL, TOP_LEVEL, ladder_summary
from domain.referrals.model import Referral
from domain.vocabulary import InterventionKind, RejectionReason


class MakeReferral(CommandBody):
    id: UUID | None = Field(default=None, description="Client-chosen id (offline creation)")
    household_id: UUID
    need_id: UUID
    department: DepartmentCode
    personal_data_shared: bool = Field(
        default=False, description="Whether the household's personal details go with it"
    )
    note: Note | None = None
    consent_override_reason: Reason | None = Field(
        default=None,
        description="Why personal data is shared without the household's consent (convener)",
    )


class AcknowledgeReferral(CommandBody):
    note: Note | None = None


class RejectReferral(CommandBody):
    reason: RejectionReason
    note: Note | None = None


class ReassignReferral(CommandBody):
    to_department: DepartmentCode
    reason: Reason


class EscalateReferral(CommandBody):
    level: int = Field(ge=FIRST_LEVEL, le=TOP_LEVEL, description=ladder_summary())
    reason: Reason


class DeliverReferral(CommandBody):
    intervention_id: UUID | None = None
    kind: InterventionKind = InterventionKind.SERVICE
    description: Note | None = None


class VerifyReferral(CommandBody):
    note: Note | None = None


class ReasonedCommand(CommandBody):
    reason: Reason


class CloseReferral(CommandBody):
    note: Note | None = None


class HouseholdContact(BaseModel):
    """The household head's contact, shown with a referral that shares personal data."""

    first_name: str | None = None
    surname: str | None = None
    phone: str | None = None


class ReferralRead(BaseModel):
    id: str
    version: int
    household_id: str
    need_id: str
    category: str
    severity: str
    from_ward_id: str
    ward_id: str = Field(
        description="The ward whose war room follows it up: where it was made, or its "
        "household's new ward after a move (while it was open)"
    )
    department: str
    status: str
    escalation_level: int
    ack_by: date
    deliver_by: date
    standard_version: str
    personal_data_shared: bool
    made_at: datetime
    acknowledged_at: datetime | None
    delivered_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    intervention_id: str | None
    rejection_reason: str | None
    household_contact: HouseholdContact | None = Field(
        default=None,
        description="The head's contact, when the referral shares personal data (as the caller"
        " may see it: withheld once consent is withdrawn)",
    )

    @classmethod
    def of(cls, referral: Referral) -> ReferralRead:
        skip = {"id", "version", "household_contact"}
        fields = {k: getattr(referral, k) for k in cls.model_fields if k not in skip}
        return cls(id=str(referral.id), version=referral.version, **fields)
