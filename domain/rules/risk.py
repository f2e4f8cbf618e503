"""An explainable household risk score: fixed points per risk factor, each factor counted once."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

from domain.profile import Member, Profile, age_on
from domain.rules.flags import ADULT_AGE, HouseholdFlags, derive_flags
from domain.rules.need_predicates import (
    UNDER_FIVE,
    disability_without_grant,
    grants_missed,
    inadequate_water,
    neet_youth,
    out_of_school,
)
from domain.vocabulary import RiskLevel

RISK_RULE_VERSION: Final = "risk-v1"
MAX_SCORE: Final = 100

# Reason key -> (points, what the reason says). The order is the order reasons are listed in.
# Reasons are read by whoever may read the household (analysts too), so a factor that is special
# personal information (POPIA s26: health, sex life, criminal behaviour) is named by the broader
# need it shows, and factors sharing a wording are listed once with their points summed.
CHILD_PROTECTION: Final = "child protection concern"
SAFETY: Final = "a safety concern in the household"
HEALTH: Final = "a member has a health need"
HEALTH_UNDER_FIVE: Final = "a child under five has a health need"
SOCIAL_SUPPORT: Final = "the household needs social support"
GRANT_TO_ASSESS: Final = "a member's grant eligibility is to be assessed"

RISK_FACTORS: Final[Mapping[str, tuple[int, str]]] = MappingProxyType(
    {
        "child_abuse_concern": (35, CHILD_PROTECTION),
        "child_headed": (30, "child-headed household"),
        "gbv": (25, SAFETY),
        "malnourished_under_five": (25, HEALTH_UNDER_FIVE),
        "child_hungry": (20, "a child went hungry in the last 7 days"),
        "skipped_meals_5_plus": (15, "meals skipped on 5 or more of the last 7 days"),
        "skipped_meals_3_plus": (10, "meals skipped on 3 or 4 of the last 7 days"),
        "tb_symptoms": (15, HEALTH),
        "defaulting_treatment": (15, HEALTH),
        "teenage_pregnancy": (15, HEALTH),
        "no_income": (15, "no household income"),
        "child_not_in_school": (15, "a child aged 7-15 not attending school"),
        "substance_abuse": (15, SOCIAL_SUPPORT),
        "malnourished": (10, HEALTH),
        "grants_missing": (10, "a member eligible for a grant does not receive it"),
        "no_documents": (10, "a member has no ID or birth certificate"),
        "disability_without_grant": (10, GRANT_TO_ASSESS),
        "orphans": (10, "orphaned children in the household"),
        "unsafe_water": (10, "unsafe or distant water"),
        "chronic_untreated": (10, HEALTH),
        "elderly_headed": (5, "elderly-headed household"),
        "no_sanitation": (5, "no toilet or a bucket toilet"),
        "no_electricity": (5, "no electricity"),
        "informal_dwelling": (5, "informal or backyard dwelling"),
        "missed_immunisation": (5, HEALTH),
        "neet_youth": (5, "a youth not in employment, education or training"),
        "crime_victim": (5, SAFETY),
    }
)
RISK_WEIGHTS: Final[Mapping[str, int]] = MappingProxyType(
    {key: points for key, (points, _) in RISK_FACTORS.items()}
)
# Upper bounds (exclusive) of each level; a score of 75 or more is critical.
RISK_LEVEL_THRESHOLDS: Final[tuple[tuple[int, RiskLevel], ...]] = (
    (25, RiskLevel.LOW),
    (50, RiskLevel.MEDIUM),
    (75, RiskLevel.HIGH),
)
_LEVEL_ORDER: Final = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)


@dataclass(frozen=True)
class RiskAssessment:
    score: int  # 0..100
    level: RiskLevel
    reasons: tuple[str, ...]
    rule_version: str = RISK_RULE_VERSION


def score_risk(
    profile: Profile, as_of: date, flags: HouseholdFlags | None = None
) -> RiskAssessment:
    """Sum the points of the factors present (capped at 100), then band the score into a level.
    ``flags``: the profile's as of ``as_of``, if the caller has them already."""
    present = _factors_present(profile, as_of, flags)
    score = min(MAX_SCORE, sum(RISK_WEIGHTS[key] for key in present))
    reasons = worded([(RISK_FACTORS[key][1], RISK_WEIGHTS[key]) for key in present])
    level = level_for(score)
    floor = _floor(present)
    if floor is not None and _LEVEL_ORDER.index(level) < _LEVEL_ORDER.index(RiskLevel.HIGH):
        level = RiskLevel.HIGH
        reasons.append(f"level raised to high: {floor}")
    return RiskAssessment(score, level, tuple(reasons))


