"""The risk score, the flags, the special facts and the needs rule give exactly what they gave
before risk17 made them cheaper (one pass over the members, no enum hashing on the way): the
implementations as they were are kept here, and both read the same generated profiles."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from typing import Any, get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import profile as vocab
from domain.households.application import assess
from domain.profile import Profile, age_on, head_of
from domain.rules.derived_need import DerivedNeed, Person
from domain.rules.flags import ADULT_AGE, ELDERLY_AGE, HouseholdFlags, derive_flags
from domain.rules.household_needs import HOUSEHOLD_RULES
from domain.rules.member_needs import MEMBER_RULES
from domain.rules.need_predicates import (
    UNDER_FIVE,
    disability_without_grant,
    grants_missed,
    inadequate_water,
    neet_youth,
    out_of_school,
)
from domain.rules.needs import derive_needs
from domain.rules.risk import RISK_FACTORS, RISK_WEIGHTS, level_for, risk_factors, worded
from domain.vocabulary import NeedCategory, RiskLevel

AS_OF = date(2025, 6, 1)


def _one_of(literal: Any) -> st.SearchStrategy[str]:
    return st.sampled_from(get_args(literal))


# Ages 0-95, with birthdays on and either side of the day the rules are evaluated on.
_born = st.builds(
    lambda years, days: (AS_OF - timedelta(days=round(years * 365.25) + days)).isoformat(),
    st.integers(0, 95),
    st.integers(-2, 2),
)
_grant = st.fixed_dictionaries(
    {"grant_type": _one_of(vocab.GrantType), "status": _one_of(vocab.GrantStatus)}
)
_member = st.fixed_dictionaries(
    {
        "member_id": st.uuids().map(str),
        "sex": _one_of(vocab.Sex),
        "date_of_birth": _born,
        "relation": _one_of(vocab.Relation),
        "document_status": _one_of(vocab.DocumentStatus),
        "grants": st.lists(_grant, max_size=3),
        "disability": st.fixed_dictionaries(
            {"type": _one_of(vocab.DisabilityType), "assistive_device_needed": st.booleans()}
        ),
        "health": st.fixed_dictionaries(
            {
                "chronic_condition_category": _one_of(vocab.ChronicConditionCategory),
                "tb_symptom_screen_positive": st.booleans(),
                "on_treatment": st.booleans(),
                "defaulting_treatment": st.booleans(),
                "pregnant": st.booleans(),
                "missed_immunisation": st.booleans(),
                "suspected_malnutrition": st.booleans(),
            }
        ),
        "schooling": st.fixed_dictionaries(
            {"attending": st.sampled_from([True, False, None]), "ecd_attendance": st.none()}
        ),
        "orphan_status": _one_of(vocab.OrphanStatus),
        "employment": _one_of(vocab.Employment),
    }
)
profiles = st.fixed_dictionaries(
    {
        "members": st.lists(_member, min_size=1, max_size=7),
        "dwelling": st.fixed_dictionaries({"type": _one_of(vocab.DwellingType)}),
        "livelihood": st.fixed_dictionaries({"main_income_source": _one_of(vocab.IncomeSource)}),
        "food_security": st.fixed_dictionaries(
            {
                "days_skipped_meal_last_7": st.integers(0, 7),
                "child_went_hungry": st.booleans(),
                "food_garden": st.booleans(),
            }
        ),
        "basic_services": st.fixed_dictionaries(
            {
                "water_source": _one_of(vocab.WaterSource),
                "water_distance_m": st.sampled_from([0, 50, 199, 200, 201, 1000]),
                "sanitation": _one_of(vocab.Sanitation),
                "electricity": _one_of(vocab.Electricity),
            }
        ),
        "social_ills": st.fixed_dictionaries(
            {
                "substance_abuse": st.booleans(),
                "gbv_disclosed_or_suspected": st.booleans(),
                "child_abuse_concern": st.booleans(),
                "crime_victim": st.booleans(),
            }
        ),
    }
)


@settings(max_examples=400, deadline=None)
@given(profiles, st.sampled_from([AS_OF, date(2026, 2, 28), date(2024, 2, 29)]))
def test_the_rules_give_what_they_gave(raw: dict[str, Any], on: date) -> None:
    profile: Profile = raw  # type: ignore[assignment]
    flags = derive_flags(profile, on)
    assert flags == _old_flags(profile, on)
    assert flags.as_list() == [f.name for f in fields(flags) if getattr(flags, f.name)]
    assert risk_factors(profile, on) == _old_risk_factors(profile, on, flags)
    assert assess(profile, on) == _old_assess(profile, on)
    assert derive_needs(profile, on) == _old_derive_needs(profile, on, flags)
    assert derive_needs(profile, on, flags) == _old_derive_needs(profile, on, flags)


# --- the rules as they were before risk17 ---


def _old_flags(profile: Profile, as_of: date) -> HouseholdFlags:
    members = profile["members"]
    head = head_of(profile)
    head_age = age_on(head["date_of_birth"], as_of) if head is not None else None
    no_adult = all(age_on(m["date_of_birth"], as_of) < ADULT_AGE for m in members)
    elderly_headed = head_age is not None and head_age >= ELDERLY_AGE
    orphan_grandchild = any(
        m["relation"] == "grandchild"
        and m["orphan_status"] != "none"
        and age_on(m["date_of_birth"], as_of) < ADULT_AGE
        for m in members
    )
    return HouseholdFlags(
        child_headed=no_adult or (head_age is not None and head_age < ADULT_AGE),
        elderly_headed=elderly_headed,
        female_headed=head is not None and head["sex"] == "female",
        grandparent_caring_for_orphans=elderly_headed and orphan_grandchild,
    )


def _old_risk_factors(profile: Profile, as_of: date, flags: HouseholdFlags) -> dict[str, bool]:
    members = [(m, age_on(m["date_of_birth"], as_of)) for m in profile["members"]]
    health = [(m["health"], age) for m, age in members]
    food = profile["food_security"]
    ills = profile["social_ills"]
    services = profile["basic_services"]
    days = food["days_skipped_meal_last_7"]
    return {
        "child_abuse_concern": ills["child_abuse_concern"],
        "child_headed": flags.child_headed,
        "gbv": ills["gbv_disclosed_or_suspected"],
        "malnourished_under_five": any(
            h["suspected_malnutrition"] and age < UNDER_FIVE for h, age in health
        ),
        "child_hungry": food["child_went_hungry"],
        "skipped_meals_5_plus": days >= 5,
        "skipped_meals_3_plus": 3 <= days < 5,
        "tb_symptoms": any(h["tb_symptom_screen_positive"] for h, _ in health),
        "defaulting_treatment": any(h["defaulting_treatment"] for h, _ in health),
        "teenage_pregnancy": any(h["pregnant"] and age < ADULT_AGE for h, age in health),
        "no_income": profile["livelihood"]["main_income_source"] == "none",
        "child_not_in_school": any(out_of_school(m, age) for m, age in members),
        "substance_abuse": ills["substance_abuse"],
        "malnourished": any(h["suspected_malnutrition"] and age >= UNDER_FIVE for h, age in health),
        "grants_missing": any(grants_missed(m) for m, _ in members),
        "no_documents": any(m["document_status"] == "none" for m, _ in members),
        "disability_without_grant": any(disability_without_grant(m) for m, _ in members),
        "orphans": any(m["orphan_status"] != "none" and age < ADULT_AGE for m, age in members),
        "unsafe_water": inadequate_water(services),
        "chronic_untreated": any(
            h["chronic_condition_category"] != "none"
            and not h["on_treatment"]
            and not h["defaulting_treatment"]
            for h, _ in health
        ),
        "elderly_headed": flags.elderly_headed,
        "no_sanitation": services["sanitation"] in ("none", "bucket"),
        "no_electricity": services["electricity"] == "none",
        "informal_dwelling": profile["dwelling"]["type"] in ("informal", "backyard"),
        "missed_immunisation": any(h["missed_immunisation"] for h, _ in health),
        "neet_youth": any(neet_youth(m, age) for m, age in members),
        "crime_victim": ills["crime_victim"],
    }


_ORDER = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)


def _old_assess(profile: Profile, on: date) -> tuple[dict[str, int], dict[str, Any]]:
    flags = _old_flags(profile, on)
    facts = _old_risk_factors(profile, on, flags)
    present = [key for key in RISK_FACTORS if facts[key]]
    score = min(100, sum(RISK_WEIGHTS[key] for key in present))
    reasons = worded([(RISK_FACTORS[key][1], RISK_WEIGHTS[key]) for key in present])
    level = level_for(score)
    floor = None
    if "child_abuse_concern" in present:
        floor = "child protection concern"
    elif "child_headed" in present and "child_hungry" in present:
        floor = "child-headed household where a child went hungry"
    elif "malnourished_under_five" in present:
        floor = "a child under five has a health need"
    if floor is not None and _ORDER.index(level) < _ORDER.index(RiskLevel.HIGH):
        level = RiskLevel.HIGH
        reasons.append(f"level raised to high: {floor}")
    return _old_special_facts(profile), {
        "score": score,
        "level": str(level),
        "reasons": reasons,
        "flags": [f.name for f in fields(flags) if getattr(flags, f.name)],
        "rule_version": "risk-v1",
    }


def _old_special_facts(profile: Any) -> dict[str, int]:
    def health_need(health: Any) -> bool:
        chronic = health.get("chronic_condition_category", "none") != "none"
        return (chronic and not health.get("on_treatment")) or any(
            health.get(answer)
            for answer in (
                "tb_symptom_screen_positive",
                "defaulting_treatment",
                "pregnant",
                "missed_immunisation",
                "suspected_malnutrition",
            )
        )

    members = profile["members"]
    return {
        "members": len(members),
        "members_with_health_need": sum(health_need(m.get("health", {})) for m in members),
        "members_with_disability": sum(
            m.get("disability", {}).get("type", "none") != "none" for m in members
        ),
        "social_concerns": sum(bool(v) for v in profile.get("social_ills", {}).values()),
    }


def _old_derive_needs(profile: Profile, as_of: date, flags: HouseholdFlags) -> list[DerivedNeed]:
    candidates: list[DerivedNeed] = []
    for index, member in enumerate(profile["members"]):
        person = Person(f"members[{index}]", member, age_on(member["date_of_birth"], as_of))
        for member_rule in MEMBER_RULES:
            need = member_rule(person, profile)
            if need is not None:
                candidates.append(need)
    for household_rule in HOUSEHOLD_RULES:
        need = household_rule(profile, flags)
        if need is not None:
            candidates.append(need)
    chosen: dict[tuple[NeedCategory, str | None], DerivedNeed] = {}
    for need in candidates:
        key = (need.category, need.member_id)
        if key not in chosen or need.severity.rank > chosen[key].severity.rank:
            chosen[key] = need
    return list(chosen.values())
