"""Closed vocabularies shared by aggregates and rules (stored in events as plain strings)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final


class NeedCategory(StrEnum):
    DOCUMENTS = "documents"
    SOCIAL_GRANT = "social_grant"
    HEALTH_CHRONIC = "health_chronic"
    HEALTH_TB = "health_tb"
    HEALTH_MATERNAL = "health_maternal"
    NUTRITION = "nutrition"
    FOOD_SECURITY = "food_security"
    EDUCATION = "education"
    CHILD_PROTECTION = "child_protection"
    GBV = "gbv"
    SUBSTANCE_ABUSE = "substance_abuse"
    HOUSING = "housing"
    WATER = "water"
    SANITATION = "sanitation"
    ELECTRICITY = "electricity"
    LIVELIHOOD = "livelihood"
    DISABILITY = "disability"
    OTHER = "other"


#: Need categories that are special personal information (POPIA s26: health, sex life,
#: criminal behaviour), each with the broader category shown to whoever may not see it.
#: A household's nutrition need means a malnourished member; substance abuse may be a crime.
SPECIAL_CATEGORIES: Final[Mapping[str, str]] = {
    NeedCategory.HEALTH_CHRONIC: "health",
    NeedCategory.HEALTH_TB: "health",
    NeedCategory.HEALTH_MATERNAL: "health",
    NeedCategory.NUTRITION: "health",
    NeedCategory.DISABILITY: "health",
    NeedCategory.SUBSTANCE_ABUSE: "health",
    NeedCategory.GBV: "safety",
    NeedCategory.CHILD_PROTECTION: "safety",
}


def broad_category(category: str) -> str:
    """The category as shown to a caller who may not see special ones."""
    return SPECIAL_CATEGORIES.get(category, category)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class NeedStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class HouseholdStatus(StrEnum):
    REGISTERED = "registered"  # registered, not yet profiled
    ACTIVE = "active"  # profiled, receiving services
    GRADUATED = "graduated"


class ReferralStatus(StrEnum):
    MADE = "made"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    SERVICE_DELIVERED = "service_delivered"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


TERMINAL_REFERRAL_STATUSES = frozenset(
    {ReferralStatus.CLOSED, ReferralStatus.REJECTED, ReferralStatus.CANCELLED}
)


class RejectionReason(StrEnum):
    WRONG_DEPARTMENT = "wrong_department"
    NOT_ELIGIBLE = "not_eligible"
    INSUFFICIENT_INFO = "insufficient_info"
    DUPLICATE = "duplicate"
    HOUSEHOLD_DECLINED = "household_declined"
    OTHER = "other"


class Cadre(StrEnum):
    """Field-worker cadres seen in war rooms."""

    CCG = "ccg"  # community care giver
    CDW = "cdw"  # community development worker
    YOUTH_AMBASSADOR = "youth_ambassador"
    EHP = "ehp"  # environmental health practitioner
    CHW = "chw"  # community health worker


class SeatRole(StrEnum):
    """War-room seats: office bearers, field workers, departments and others."""

    WARD_CHAMPION = "ward_champion"
    CONVENER = "convener"
    DEPUTY_CONVENER = "deputy_convener"
    SECRETARY = "secretary"
    FIELD_WORKER = "field_worker"
    DEPARTMENT = "department"
    TRADITIONAL_COUNCIL = "traditional_council"
    NGO = "ngo"
    CIVIL_SOCIETY = "civil_society"


class InterventionKind(StrEnum):
    SERVICE = "service"
    DOCUMENT_ISSUED = "document_issued"
    GRANT_APPROVED = "grant_approved"
    FOOD_PARCEL = "food_parcel"
    REFERRAL_TO_CLINIC = "referral_to_clinic"
    COUNSELLING = "counselling"
    SCHOOL_PLACEMENT = "school_placement"
    HOME_VISIT = "home_visit"
    OTHER = "other"


class VisitOutcome(StrEnum):
    MET_HOUSEHOLD = "met_household"
    NOBODY_HOME = "nobody_home"
    MOVED_AWAY = "moved_away"
    REFUSED = "refused"
