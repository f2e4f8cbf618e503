"""The vocabulary's labels, in one place: the English text of every closed value the pages show.

Each value of ``domain.vocabulary`` (and the roles) has its label here, marked with ``N_`` so
that Babel extracts it into the catalogs; pages translate it when they show it (``label``
filter). ``tests/unit/test_web_i18n.py`` fails when a value has no label or a label no
translation.
"""

from __future__ import annotations

from enum import StrEnum

from domain.access.principal import Role
from domain.vocabulary import (
    HouseholdStatus,
    InterventionKind,
    NeedCategory,
    ReferralStatus,
    RejectionReason,
    RiskLevel,
    SeatRole,
    Severity,
    VisitOutcome,
)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark, translate later")
    """Marks ``message`` for extraction; translated where it is shown."""
    return message


LABELS: dict[str, tuple[type[StrEnum] | None, dict[str, str]]] = {
    "need_category": (
        NeedCategory,
        {
            "documents": N_("Identity documents"),
            "social_grant": N_("Social grant"),
            "health_chronic": N_("Chronic illness"),
            "health_tb": N_("Tuberculosis (TB)"),
            "health_maternal": N_("Mother and baby health"),
            "nutrition": N_("Nutrition"),
            "food_security": N_("Food security"),
            "education": N_("Education"),
            "child_protection": N_("Child protection"),
            "gbv": N_("Gender-based violence"),
            "substance_abuse": N_("Substance abuse"),
            "housing": N_("Housing"),
            "water": N_("Water"),
            "sanitation": N_("Sanitation"),
            "electricity": N_("Electricity"),
            "livelihood": N_("Livelihood"),
            "disability": N_("Disability"),
            "other": N_("Other"),
        },
    ),
    # What a reader who may not see a special category is shown instead (domain.vocabulary's
    # broad_category): shown under need_category's labels too.
    "broad_category": (
        None,
        {
            "health": N_("Health (details withheld)"),
            "safety": N_("Safety (details withheld)"),
        },
    ),
    "referral_status": (
        ReferralStatus,
        {
            "made": N_("Referred"),
            "acknowledged": N_("Acknowledged"),
            "rejected": N_("Rejected"),
            "service_delivered": N_("Service delivered"),
            "verified": N_("Verified"),
            "disputed": N_("Disputed"),
            "closed": N_("Closed"),
            "cancelled": N_("Cancelled"),
        },
    ),
    "risk": (
        RiskLevel,
        {
            "low": N_("Low risk"),
            "medium": N_("Medium risk"),
            "high": N_("High risk"),
            "critical": N_("Critical risk"),
        },
    ),
    "severity": (
        Severity,
        {
            "low": N_("Low"),
            "medium": N_("Medium"),
            "high": N_("High"),
            "critical": N_("Critical"),
        },
    ),
    "household_status": (
        HouseholdStatus,
        {
            "registered": N_("Registered"),
            "active": N_("Receiving services"),
            "graduated": N_("Graduated"),
        },
    ),
    "rejection_reason": (
        RejectionReason,
        {
            "wrong_department": N_("Wrong department"),
            "not_eligible": N_("Not eligible"),
            "insufficient_info": N_("Not enough information"),
            "duplicate": N_("Duplicate referral"),
            "household_declined": N_("The household declined"),
            "other": N_("Other reason"),
        },
    ),
    "intervention_kind": (
        InterventionKind,
        {
            "service": N_("Service given"),
            "document_issued": N_("Document issued"),
            "grant_approved": N_("Grant approved"),
            "food_parcel": N_("Food parcel"),
            "referral_to_clinic": N_("Sent to the clinic"),
            "counselling": N_("Counselling"),
            "school_placement": N_("School placement"),
            "home_visit": N_("Home visit"),
            "other": N_("Other service"),
        },
    ),
    "visit_outcome": (
        VisitOutcome,
        {
            "met_household": N_("Met the household"),
            "nobody_home": N_("Nobody was home"),
            "moved_away": N_("The household has moved away"),
            "refused": N_("The household refused the visit"),
        },
    ),
    "role": (
        Role,
        {
            "field_worker": N_("Field worker"),
            "convener": N_("War-room convener"),
            "department_officer": N_("Department officer"),
            "analyst": N_("Analyst"),
            "admin": N_("Administrator"),
        },
    ),
    # A war room's seats (who sits for what).
    "seat": (
        SeatRole,
        {
            "ward_champion": N_("Ward champion (councillor)"),
            "convener": N_("Convener"),
            "deputy_convener": N_("Deputy convener"),
            "secretary": N_("Secretary"),
            "field_worker": N_("Field worker"),
            "department": N_("Department"),
            "traditional_council": N_("Traditional council"),
            "ngo": N_("NGO"),
            "civil_society": N_("Civil society"),
        },
    ),
    # The levels of the geography the nerve centre drills through.
    "area_level": (
        None,
        {
            "province": N_("Province"),
            "district": N_("District"),
            "municipality": N_("Municipality"),
            "ward": N_("Ward"),
        },
    ),
    # The war-room functionality classes (rule functionality-v1, indicator M9).
    "functionality": (
        None,
        {
            "not_existing": N_("No war room"),
            "poorly_functional": N_("Poorly functional"),
            "functional": N_("Functional"),
            "fully_functional": N_("Fully functional"),
        },
    ),
    # An early-warning alert's status, and its history's events (``AlertStatus``, event type).
    "alert_status": (
        None,
        {
            "open": N_("Waiting for a person"),
            "acknowledged": N_("Acknowledged"),
            "resolved": N_("Resolved"),
        },
    ),
    # The early-warning rules (scheduler/rules/rules.toml), by code.
    "rule": (
        None,
        {
            "EW-01": N_("Referral not acknowledged in time"),
            "EW-02": N_("Referral not delivered in time"),
            "EW-03": N_("Delivery not verified with the household"),
            "EW-04": N_("Rejected need left without a referral"),
            "EW-05": N_("Child at risk without a service"),
            "EW-06": N_("High-risk household not visited"),
            "EW-07": N_("Field worker silent"),
            "EW-08": N_("War room not meeting"),
            "EW-09": N_("Department absent from the war room"),
            "EW-10": N_("Department failing its acknowledgement standard"),
            "EW-11": N_("Graduated household in need again"),
            "EW-13": N_("Sudden rise in a need in a ward"),
        },
    ),
    # Why a case refused a step (``RuleViolation.rule``), for the error page: the rules the
    # pages' forms can meet. Others show the system's own (English) words only.
    "case_rule": (
        None,
        {
            "graduation-needs-profile": N_("A household is profiled before it can graduate."),
            "graduation-open-high-needs": N_(
                "A household cannot graduate while a high or critical need is open."
            ),
            "graduation-open-referrals": N_(
                "A household cannot graduate while a referral is open."
            ),
            "graduation-policy": N_("The household does not yet meet the graduation policy."),
            "graduated-household-is-closed": N_(
                "The household has graduated: reopen its case first."
            ),
            "reopen-only-graduated": N_("Only a graduated household's case is reopened."),
            "move-to-other-ward": N_("The household is in that ward already."),
            "resolution-needs-intervention": N_(
                "Record the service given first, or resolve it as no longer needed with a note."
            ),
            "resolution-reason": N_("Say in the note why the need is no longer needed."),
            "resolution-open-referral": N_("The need has an open referral: end it first."),
            "need-open": N_("The need is resolved already."),
            "intervention-needs-open-need": N_("The need is resolved already."),
            "referral-lifecycle": N_("The referral is not at a stage that allows this step."),
            "referral-terminal": N_("The referral has ended: no step follows."),
            "reassign-to-other-department": N_("The referral is with that department already."),
            "escalation-only-upward": N_("A referral is escalated only to a higher level."),
            "one-open-referral-per-need": N_("The need has an open referral already."),
        },
    ),
    "alert_event": (
        None,
        {
            "Raised": N_("Raised"),
            "Escalated": N_("Escalated"),
            "Acknowledged": N_("Acknowledged"),
            "Resolved": N_("Resolved"),
            "Reopened": N_("Raised again"),
        },
    ),
    # A household's timeline: its events by type (``EventRead.type``), no vocabulary of them.
    "event": (
        None,
        {
            "Household.Registered": N_("Household registered"),
            "Household.ProfileSubmitted": N_("Profile recorded"),
            "Household.RiskScored": N_("Risk assessed"),
            "Household.NeedIdentified": N_("Need identified"),
            "Household.NeedResolved": N_("Need resolved"),
            "Household.NeedReferred": N_("Need referred to a department"),
            "Household.NeedReferralEnded": N_("Referral ended"),
            "Household.VisitRecorded": N_("Visit recorded"),
            "Household.InterventionDelivered": N_("Service delivered to the household"),
            "Household.Moved": N_("Household moved"),
            "Household.FieldWorkerAssigned": N_("Field worker assigned"),
            "Household.FieldWorkerUnassigned": N_("Field worker released after a move"),
            "Household.Graduated": N_("Household graduated"),
            "Household.Reopened": N_("Household case reopened"),
            "Household.ConsentGiven": N_("Consent given"),
            "Household.ConsentWithdrawn": N_("Consent withdrawn"),
            "Household.PersonalDataErased": N_("Personal data erased"),
        },
    ),
}


def label_of(kind: str, value: object) -> str:
    """The English label of ``value`` (a value no label covers is shown as it is stored)."""
    labels = LABELS[kind][1]
    if kind == "need_category":
        labels = labels | LABELS["broad_category"][1]
    return labels.get(str(value), str(value))


def choices(kind: str) -> list[tuple[str, str]]:
    """(value, English label) of every value of ``kind``, in the vocabulary's order."""
    vocabulary, labels = LABELS[kind]
    assert vocabulary is not None, f"{kind} has no vocabulary to choose from"
    return [(member.value, labels[member.value]) for member in vocabulary]
