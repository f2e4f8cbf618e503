"""Derived household flags (oss-domain.md §1.3): who heads the household and who cares for whom."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from domain.profile import Profile, age_on, head_of

ADULT_AGE = 18
ELDERLY_AGE = 60


@dataclass(frozen=True)
class HouseholdFlags:
    child_headed: bool
    elderly_headed: bool
    female_headed: bool
    grandparent_caring_for_orphans: bool

    def as_list(self) -> list[str]:
        """Names of the flags that are set, in declaration order."""
        return [f.name for f in fields(self) if getattr(self, f.name)]


def derive_flags(profile: Profile, as_of: date) -> HouseholdFlags:
    """The household's flags as of ``as_of``."""
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
