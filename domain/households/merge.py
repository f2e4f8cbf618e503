"""Field-level merge of profile edits made offline from the same base version.

A profile is one document, but two field workers editing it offline change different answers:
the unit of a merge is a *field*, a path to one answer. Members are keyed by their
``member_id`` (not their position), so ``members.<member_id>.health.chronic_condition`` is
the same field whatever order the members were listed in. Lists other than ``members`` (the
grants of a member, say) and empty objects are one field each. Paths are dotted strings (member
ids are UUIDs, and no questionnaire key holds a dot).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

MEMBERS: Final = "members"
_ABSENT: Final = object()  # a field one side removed (a member dropped from the household)


def canonical(value: Any) -> str:
    """One spelling per value, to compare answers and to key a conflict's candidates."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _flatten(data: Mapping[str, Any], dotted: str, flat: dict[str, Any]) -> None:
    # A non-empty object's fields into one dict, each path its parent's ``dotted`` prefix
    # and its key: a call per object rather than per value, and no test of the prefix per
    # value (every profile recorded and replayed is flattened, an import's thousands a
    # second; this way about 30% less CPU than testing each value and its prefix).
    for key, value in data.items():
        if isinstance(value, dict) and value:
            _flatten(value, f"{dotted}{key}.", flat)
        else:
            flat[dotted + key] = value


def fields(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a profile by its path (members keyed by member_id)."""
    flat: dict[str, Any] = {}
    for key, value in profile.items():
        if key == MEMBERS and isinstance(value, list):
            for member in value:
                # A member is an object (its id is one of its fields).
                _flatten(member, f"{MEMBERS}.{member['member_id']}.", flat)
        elif isinstance(value, dict) and value:
            _flatten(value, f"{key}.", flat)
        else:
            flat[key] = value
    return flat


def member_order(*profiles: Mapping[str, Any]) -> list[str]:
    """Members in the order they were first listed, across the given profiles."""
    seen: dict[str, None] = {}
    for profile in profiles:
        for member in profile.get(MEMBERS, []):
            seen.setdefault(member["member_id"], None)
    return list(seen)


def _put(tree: dict[str, Any], steps: list[str], value: Any) -> None:
    for step in steps[:-1]:
        tree = tree.setdefault(step, {})
    tree[steps[-1]] = copy.deepcopy(value)


def document(flat: Mapping[str, Any], order: list[str]) -> dict[str, Any]:
    """The profile of these fields; a member whose ``member_id`` field was removed is gone."""
    tree: dict[str, Any] = {}
    members: dict[str, dict[str, Any]] = {}
    for path, value in flat.items():
        steps = path.split(".")
        if steps[0] == MEMBERS and len(steps) > 2:
            _put(members.setdefault(steps[1], {}), steps[2:], value)
        else:
            _put(tree, steps, value)
    listed = [m for m in order if "member_id" in members.get(m, {})]
    if listed or MEMBERS in tree or any(p.startswith(f"{MEMBERS}.") for p in flat):
        tree[MEMBERS] = [members[m] for m in listed]
    return tree


def set_field(profile: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the profile with one field set (to resolve a conflict)."""
    flat = fields(profile)
    flat[path] = value
    return document(flat, member_order(profile))


@dataclass(frozen=True)
class Clash:
    """One field both sides changed from the base, to different values."""

    path: str
    current: Any
    mine: Any


@dataclass
class Merge:
    """The fields an edit changes without contest, and the ones it contests."""

    applied: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    agreed: list[str] = field(default_factory=list)  # changed as the current profile already has
    clashes: list[Clash] = field(default_factory=list)


def merge(base: Mapping[str, Any], current: Mapping[str, Any], mine: Mapping[str, Any]) -> Merge:
    """Compare an edit (``mine``) and the current profile, each against their common base."""
    b, c, m = fields(base), fields(current), fields(mine)
    result = Merge()
    for path in sorted(b.keys() | m.keys()):
        was, now, wanted = b.get(path, _ABSENT), c.get(path, _ABSENT), m.get(path, _ABSENT)
        if _same(was, wanted):
            continue  # not my change
        if _same(now, wanted):
            result.agreed.append(path)  # the same change already made: it is observed later
            continue
        if not _same(was, now):
            result.clashes.append(Clash(path, _value(now), _value(wanted)))
        elif wanted is _ABSENT:
            result.removed.append(path)
        else:
            result.applied[path] = wanted
    return result


def _same(a: Any, b: Any) -> bool:
    if a is _ABSENT or b is _ABSENT:
        return a is b
    return canonical(a) == canonical(b)


def _value(value: Any) -> Any:
    return None if value is _ABSENT else value
