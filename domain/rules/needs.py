"""Needs a profile derives under a versioned rule: one per category and member (or household)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from domain.profile import BasicServices, Member, Profile, age_on
from domain.rules.flags import ADULT_AGE, derive_flags
from domain.vocabulary import NeedCategory, Severity

NEEDS_RULE_VERSION: Final = "needs-v1"

UNDER_FIVE: Final = 5
ECD_AGES: Final = range(3, 6)
COMPULSORY_SCHOOL_AGES: Final = range(7, 16)
YOUTH_AGES: Final = range(15, 35)
WORKING_AGES: Final = range(18, 65)
MAX_WATER_DISTANCE_M: Final = 200
DISABILITY_GRANTS: Final = frozenset(
    {"disability", "care_dependency", "grant_in_aid", "older_persons"}
)
CHILD_GRANTS: Final = frozenset({"child_support", "foster_child"})
UNEMPLOYED: Final = frozenset({"unemployed_seeking", "unemployed_not_seeking"})


@dataclass(frozen=True)
class DerivedNeed:
    category: NeedCategory
    severity: Severity
    department: str
    source_item: str  # path in the profile, e.g. "members[1].document_status"
    member_id: str | None  # None for a household-level need
    reason: str


@dataclass(frozen=True)
class _Person:
    path: str
    member: Member
    age: int


def derive_needs(profile: Profile, as_of: date) -> list[DerivedNeed]:
    """Needs in profile order (members first, then the household), the most severe per subject."""
    candidates: list[DerivedNeed] = []
    for index, member in enumerate(profile["members"]):
        person = _Person(f"members[{index}]", member, age_on(member["date_of_birth"], as_of))
        for member_rule in _MEMBER_RULES:
            need = member_rule(person, profile)
            if need is not None:
                candidates.append(need)
    for household_rule in _HOUSEHOLD_RULES:
        need = household_rule(profile, as_of)
        if need is not None:
            candidates.append(need)
    return _most_severe_per_subject(candidates)


# ---- predicates shared with the risk score ------------------------------------------------------


def grants_missed(member: Member) -> list[str]:
    """Grant types the member is eligible for but does not receive."""
    return [g["grant_type"] for g in member["grants"] if g["status"] == "eligible_not_receiving"]


def disability_without_grant(member: Member) -> bool:
    """A disability, and no disability-related grant received or applied for."""
    return member["disability"]["type"] != "none" and not any(
        g["grant_type"] in DISABILITY_GRANTS and g["status"] in ("receiving", "applied")
        for g in member["grants"]
    )


def out_of_school(member: Member, age: int) -> bool:
    """A child of compulsory school age (7-15) reported as not attending."""
    return age in COMPULSORY_SCHOOL_AGES and member["schooling"]["attending"] is False


def neet_youth(member: Member, age: int) -> bool:
    """A youth (15-34) not in employment, education or training."""
    return (
        age in YOUTH_AGES
        and member["employment"] in UNEMPLOYED
        and member["schooling"]["attending"] is not True
    )


def inadequate_water(services: BasicServices) -> bool:
    """Water from a river, dam or tanker, or more than 200 m away."""
    return (
        services["water_source"] in ("river_or_dam", "tanker")
        or services["water_distance_m"] > MAX_WATER_DISTANCE_M
    )


# ---- member rules --------------------------------------------------------------------------------


def _need(
    category: NeedCategory,
    severity: Severity,
    department: str,
    source: str,
    person: _Person | None,
    reason: str,
) -> DerivedNeed:
    member_id = person.member["member_id"] if person is not None else None
    return DerivedNeed(category, severity, department, source, member_id, reason)


def _documents(p: _Person, _: Profile) -> DerivedNeed | None:
    if p.member["document_status"] != "none":
        return None
    if p.age < ADULT_AGE:
        return _need(
            NeedCategory.DOCUMENTS,
            Severity.HIGH,
            "DHA",
            f"{p.path}.document_status",
            p,
            f"child (age {p.age}) has no birth certificate",
        )
    return _need(
        NeedCategory.DOCUMENTS,
        Severity.MEDIUM,
        "DHA",
        f"{p.path}.document_status",
        p,
        "adult has no ID document",
    )


def _grants(p: _Person, profile: Profile) -> DerivedNeed | None:
    missed = grants_missed(p.member)
    if not missed:
        return None
    first = next(i for i, g in enumerate(p.member["grants"]) if g["grant_type"] == missed[0])
    # Foster care needs a DSD social worker and a court order before SASSA can pay.
    department = "DSD" if "foster_child" in missed else "SASSA"
    no_income = profile["livelihood"]["main_income_source"] == "none"
    names = ", ".join(g.replace("_", " ") + " grant" for g in missed)
    return _need(
        NeedCategory.SOCIAL_GRANT,
        Severity.HIGH if no_income else Severity.MEDIUM,
        department,
        f"{p.path}.grants[{first}].status",
        p,
        f"eligible for but not receiving: {names}",
    )


def _orphan_without_child_grant(p: _Person, _: Profile) -> DerivedNeed | None:
    if p.member["orphan_status"] != "double" or p.age >= ADULT_AGE:
        return None
    if any(
        g["grant_type"] in CHILD_GRANTS and g["status"] != "not_eligible"
        for g in p.member["grants"]
    ):
        return None
    return _need(
        NeedCategory.SOCIAL_GRANT,
        Severity.MEDIUM,
        "DSD",
        f"{p.path}.orphan_status",
        p,
        f"double orphan (age {p.age}) with no child grant: assess for foster care",
    )


def _disability(p: _Person, _: Profile) -> DerivedNeed | None:
    disability = p.member["disability"]
    if disability["type"] == "none":
        return None
    if disability["assistive_device_needed"]:
        return _need(
            NeedCategory.DISABILITY,
            Severity.MEDIUM,
            "DOH",
            f"{p.path}.disability.assistive_device_needed",
            p,
            "needs an assistive device",
        )
    if any(g["grant_type"] in DISABILITY_GRANTS for g in p.member["grants"]):
        return None  # a grant is received, applied for, refused, or raised by _grants
    return _need(
        NeedCategory.DISABILITY,
        Severity.MEDIUM,
        "SASSA",
        f"{p.path}.disability.type",
        p,
        "has a disability and no disability-related grant on record: assess eligibility",
    )


def _tb(p: _Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["tb_symptom_screen_positive"]:
        return None
    return _need(
        NeedCategory.HEALTH_TB,
        Severity.HIGH,
        "DOH",
        f"{p.path}.health.tb_symptom_screen_positive",
        p,
        "TB symptom screen positive: refer to the clinic for testing",
    )


def _chronic(p: _Person, _: Profile) -> DerivedNeed | None:
    health = p.member["health"]
    if health["defaulting_treatment"]:
        return _need(
            NeedCategory.HEALTH_CHRONIC,
            Severity.HIGH,
            "DOH",
            f"{p.path}.health.defaulting_treatment",
            p,
            "defaulting on treatment",
        )
    if health["chronic_condition_category"] != "none" and not health["on_treatment"]:
        return _need(
            NeedCategory.HEALTH_CHRONIC,
            Severity.MEDIUM,
            "DOH",
            f"{p.path}.health.on_treatment",
            p,
            "chronic condition not on treatment",
        )
    return None


def _teenage_pregnancy(p: _Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["pregnant"] or p.age >= ADULT_AGE:
        return None
    return _need(
        NeedCategory.HEALTH_MATERNAL,
        Severity.HIGH,
        "DOH",
        f"{p.path}.health.pregnant",
        p,
        f"pregnant at age {p.age}",
    )


def _immunisation(p: _Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["missed_immunisation"]:
        return None
    # Child immunisation is part of maternal and child health; there is no separate category.
    return _need(
        NeedCategory.HEALTH_MATERNAL,
        Severity.MEDIUM,
        "DOH",
        f"{p.path}.health.missed_immunisation",
        p,
        f"missed immunisation (age {p.age})",
    )


def _malnutrition(p: _Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["suspected_malnutrition"]:
        return None
    if p.age < UNDER_FIVE:
        severity, who = Severity.CRITICAL, f"child under five (age {p.age})"
    elif p.age < ADULT_AGE:
        severity, who = Severity.HIGH, f"child (age {p.age})"
    else:
        severity, who = Severity.MEDIUM, "adult"
    return _need(
        NeedCategory.NUTRITION,
        severity,
        "DOH",
        f"{p.path}.health.suspected_malnutrition",
        p,
        f"suspected malnutrition: {who}",
    )


def _schooling(p: _Person, _: Profile) -> DerivedNeed | None:
    schooling = p.member["schooling"]
    if out_of_school(p.member, p.age):
        return _need(
            NeedCategory.EDUCATION,
            Severity.HIGH,
            "DBE",
            f"{p.path}.schooling.attending",
            p,
            f"child of compulsory school age (age {p.age}) not attending school",
        )
    if p.age in ECD_AGES and schooling["ecd_attendance"] is False:
        return _need(
            NeedCategory.EDUCATION,
            Severity.LOW,
            "DBE",
            f"{p.path}.schooling.ecd_attendance",
            p,
            f"child (age {p.age}) not in early childhood development",
        )
    return None


def _livelihood(p: _Person, _: Profile) -> DerivedNeed | None:
    if neet_youth(p.member, p.age):
        return _need(
            NeedCategory.LIVELIHOOD,
            Severity.MEDIUM,
            "DEL",
            f"{p.path}.employment",
            p,
            f"youth (age {p.age}) not in employment, education or training",
        )
    if p.age in WORKING_AGES and p.member["employment"] == "unemployed_seeking":
        return _need(
            NeedCategory.LIVELIHOOD,
            Severity.LOW,
            "DEL",
            f"{p.path}.employment",
            p,
            "unemployed and seeking work",
        )
    return None


_MEMBER_RULES: Final[tuple[Callable[[_Person, Profile], DerivedNeed | None], ...]] = (
    _documents,
    _grants,
    _orphan_without_child_grant,
    _disability,
    _tb,
    _chronic,
    _teenage_pregnancy,
    _immunisation,
    _malnutrition,
    _schooling,
    _livelihood,
)


# ---- household rules -----------------------------------------------------------------------------


def _child_abuse(profile: Profile, _: date) -> DerivedNeed | None:
    if not profile["social_ills"]["child_abuse_concern"]:
        return None
    return _need(
        NeedCategory.CHILD_PROTECTION,
        Severity.CRITICAL,
        "DSD",
        "social_ills.child_abuse_concern",
        None,
        "child abuse or neglect concern: mandatory Form 22 report to DSD",
    )


def _child_headed(profile: Profile, as_of: date) -> DerivedNeed | None:
    if not derive_flags(profile, as_of).child_headed:
        return None
    return _need(
        NeedCategory.CHILD_PROTECTION,
        Severity.HIGH,
        "DSD",
        "members",
        None,
        "child-headed household: no adult member, or a head under 18",
    )


def _gbv(profile: Profile, _: date) -> DerivedNeed | None:
    if not profile["social_ills"]["gbv_disclosed_or_suspected"]:
        return None
    return _need(
        NeedCategory.GBV,
        Severity.HIGH,
        "SAPS",
        "social_ills.gbv_disclosed_or_suspected",
        None,
        "gender-based violence disclosed or suspected",
    )


def _substance_abuse(profile: Profile, _: date) -> DerivedNeed | None:
    if not profile["social_ills"]["substance_abuse"]:
        return None
    return _need(
        NeedCategory.SUBSTANCE_ABUSE,
        Severity.MEDIUM,
        "DSD",
        "social_ills.substance_abuse",
        None,
        "substance abuse in the household",
    )


def _crime_victim(profile: Profile, _: date) -> DerivedNeed | None:
    if not profile["social_ills"]["crime_victim"]:
        return None
    return _need(
        NeedCategory.OTHER,
        Severity.LOW,
        "SAPS",
        "social_ills.crime_victim",
        None,
        "victim of crime: victim support",
    )


def _food_security(profile: Profile, _: date) -> DerivedNeed | None:
    food = profile["food_security"]
    days, hungry = food["days_skipped_meal_last_7"], food["child_went_hungry"]
    source = "food_security." + ("child_went_hungry" if hungry else "days_skipped_meal_last_7")
    if hungry and days >= 5:
        severity = Severity.CRITICAL
    elif hungry or days >= 3:
        severity = Severity.HIGH
    elif days >= 1:
        severity = Severity.MEDIUM
    else:
        return None
    reason = f"meals skipped on {days} of the last 7 days"
    if hungry:
        reason += " and a child went hungry"
    return _need(NeedCategory.FOOD_SECURITY, severity, "DSD", source, None, reason)


def _food_garden(profile: Profile, _: date) -> DerivedNeed | None:
    food = profile["food_security"]
    insecure = food["days_skipped_meal_last_7"] > 0 or food["child_went_hungry"]
    if not insecure or food["food_garden"]:
        return None
    return _need(
        NeedCategory.LIVELIHOOD,
        Severity.LOW,
        "DARD",
        "food_security.food_garden",
        None,
        "food-insecure household without a food garden (One Home One Garden)",
    )


def _water(profile: Profile, _: date) -> DerivedNeed | None:
    services = profile["basic_services"]
    if not inadequate_water(services):
        return None
    if services["water_source"] == "river_or_dam":
        return _need(
            NeedCategory.WATER,
            Severity.HIGH,
            "MUNI",
            "basic_services.water_source",
            None,
            "drinking water from a river or dam",
        )
    if services["water_source"] == "tanker":
        return _need(
            NeedCategory.WATER,
            Severity.MEDIUM,
            "MUNI",
            "basic_services.water_source",
            None,
            "water only from a tanker",
        )
    return _need(
        NeedCategory.WATER,
        Severity.MEDIUM,
        "MUNI",
        "basic_services.water_distance_m",
        None,
        f"water is {services['water_distance_m']} m away (more than {MAX_WATER_DISTANCE_M} m)",
    )


def _sanitation(profile: Profile, _: date) -> DerivedNeed | None:
    sanitation = profile["basic_services"]["sanitation"]
    if sanitation not in ("none", "bucket"):
        return None
    what = "no toilet" if sanitation == "none" else "bucket toilet"
    return _need(
        NeedCategory.SANITATION, Severity.MEDIUM, "MUNI", "basic_services.sanitation", None, what
    )


def _electricity(profile: Profile, _: date) -> DerivedNeed | None:
    if profile["basic_services"]["electricity"] != "none":
        return None
    return _need(
        NeedCategory.ELECTRICITY,
        Severity.LOW,
        "MUNI",
        "basic_services.electricity",
        None,
        "no electricity",
    )


def _housing(profile: Profile, _: date) -> DerivedNeed | None:
    dwelling_type = profile["dwelling"]["type"]
    if dwelling_type == "informal":
        severity, what = Severity.MEDIUM, "lives in an informal dwelling"
    elif dwelling_type == "backyard":
        severity, what = Severity.LOW, "lives in a backyard dwelling"
    else:
        return None
    return _need(NeedCategory.HOUSING, severity, "DHS", "dwelling.type", None, what)


_HOUSEHOLD_RULES: Final[tuple[Callable[[Profile, date], DerivedNeed | None], ...]] = (
    _child_abuse,
    _child_headed,
    _gbv,
    _substance_abuse,
    _crime_victim,
    _food_security,
    _food_garden,
    _water,
    _sanitation,
    _electricity,
    _housing,
)


def _most_severe_per_subject(candidates: list[DerivedNeed]) -> list[DerivedNeed]:
    """Keep one need per (category, member): the first of the most severe, at the first's place."""
    chosen: dict[tuple[NeedCategory, str | None], DerivedNeed] = {}
    for need in candidates:
        key = (need.category, need.member_id)
        if key not in chosen or need.severity.rank > chosen[key].severity.rank:
            chosen[key] = need
    return list(chosen.values())
