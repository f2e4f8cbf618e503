"""Graduation policy v1 (oss-domain.md §4.3): when a household may exit active case management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from domain.personal_data import ERASED
from domain.profile import Profile, age_on
from domain.rules.need_predicates import COMPULSORY_SCHOOL_AGES, grants_missed

GRADUATION_POLICY_VERSION: Final = "graduation-v1"
MIN_DAYS_SINCE_FIRST_PROFILE: Final = 182
MAX_DAYS_SINCE_LAST_VISIT: Final = 60
RECENT_REPORTS_CHECKED: Final = 2
# Criterion keys, in the policy's order; an unmet criterion is reported as "key: why".
GRADUATION_CRITERIA: Final = (
    "profile",
    "open_high_needs",
    "documents",
    "grants",
    "schooling",
    "food_security",
    "income",
    "time_in_programme",
    "recent_visit",
)


@dataclass(frozen=True)
class GraduationFacts:
    as_of: date
    open_needs_high_or_critical: int
    latest_profile: Profile | None
    first_profile_on: date | None
    last_visit_on: date | None
    skipped_meals_recent: tuple[int, ...]  # days_skipped_meal_last_7 per report, newest first


@dataclass(frozen=True)
class GraduationDecision:
    eligible: bool
    unmet: tuple[str, ...]
    policy_version: str
    evidence: dict[str, object]  # JSON-safe snapshot of the facts the decision used


def evaluate_graduation(facts: GraduationFacts) -> GraduationDecision:
    """Check every criterion of the policy; eligible only when none is unmet."""
    unmet: list[str] = []
    evidence: dict[str, object] = {
        "as_of": facts.as_of.isoformat(),
        "open_needs_high_or_critical": facts.open_needs_high_or_critical,
        "first_profile_on": _iso(facts.first_profile_on),
        "last_visit_on": _iso(facts.last_visit_on),
        "skipped_meals_recent": list(facts.skipped_meals_recent[:RECENT_REPORTS_CHECKED]),
    }
    profile = facts.latest_profile
    if profile is None:
        unmet.append("profile: the household has not been profiled")
    if facts.open_needs_high_or_critical > 0:
        count = _count(
            facts.open_needs_high_or_critical,
            "high or critical need is",
            "high or critical needs are",
        )
        unmet.append(f"open_high_needs: {count} still open")
    if profile is not None:
        unmet.extend(_profile_criteria(profile, facts, evidence))
    unmet.extend(_time_criteria(facts, evidence))
    return GraduationDecision(not unmet, tuple(unmet), GRADUATION_POLICY_VERSION, evidence)


def _profile_criteria(
    profile: Profile, facts: GraduationFacts, evidence: dict[str, object]
) -> list[str]:
    members = profile["members"]
    undocumented = [m["member_id"] for m in members if m["document_status"] == "none"]
    missing_grants = [m["member_id"] for m in members if grants_missed(m)]
    out_of_school = [
        m["member_id"]
        for m in members
        # An erased birth date (POPIA) leaves the age unknown: the school check cannot apply.
        if m["date_of_birth"] != ERASED
        and age_on(m["date_of_birth"], facts.as_of) in COMPULSORY_SCHOOL_AGES
        and m["schooling"]["attending"] is not True
    ]
    profile_days = profile["food_security"]["days_skipped_meal_last_7"]
    recent = facts.skipped_meals_recent[:RECENT_REPORTS_CHECKED]
    livelihood = profile["livelihood"]
    evidence.update(
        {
            "members": len(members),
            "members_without_documents": undocumented,
            "members_missing_grants": missing_grants,
            "children_7_15_not_attending": out_of_school,
            "profile_days_skipped_meal_last_7": profile_days,
            "main_income_source": livelihood["main_income_source"],
            "livelihood_link": livelihood["livelihood_link"],
        }
    )
    unmet: list[str] = []
    if undocumented:
        count = _count(len(undocumented), "member has", "members have")
        unmet.append(f"documents: {count} no ID or birth certificate and no application")
    if missing_grants:
        count = _count(len(missing_grants), "member does", "members do")
        unmet.append(f"grants: {count} not receive a grant they are eligible for")
    if out_of_school:
        count = _count(len(out_of_school), "child aged 7-15 is", "children aged 7-15 are")
        unmet.append(f"schooling: {count} not known to attend school")
    if profile_days > 0 or any(days > 0 for days in recent):
        unmet.append(
            "food_security: meals were skipped in the latest profile or the last two reports"
        )
    if livelihood["main_income_source"] == "none" and not livelihood["livelihood_link"]:
        unmet.append("income: no income source and no livelihood link")
    return unmet


def _time_criteria(facts: GraduationFacts, evidence: dict[str, object]) -> list[str]:
    unmet: list[str] = []
    if facts.first_profile_on is None:
        unmet.append("time_in_programme: the household has no first profile date")
    else:
        days = (facts.as_of - facts.first_profile_on).days
        evidence["days_since_first_profile"] = days
        if days < MIN_DAYS_SINCE_FIRST_PROFILE:
            unmet.append(
                f"time_in_programme: {days} days since the first profile, "
                f"{MIN_DAYS_SINCE_FIRST_PROFILE} needed"
            )
    if facts.last_visit_on is None:
        unmet.append("recent_visit: no visit is recorded")
    else:
        days = (facts.as_of - facts.last_visit_on).days
        evidence["days_since_last_visit"] = days
        if days > MAX_DAYS_SINCE_LAST_VISIT:
            unmet.append(
                f"recent_visit: last visit {days} days ago, more than {MAX_DAYS_SINCE_LAST_VISIT}"
            )
    return unmet


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _count(n: int, singular: str, plural: str) -> str:
    """``1 member has`` or ``2 members have``."""
    return f"{n} {singular if n == 1 else plural}"
