"""A need derived from a profile, and the person (a member at an age) a member rule reads."""

from __future__ import annotations

from typing import NamedTuple

from domain.profile import Member
from domain.vocabulary import NeedCategory, Severity


class DerivedNeed(NamedTuple):
    """Immutable, compared by value (a named tuple: made for each need of every profile, at a
    third of a frozen dataclass's cost)."""

    category: NeedCategory
    severity: Severity
    department: str
    source_item: str  # path in the profile, e.g. "members[1].document_status"
    member_id: str | None  # None for a household-level need
    reason: str


class Person(NamedTuple):
    """A member as the member rules read it: where it sits in the profile, and its age."""

    path: str
    member: Member
    age: int


def derived_need(
    category: NeedCategory,
    severity: Severity,
    department: str,
    source: str,
    person: Person | None,
    reason: str,
) -> DerivedNeed:
    """A need of ``person``, or of the household when ``person`` is None."""
    member_id = person.member["member_id"] if person is not None else None
    return DerivedNeed(category, severity, department, source, member_id, reason)
