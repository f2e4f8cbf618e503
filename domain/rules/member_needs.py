"""Needs of one member of a household, under the needs rule (one function per need)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from domain.profile import Profile
from domain.rules.derived_need import DerivedNeed, Person, derived_need
from domain.rules.flags import ADULT_AGE
from domain.rules.need_predicates import (
    CHILD_GRANTS,
    DISABILITY_GRANTS,
    ECD_AGES,
    UNDER_FIVE,
    WORKING_AGES,
    grants_missed,
    neet_youth,
    out_of_school,
)
from domain.vocabulary import NeedCategory, Severity


def _documents(p: Person, _: Profile) -> DerivedNeed | None:
    if p.member["document_status"] != "none":
        return None
    if p.age < ADULT_AGE:
        return derived_need(
            NeedCategory.DOCUMENTS,
            Severity.HIGH,
            "DHA",
            f"{p.path}.document_status",
            p,
            f"child (age {p.age}) has no birth certificate",
        )
    return derived_need(
        NeedCategory.DOCUMENTS,
        Severity.MEDIUM,
        "DHA",
        f"{p.path}.document_status",
        p,
        "adult has no ID document",
    )


def _grants(p: Person, profile: Profile) -> DerivedNeed | None:
    missed = grants_missed(p.member)
    if not missed:
        return None
    first = next(i for i, g in enumerate(p.member["grants"]) if g["grant_type"] == missed[0])
    # Foster care needs a DSD social worker and a court order before SASSA can pay.
    department = "DSD" if "foster_child" in missed else "SASSA"
    no_income = profile["livelihood"]["main_income_source"] == "none"
    names = ", ".join(g.replace("_", " ") + " grant" for g in missed)
    return derived_need(
        NeedCategory.SOCIAL_GRANT,
        Severity.HIGH if no_income else Severity.MEDIUM,
        department,
        f"{p.path}.grants[{first}].status",
        p,
        f"eligible for but not receiving: {names}",
    )


def _orphan_without_child_grant(p: Person, _: Profile) -> DerivedNeed | None:
    if p.member["orphan_status"] != "double" or p.age >= ADULT_AGE:
        return None
    if any(
        g["grant_type"] in CHILD_GRANTS and g["status"] != "not_eligible"
        for g in p.member["grants"]
    ):
        return None
    return derived_need(
        NeedCategory.SOCIAL_GRANT,
        Severity.MEDIUM,
        "DSD",
        f"{p.path}.orphan_status",
        p,
        f"double orphan (age {p.age}) with no child grant: assess for foster care",
    )


def _disability(p: Person, _: Profile) -> DerivedNeed | None:
    disability = p.member["disability"]
    if disability["type"] == "none":
        return None
    if disability["assistive_device_needed"]:
        return derived_need(
            NeedCategory.DISABILITY,
            Severity.MEDIUM,
            "DOH",
            f"{p.path}.disability.assistive_device_needed",
            p,
            "needs an assistive device",
        )
    if any(g["grant_type"] in DISABILITY_GRANTS for g in p.member["grants"]):
        return None  # a grant is received, applied for, refused, or raised by _grants
    return derived_need(
        NeedCategory.DISABILITY,
        Severity.MEDIUM,
        "SASSA",
        f"{p.path}.disability.type",
        p,
        "has a disability and no disability-related grant on record: assess eligibility",
    )


def _tb(p: Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["tb_symptom_screen_positive"]:
        return None
    return derived_need(
        NeedCategory.HEALTH_TB,
        Severity.HIGH,
        "DOH",
        f"{p.path}.health.tb_symptom_screen_positive",
        p,
        "TB symptom screen positive: refer to the clinic for testing",
    )


def _chronic(p: Person, _: Profile) -> DerivedNeed | None:
    health = p.member["health"]
    if health["defaulting_treatment"]:
        return derived_need(
            NeedCategory.HEALTH_CHRONIC,
            Severity.HIGH,
            "DOH",
            f"{p.path}.health.defaulting_treatment",
            p,
            "defaulting on treatment",
        )
    if health["chronic_condition_category"] != "none" and not health["on_treatment"]:
        return derived_need(
            NeedCategory.HEALTH_CHRONIC,
            Severity.MEDIUM,
            "DOH",
            f"{p.path}.health.on_treatment",
            p,
            "chronic condition not on treatment",
        )
    return None


def _teenage_pregnancy(p: Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["pregnant"] or p.age >= ADULT_AGE:
        return None
    return derived_need(
        NeedCategory.HEALTH_MATERNAL,
        Severity.HIGH,
        "DOH",
        f"{p.path}.health.pregnant",
        p,
        f"pregnant at age {p.age}",
    )


def _immunisation(p: Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["missed_immunisation"]:
        return None
    # Child immunisation is part of maternal and child health; there is no separate category.
    return derived_need(
        NeedCategory.HEALTH_MATERNAL,
        Severity.MEDIUM,
        "DOH",
        f"{p.path}.health.missed_immunisation",
        p,
        f"missed immunisation (age {p.age})",
    )


def _malnutrition(p: Person, _: Profile) -> DerivedNeed | None:
    if not p.member["health"]["suspected_malnutrition"]:
        return None
    if p.age < UNDER_FIVE:
        severity, who = Severity.CRITICAL, f"child under five (age {p.age})"
    elif p.age < ADULT_AGE:
        severity, who = Severity.HIGH, f"child (age {p.age})"
    else:
        severity, who = Severity.MEDIUM, "adult"
    return derived_need(
        NeedCategory.NUTRITION,
        severity,
        "DOH",
        f"{p.path}.health.suspected_malnutrition",
        p,
        f"suspected malnutrition: {who}",
    )


def _schooling(p: Person, _: Profile) -> DerivedNeed | None:
    schooling = p.member["schooling"]
    if out_of_school(p.member, p.age):
        return derived_need(
            NeedCategory.EDUCATION,
            Severity.HIGH,
            "DBE",
            f"{p.path}.schooling.attending",
            p,
            f"child of compulsory school age (age {p.age}) not attending school",
        )
    if p.age in ECD_AGES and schooling["ecd_attendance"] is False:
        return derived_need(
            NeedCategory.EDUCATION,
            Severity.LOW,
            "DBE",
            f"{p.path}.schooling.ecd_attendance",
            p,
            f"child (age {p.age}) not in early childhood development",
        )
    return None


def _livelihood(p: Person, _: Profile) -> DerivedNeed | None:
    if neet_youth(p.member, p.age):
        return derived_need(
            NeedCategory.LIVELIHOOD,
            Severity.MEDIUM,
            "DEL",
            f"{p.path}.employment",
            p,
            f"youth (age {p.age}) not in employment, education or training",
        )
    if p.age in WORKING_AGES and p.member["employment"] == "unemployed_seeking":
        return derived_need(
            NeedCategory.LIVELIHOOD,
            Severity.LOW,
            "DEL",
            f"{p.path}.employment",
            p,
            "unemployed and seeking work",
        )
    return None


MEMBER_RULES: Final[tuple[Callable[[Person, Profile], DerivedNeed | None], ...]] = (
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
