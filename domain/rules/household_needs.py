"""Needs of the household as a whole, under the needs rule (one function per need).

A rule reads the profile and the household's flags (``derive_flags``), worked out once by
whoever derives the needs (a profile's assessment works them out for its risk score too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from domain.profile import Profile
from domain.rules.derived_need import DerivedNeed, derived_need
from domain.rules.flags import HouseholdFlags
from domain.rules.need_predicates import MAX_WATER_DISTANCE_M, inadequate_water
from domain.vocabulary import NeedCategory, Severity


def _child_abuse(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    if not profile["social_ills"]["child_abuse_concern"]:
        return None
    return derived_need(
        NeedCategory.CHILD_PROTECTION,
        Severity.CRITICAL,
        "DSD",
        "social_ills.child_abuse_concern",
        None,
        "child abuse or neglect concern: mandatory Form 22 report to DSD",
    )


def _child_headed(_: Profile, flags: HouseholdFlags) -> DerivedNeed | None:
    if not flags.child_headed:
        return None
    return derived_need(
        NeedCategory.CHILD_PROTECTION,
        Severity.HIGH,
        "DSD",
        "members",
        None,
        "child-headed household: no adult member, or a head under 18",
    )


def _gbv(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    if not profile["social_ills"]["gbv_disclosed_or_suspected"]:
        return None
    return derived_need(
        NeedCategory.GBV,
        Severity.HIGH,
        "SAPS",
        "social_ills.gbv_disclosed_or_suspected",
        None,
        "gender-based violence disclosed or suspected",
    )


def _substance_abuse(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    if not profile["social_ills"]["substance_abuse"]:
        return None
    return derived_need(
        NeedCategory.SUBSTANCE_ABUSE,
        Severity.MEDIUM,
        "DSD",
        "social_ills.substance_abuse",
        None,
        "substance abuse in the household",
    )


def _crime_victim(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    if not profile["social_ills"]["crime_victim"]:
        return None
    return derived_need(
        NeedCategory.OTHER,
        Severity.LOW,
        "SAPS",
        "social_ills.crime_victim",
        None,
        "victim of crime: victim support",
    )


def _food_security(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
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
    return derived_need(NeedCategory.FOOD_SECURITY, severity, "DSD", source, None, reason)


def _food_garden(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    food = profile["food_security"]
    insecure = food["days_skipped_meal_last_7"] > 0 or food["child_went_hungry"]
    if not insecure or food["food_garden"]:
        return None
    return derived_need(
        NeedCategory.LIVELIHOOD,
        Severity.LOW,
        "DARD",
        "food_security.food_garden",
        None,
        "food-insecure household without a food garden (One Home One Garden)",
    )


def _water(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    services = profile["basic_services"]
    if not inadequate_water(services):
        return None
    if services["water_source"] == "river_or_dam":
        return derived_need(
            NeedCategory.WATER,
            Severity.HIGH,
            "MUNI",
            "basic_services.water_source",
            None,
            "drinking water from a river or dam",
        )
    if services["water_source"] == "tanker":
        return derived_need(
            NeedCategory.WATER,
            Severity.MEDIUM,
            "MUNI",
            "basic_services.water_source",
            None,
            "water only from a tanker",
        )
    return derived_need(
        NeedCategory.WATER,
        Severity.MEDIUM,
        "MUNI",
        "basic_services.water_distance_m",
        None,
        f"water is {services['water_distance_m']} m away (more than {MAX_WATER_DISTANCE_M} m)",
    )


def _sanitation(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    sanitation = profile["basic_services"]["sanitation"]
    if sanitation not in ("none", "bucket"):
        return None
    what = "no toilet" if sanitation == "none" else "bucket toilet"
    return derived_need(
        NeedCategory.SANITATION, Severity.MEDIUM, "MUNI", "basic_services.sanitation", None, what
    )


def _electricity(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    if profile["basic_services"]["electricity"] != "none":
        return None
    return derived_need(
        NeedCategory.ELECTRICITY,
        Severity.LOW,
        "MUNI",
        "basic_services.electricity",
        None,
        "no electricity",
    )


def _housing(profile: Profile, _: HouseholdFlags) -> DerivedNeed | None:
    dwelling_type = profile["dwelling"]["type"]
    if dwelling_type == "informal":
        severity, what = Severity.MEDIUM, "lives in an informal dwelling"
    elif dwelling_type == "backyard":
        severity, what = Severity.LOW, "lives in a backyard dwelling"
    else:
        return None
    return derived_need(NeedCategory.HOUSING, severity, "DHS", "dwelling.type", None, what)


HOUSEHOLD_RULES: Final[tuple[Callable[[Profile, HouseholdFlags], DerivedNeed | None], ...]] = (
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