def worded(factors: Sequence[tuple[str, int]]) -> list[str]:
    """``wording (+points)`` per wording, in first-seen order, points summed over its factors."""
    points: dict[str, int] = {}
    for wording, weight in factors:
        points[wording] = points.get(wording, 0) + weight
    return [f"{wording} (+{weight})" for wording, weight in points.items()]


def level_for(score: int) -> RiskLevel:
    """The level a score falls in, by RISK_LEVEL_THRESHOLDS."""
    for upper, level in RISK_LEVEL_THRESHOLDS:
        if score < upper:
            return level
    return RiskLevel.CRITICAL


def _floor(present: Collection[str]) -> str | None:
    """Why the level may not be below high, whatever the score."""
    if "child_abuse_concern" in present:
        return CHILD_PROTECTION
    if "child_headed" in present and "child_hungry" in present:
        return "child-headed household where a child went hungry"
    if "malnourished_under_five" in present:
        return HEALTH_UNDER_FIVE
    return None


def _factors_present(profile: Profile, as_of: date, flags: HouseholdFlags | None) -> list[str]:
    facts = risk_factors(profile, as_of, flags)
    return [key for key in RISK_FACTORS if facts[key]]


def risk_factors(
    profile: Profile, as_of: date, flags: HouseholdFlags | None = None
) -> dict[str, bool]:
    """Whether each factor of RISK_FACTORS holds for the profile (one pass over the members)."""
    if flags is None:
        flags = derive_flags(profile, as_of)
    member = _MemberFactors()
    for m in profile["members"]:
        member.add(m, age_on(m["date_of_birth"], as_of))
    food = profile["food_security"]
    ills = profile["social_ills"]
    services = profile["basic_services"]
    days = food["days_skipped_meal_last_7"]
    return {
        "child_abuse_concern": ills["child_abuse_concern"],
        "child_headed": flags.child_headed,
        "gbv": ills["gbv_disclosed_or_suspected"],
        "malnourished_under_five": member.malnourished_under_five,
        "child_hungry": food["child_went_hungry"],
        "skipped_meals_5_plus": days >= 5,
        "skipped_meals_3_plus": 3 <= days < 5,
        "tb_symptoms": member.tb_symptoms,
        "defaulting_treatment": member.defaulting_treatment,
        "teenage_pregnancy": member.teenage_pregnancy,
        "no_income": profile["livelihood"]["main_income_source"] == "none",
        "child_not_in_school": member.child_not_in_school,
        "substance_abuse": ills["substance_abuse"],
        "malnourished": member.malnourished,
        "grants_missing": member.grants_missing,
        "no_documents": member.no_documents,
        "disability_without_grant": member.disability_without_grant,
        "orphans": member.orphans,
        "unsafe_water": inadequate_water(services),
        "chronic_untreated": member.chronic_untreated,
        "elderly_headed": flags.elderly_headed,
        "no_sanitation": services["sanitation"] in ("none", "bucket"),
        "no_electricity": services["electricity"] == "none",
        "informal_dwelling": profile["dwelling"]["type"] in ("informal", "backyard"),
        "missed_immunisation": member.missed_immunisation,
        "neet_youth": member.neet_youth,
        "crime_victim": ills["crime_victim"],
    }


@dataclass(slots=True)
class _MemberFactors:
    """The member factors, each true once any member shows it (a predicate that already
    holds is not asked again of the next members)."""

    malnourished_under_five: bool = False
    malnourished: bool = False
    tb_symptoms: bool = False
    defaulting_treatment: bool = False
    teenage_pregnancy: bool = False
    child_not_in_school: bool = False
    grants_missing: bool = False
    no_documents: bool = False
    disability_without_grant: bool = False
    orphans: bool = False
    chronic_untreated: bool = False
    missed_immunisation: bool = False
    neet_youth: bool = False

    def add(self, m: Member, age: int) -> None:
        h = m["health"]
        if h["suspected_malnutrition"]:
            if age < UNDER_FIVE:
                self.malnourished_under_five = True
            else:
                self.malnourished = True
        if h["tb_symptom_screen_positive"]:
            self.tb_symptoms = True
        if h["defaulting_treatment"]:
            self.defaulting_treatment = True
        elif h["chronic_condition_category"] != "none" and not h["on_treatment"]:
            self.chronic_untreated = True
        if h["pregnant"] and age < ADULT_AGE:
            self.teenage_pregnancy = True
        if h["missed_immunisation"]:
            self.missed_immunisation = True
        if not self.child_not_in_school and out_of_school(m, age):
            self.child_not_in_school = True
        if not self.grants_missing and grants_missed(m):
            self.grants_missing = True
        if m["document_status"] == "none":
            self.no_documents = True
        if not self.disability_without_grant and disability_without_grant(m):
            self.disability_without_grant = True
        if m["orphan_status"] != "none" and age < ADULT_AGE:
            self.orphans = True
        if not self.neet_youth and neet_youth(m, age):
            self.neet_youth = True
