"""Who sees a household's need categories exactly, and how they read to everyone else.

A special category (``domain.vocabulary.SPECIAL_CATEGORIES``: health, sex life, criminal
behaviour) of one household is special personal information (POPIA s26). It is shown exactly:

- to the roles that act on the household where it lives now (field workers, conveners,
  admins), who see its health answers too;
- to analysts granted ``pii:read`` in their area;
- to the officers of the department a referral is addressed to, for that referral only: the
  category is the service asked of them (POPIA s27(1)(b) and s32: processing by a health or
  social-services body for its duty);
- never once the household's personal data is erased.

Anyone else reads the broad category (``health``, ``safety``), and the ward heat map's counts
summed the same way (exact ward counts would single out its households' broad ones).
Indicators over larger areas keep exact categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.access.area import Location, departments_of
from domain.access.lists import reads_in_area
from domain.access.policy import roles_seeing
from domain.access.principal import Principal, Role
from domain.vocabulary import SPECIAL_CATEGORIES, broad_category

_ACTING_ROLES = frozenset({Role.ADMIN, Role.CONVENER, Role.FIELD_WORKER})

#: Keys under which reads carry need categories: one (``category``) or a list of them.
_ONE, _MANY = "category", "open_categories"


def sees_categories(
    principal: Principal, at: Location, *, department: str | None = None, erased: bool = False
) -> bool:
    """Whether this caller sees the exact need categories of a household living ``at``
    (or of its referral addressed to ``department``)."""
    if erased:
        return False
    reading = roles_seeing(principal, "household", at)
    if reading & _ACTING_ROLES or (Role.ANALYST in reading and principal.may_read_pii):
        return True
    return (
        department is not None
        and principal.has_role(Role.DEPARTMENT_OFFICER)
        and department in departments_of(principal)
    )


def sees_every_category(principal: Principal) -> bool:
    """Whether every household this caller's lists show shows it its exact categories."""
    if principal.may_read_pii:
        return True
    listing = [r for r in principal.roles if reads_in_area(r, "household")]
    return bool(listing) and all(r in _ACTING_ROLES for r in listing)


def may_filter_by(principal: Principal, category: str | None) -> bool:
    """Whether this caller may list households by ``category``: a special one only if it sees
    every listed household's (else the list itself would reveal it)."""
    return category not in SPECIAL_CATEGORIES or sees_every_category(principal)


def broad_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts by category summed into the broad ones (a ward's exact counts beside its
    households' broad categories would give each one away: one "safety" household and a
    count of 1 under ``gbv``)."""
    out: dict[str, int] = {}
    for category, n in counts.items():
        out[broad_category(category)] = out.get(broad_category(category), 0) + n
    return out


def shape_categories(data: Any, exact: bool) -> tuple[Any, bool]:
    """``data`` (a read, an event's payload, a list row) with each special category under a
    ``category`` or ``open_categories`` key broadened unless ``exact``, and whether it shows
    an exact special one (a read to log). Containers are copied, values shared."""
    if isinstance(data, list):
        items = [
            shape_categories(item, exact) if isinstance(item, (dict, list)) else (item, False)
            for item in data
        ]
        return [item for item, _ in items], any(shown for _, shown in items)
    if not isinstance(data, dict):
        return data, False
    out: dict[str, Any] = {}
    shown = False
    for key, value in data.items():
        if key == _ONE and isinstance(value, str):
            shown |= exact and _special(value)
            out[key] = value if exact else broad_category(value)
        elif key == _MANY and isinstance(value, list):
            shown |= exact and any(_special(v) for v in value)
            out[key] = value if exact else _broad_list(value)
        elif isinstance(value, (dict, list)):
            out[key], inner = shape_categories(value, exact)
            shown |= inner
        else:
            out[key] = value  # a leaf: no call a value (a list's page has thousands)
    return out, shown


def _special(value: Any) -> bool:
    return isinstance(value, str) and value in SPECIAL_CATEGORIES


def _broad_list(values: list[Any]) -> list[Any]:
    """Broad categories, each once, in the order first met (two health needs read one)."""
    return list(dict.fromkeys(broad_category(v) if isinstance(v, str) else v for v in values))
