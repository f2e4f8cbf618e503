"""Which personal fields a caller sees of a household: one pure decision, one shaping.

- field workers, conveners and admins who may read the household *where it lives now* act
  on it: every personal field (a household moved away is no longer the old ward's business,
  though the old ward still sees its referrals);
- analysts see none unless granted ``pii:read`` (and the household is in their area);
- the department officer a referral is addressed to sees what it needs to act (the head's
  name and phone, and what the war room wrote on the referral), and nothing once the
  household has withdrawn its consent;
- anyone else sees none;
- erased fields read ``ERASED`` to everyone; hidden ones read ``WITHHELD``.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Any

from domain.access.policy import Location, departments_of, roles_seeing
from domain.access.principal import Principal, Role
from domain.personal_data import (
    ERASED,
    EVENT_PATHS,
    HEAD_CONTACT_FIELDS,
    PROFILE_PATHS,
    WITHHELD,
    Path,
    leaves,
)


class Sight(StrEnum):
    FULL = "full"
    CONTACT = "contact"  # the household head's contact, and referral notes
    NONE = "none"
    ERASED = "erased"  # nobody: the household's personal data has been erased


_ACTING_ROLES = frozenset({Role.ADMIN, Role.CONVENER, Role.FIELD_WORKER})


def personal_sight(
    principal: Principal,
    consent: str | None,
    erased: bool = False,
    *,
    at: Location,
    department: str | None = None,
) -> Sight:
    """How much of a household's personal data this caller may see, given its consent state.

    ``at`` is where the household lives now (``location_of(household)``): full sight needs a
    role that may ``household.read`` it there. ``department`` is the department of the
    referral being read, if any: its officers get contact sight.
    """
    if erased:
        # Events opened with a key another process still caches must not show it either.
        return Sight.ERASED
    reading = roles_seeing(principal, "household", at)
    if reading & _ACTING_ROLES:
        return Sight.FULL
    if Role.ANALYST in reading and principal.may_read_pii:
        return Sight.FULL
    if (
        principal.has_role(Role.DEPARTMENT_OFFICER)
        and department is not None
        and department in departments_of(principal)
        and consent != "withdrawn"
    ):
        return Sight.CONTACT
    return Sight.NONE


def _withhold(
    data: Any, paths: tuple[Path, ...], keep: set[tuple[int, str]], marker: str = WITHHELD
) -> list[str]:
    """Withhold what the paths reach except ``keep`` ((id of container, key)); list the shown."""
    shown = []
    for path in paths:
        for container, slot in leaves(data, path):
            value = container[slot]
            if value is None or value in (ERASED, WITHHELD):
                continue
            if (id(container), str(slot)) in keep:
                shown.append(".".join(path).replace(".[]", "[]"))
            else:
                container[slot] = marker
    return shown


def _head_contact(profile: Any) -> set[tuple[int, str]]:
    members = profile.get("members") if isinstance(profile, dict) else None
    return {
        (id(member), name)
        for member in members or []
        if isinstance(member, dict) and member.get("relation") == "head"
        for name in HEAD_CONTACT_FIELDS
    }


_HOUSEHOLD_PATHS: tuple[Path, ...] = (
    ("dwelling", "village"),
    ("dwelling", "gps"),
    *(("profile", *p) for p in PROFILE_PATHS),
    ("profile_conflicts", "[]", "candidates", "[]", "value"),  # any field's: personal
)


def _shape(
    data: dict[str, Any], paths: tuple[Path, ...], sight: Sight, contact_sees_all: bool
) -> tuple[dict[str, Any], list[str]]:
    shaped = copy.deepcopy(data)
    if sight is Sight.FULL or (sight is Sight.CONTACT and contact_sees_all):
        keep = {(id(c), str(k)) for p in paths for c, k in leaves(shaped, p)}
    elif sight is Sight.CONTACT:
        keep = _head_contact(shaped.get("profile"))
    else:
        keep = set()
    marker = ERASED if sight is Sight.ERASED else WITHHELD
    return shaped, sorted(set(_withhold(shaped, paths, keep, marker)))


def shape_household(state: dict[str, Any], sight: Sight) -> tuple[dict[str, Any], list[str]]:
    """A household read (``dwelling`` and ``profile``) as this sight shows it, and what it shows."""
    return _shape(state, _HOUSEHOLD_PATHS, sight, contact_sees_all=False)


def head_contact(state: dict[str, Any], sight: Sight) -> tuple[dict[str, Any] | None, list[str]]:
    """The household head's contact (HEAD_CONTACT_FIELDS) as this sight shows it: what a
    department officer needs to act on a referral that shares personal data."""
    shaped, _ = shape_household(state, sight)
    members = (shaped.get("profile") or {}).get("members") or []
    head = next((m for m in members if m.get("relation") == "head"), None)
    if head is None:
        return None, []
    contact = {name: head.get(name) for name in HEAD_CONTACT_FIELDS}
    shown = sorted(
        f"profile.members[].{name}"
        for name, value in contact.items()
        if value is not None and value not in (ERASED, WITHHELD)
    )
    return contact, shown


def shape_event(
    event_type: str, payload: dict[str, Any], sight: Sight
) -> tuple[dict[str, Any], list[str]]:
    """One history event's payload as this sight shows it, and which personal fields it shows.

    A department officer sees what the war room wrote on referrals (it is addressed to them),
    not the household's own comment on its service (only who may read the household does).
    """
    paths = EVENT_PATHS.get(event_type, ())
    if not paths:
        return payload, []
    addressed = event_type.startswith("Referral.") and event_type not in HOUSEHOLDS_OWN_WORDS
    return _shape(payload, paths, sight, contact_sees_all=addressed)


#: Referral events whose free text is the household's, not the war room's to the department.
HOUSEHOLDS_OWN_WORDS = frozenset({"Referral.FeedbackGiven"})
