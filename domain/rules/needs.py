"""Needs a profile derives under a versioned rule: one per category and member (or household).

The rules themselves are in ``member_needs`` and ``household_needs``; the facts they share with
the risk score in ``need_predicates``.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from domain.profile import Profile, age_on
from domain.rules.derived_need import DerivedNeed, Person
from domain.rules.flags import HouseholdFlags, derive_flags
from domain.rules.household_needs import HOUSEHOLD_RULES
from domain.rules.member_needs import MEMBER_RULES
from domain.vocabulary import NeedCategory

__all__ = ["NEEDS_RULE_VERSION", "DerivedNeed", "derive_needs"]

NEEDS_RULE_VERSION: Final = "needs-v1"


def derive_needs(
    profile: Profile, as_of: date, flags: HouseholdFlags | None = None
) -> list[DerivedNeed]:
    """Needs in profile order (members first, then the household), the most severe per subject.
    ``flags``: the profile's as of ``as_of``, if the caller has them already."""
    if flags is None:
        flags = derive_flags(profile, as_of)
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
    return _most_severe_per_subject(candidates)


def _most_severe_per_subject(candidates: list[DerivedNeed]) -> list[DerivedNeed]:
    """Keep one need per (category, member): the first of the most severe, at the first's place."""
    chosen: dict[tuple[NeedCategory, str | None], DerivedNeed] = {}
    for need in candidates:
        key = (need.category, need.member_id)
        if key not in chosen or need.severity.rank > chosen[key].severity.rank:
            chosen[key] = need
    return list(chosen.values())
