"""Which personal fields a caller sees of a household: one pure decision, one shaping.

- field workers, conveners and admins act on the household: every personal field;
- analysts see none unless granted ``pii:read``;
- department officers see what they need to act (the head's name and phone, and what the war
  room wrote on their referrals), and nothing once the household has withdrawn its consent;
- erased fields read ``ERASED`` to everyone; hidden ones read ``WITHHELD``.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Any

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


def personal_sight(principal: Principal, consent: str | None) -> Sight:
    """How much of a household's personal data this caller may see, given its consent state."""
    if principal.has_role(Role.ADMIN, Role.CONVENER, Role.FIELD_WORKER):
        return Sight.FULL
    if principal.has_role(Role.ANALYST) and principal.may_read_pii:
        return Sight.FULL
    if principal.has_role(Role.DEPARTMENT_OFFICER) and consent != "withdrawn":
        return Sight.CONTACT
    return Sight.NONE


def _withhold(data: Any, paths: tuple[Path, ...], keep: set[tuple[int, str]]) -> list[str]:
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
                container[slot] = WITHHELD
    return shown


def _head_contact(profile: Any) -> set[tuple[int, str]]:
    members = profile.get("members") if isinstance(profile, dict) else None
    return {
        (id(member), name)
        for member in members or []
        if isinstance(member, dict) and member.get("relation") == "head"
        for name in HEAD_CONTACT_FIELDS
    }


def shape_household(state: dict[str, Any], sight: Sight) -> tuple[dict[str, Any], list[str]]:
    """A household read (``dwelling`` and ``profile``) as this sight shows it, and what it shows."""
    shaped = copy.deepcopy(state)
    everything = sight is Sight.FULL
    profile = shaped.get("profile")
    keep = set() if sight is Sight.NONE else _head_contact(profile)
    dwelling_paths: tuple[Path, ...] = (("dwelling", "village"), ("dwelling", "gps"))
    profile_paths = tuple(("profile", *p) for p in PROFILE_PATHS)
    if everything:
        keep = {
            (id(c), str(k)) for p in (*dwelling_paths, *profile_paths) for c, k in leaves(shaped, p)
        }
    shown = _withhold(shaped, (*dwelling_paths, *profile_paths), keep)
    return shaped, sorted(set(shown))


def shape_event(
    event_type: str, payload: dict[str, Any], sight: Sight
) -> tuple[dict[str, Any], list[str]]:
    """One history event's payload as this sight shows it, and which personal fields it shows."""
    paths = EVENT_PATHS.get(event_type, ())
    if not paths:
        return payload, []
    shaped = copy.deepcopy(payload)
    wrapped = {"payload": shaped}
    full = tuple(("payload", *p) for p in paths)
    if sight is Sight.FULL or (sight is Sight.CONTACT and event_type.startswith("Referral.")):
        keep = {(id(c), str(k)) for p in full for c, k in leaves(wrapped, p)}
    elif sight is Sight.CONTACT:
        keep = _head_contact(shaped.get("profile"))
    else:
        keep = set()
    shown = _withhold(wrapped, full, keep)
    return shaped, sorted({s.removeprefix("payload.") for s in shown})
