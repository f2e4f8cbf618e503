"""A member's disability, health and grants (rates plausible for poorer KZN households)."""

from __future__ import annotations

from typing import Final

from domain.profile import (
    ChronicConditionCategory,
    Disability,
    DisabilityType,
    Employment,
    Grant,
    GrantStatus,
    GrantType,
    Health,
    OrphanStatus,
    Relation,
)
from sukuma.demo.context import Demo, pick

Statuses = tuple[tuple[GrantStatus | None, float], ...]  # None: the grant is not on record

DISABILITY_TYPES: Final[tuple[tuple[DisabilityType, float], ...]] = (
    ("physical", 40.0),
    ("visual", 15.0),
    ("hearing", 10.0),
    ("intellectual", 15.0),
    ("psychosocial", 10.0),
    ("multiple", 10.0),
)
CHRONIC_YOUNG: Final[tuple[tuple[ChronicConditionCategory, float], ...]] = (
    ("infectious_chronic", 70.0),  # mostly HIV on ART: KZN's adult prevalence is the highest
    ("respiratory", 15.0),
    ("mental", 10.0),
    ("other", 5.0),
)
CHRONIC_OLDER: Final[tuple[tuple[ChronicConditionCategory, float], ...]] = (
    ("cardiovascular", 35.0),
    ("metabolic", 20.0),
    ("infectious_chronic", 30.0),
    ("respiratory", 7.0),
    ("mental", 5.0),
    ("other", 3.0),
)
CHILD_SUPPORT: Final[Statuses] = (
    ("receiving", 78.0),
    ("eligible_not_receiving", 10.0),
    ("applied", 5.0),
    ("not_eligible", 7.0),
)
CHILD_SUPPORT_CHILD_HEADED: Final[Statuses] = (
    ("receiving", 45.0),
    ("eligible_not_receiving", 35.0),
    ("applied", 10.0),
    ("not_eligible", 10.0),
)
FOSTER_CHILD: Final[Statuses] = (
    ("receiving", 35.0),
    ("eligible_not_receiving", 30.0),
    ("applied", 10.0),
    (None, 25.0),
)
CARE_DEPENDENCY: Final[Statuses] = (
    ("receiving", 50.0),
    ("eligible_not_receiving", 30.0),
    ("applied", 20.0),
)
DISABILITY_GRANT: Final[Statuses] = (
    ("receiving", 55.0),
    ("eligible_not_receiving", 15.0),
    ("applied", 12.0),
    ("not_eligible", 8.0),
    (None, 10.0),
)
SRD: Final[Statuses] = (
    ("receiving", 45.0),
    ("applied", 15.0),
    ("eligible_not_receiving", 12.0),
    (None, 28.0),
)
OLDER_PERSONS: Final[Statuses] = (
    ("receiving", 86.0),
    ("eligible_not_receiving", 6.0),
    ("applied", 5.0),
    ("not_eligible", 3.0),
)
UNEMPLOYED: Final = ("unemployed_seeking", "unemployed_not_seeking")


def disability(demo: Demo, age: int) -> Disability:
    prevalence = 0.025 if age < 18 else 0.05 if age < 60 else 0.15
    if not demo.chance(prevalence):
        return {"type": "none", "assistive_device_needed": False}
    return {"type": pick(demo.rng, DISABILITY_TYPES), "assistive_device_needed": demo.chance(0.25)}


def _chronic(demo: Demo, age: int) -> ChronicConditionCategory:
    if age < 15:
        return "infectious_chronic" if demo.chance(0.02) else "none"
    if age < 35:
        return pick(demo.rng, CHRONIC_YOUNG) if demo.chance(0.1) else "none"
    share = 0.3 if age < 60 else 0.55
    return pick(demo.rng, CHRONIC_OLDER) if demo.chance(share) else "none"


def health(demo: Demo, age: int, sex: str) -> Health:
    chronic = _chronic(demo, age)
    tb = demo.chance(0.02 if age >= 15 else 0.005)
    on_treatment = chronic != "none" and demo.chance(0.85)
    defaulting = on_treatment and demo.chance(0.09)
    pregnant = sex == "female" and 15 <= age <= 44 and demo.chance(0.04 if age < 18 else 0.07)
    malnutrition = 0.04 if age < 5 else 0.015 if age < 18 else 0.01
    return {
        "chronic_condition_category": chronic,
        "tb_symptom_screen_positive": tb,
        "on_treatment": on_treatment,
        "defaulting_treatment": defaulting,
        "pregnant": pregnant,
        "missed_immunisation": age < 5 and demo.chance(0.1),
        "suspected_malnutrition": demo.chance(malnutrition),
    }


def _add(demo: Demo, found: list[Grant], grant_type: GrantType, statuses: Statuses) -> None:
    status = pick(demo.rng, statuses)
    if status is not None:
        found.append({"grant_type": grant_type, "status": status})


def _child_grants(
    demo: Demo, relation: Relation, orphan: OrphanStatus, disabled: bool, found: list[Grant]
) -> None:
    if disabled:
        _add(demo, found, "care_dependency", CARE_DEPENDENCY)
    child_headed = orphan == "double" and relation in ("head", "sibling")
    _add(
        demo, found, "child_support", CHILD_SUPPORT_CHILD_HEADED if child_headed else CHILD_SUPPORT
    )
    if orphan != "none" and relation not in ("child", "head", "sibling"):
        _add(demo, found, "foster_child", FOSTER_CHILD)  # orphans in a relative's care


def grants(
    demo: Demo,
    age: int,
    relation: Relation,
    orphan: OrphanStatus,
    member_disability: Disability,
    work: Employment,
    poor: bool,
) -> list[Grant]:
    """The member's grants: receiving, eligible but not receiving, applied, or not eligible."""
    found: list[Grant] = []
    disabled = member_disability["type"] != "none"
    if age < 18:
        if poor or disabled:
            _child_grants(demo, relation, orphan, disabled, found)
    elif age < 60:
        if disabled:
            _add(demo, found, "disability", DISABILITY_GRANT)
        if work in UNEMPLOYED and poor:
            _add(demo, found, "srd", SRD)
    else:
        statuses: Statuses = (("not_eligible", 1.0),) if work == "employed" else OLDER_PERSONS
        _add(demo, found, "older_persons", statuses)
        if disabled and demo.chance(0.1):
            found.append({"grant_type": "grant_in_aid", "status": "receiving"})
        if age >= 75 and demo.chance(0.003):
            found.append({"grant_type": "war_veterans", "status": "receiving"})
    return found
