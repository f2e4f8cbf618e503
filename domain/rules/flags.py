"""Derived household flags (oss-domain.md §1.3): who heads the household and who cares for whom."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from domain.profile import Member, Profile, age_on

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
        return [name for name in _FLAG_NAMES if getattr(self, name)]


# Once, not a ``dataclasses.fields`` walk a profile.
_FLAG_NAMES = tuple(f.name for f in fields(HouseholdFlags))


def derive_flags(profile: Profile, as_of: date) -> HouseholdFlags:
    """The household's flags as of ``as_of`` (one pass over the members, each age once)."""
    head: Member | None = None
    head_age = 0
    no_adult = True
    orphan_grandchild = False
    for member in profile["members"]:
        age = age_on(member["date_of_birth"], as_of)
        if age >= ADULT_AGE:
            no_adult = False
        elif member["relation"] == "grandchild" and member["orphan_status"] != "none":
            orphan_grandchild = True
        if head is None and member["relation"] == "head":  # the first head, as ``head_of``
            head, head_age = member, age
    elderly_headed = head is not None and head_age >= ELDERLY_AGE
    return HouseholdFlags(
        child_headed=no_adult or (head is not None and head_age < ADULT_AGE),
        elderly_headed=elderly_headed,
        female_headed=head is not None and head["sex"] == "female",
        grandparent_caring_for_orphans=elderly_headed and orphan_grandchild,
    )
