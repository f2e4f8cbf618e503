"""The task teams that own priorities and take escalations: one per area of the ladder.

A local task team (LTT) per municipality, a district task team (DTT) per district and the
provincial task team (PTT) are the escalation ladder's levels 2, 3 and 4 (``domain.escalation``).
A team's id derives from its kind and area, so a priority can name its owner before (or
without) the team's own record, and a second team for one area collides.
"""

from __future__ import annotations

import uuid
from typing import Final, Literal
from uuid import UUID

from domain.access.area import Location
from domain.errors import InvalidCommand
from domain.reference.geography import geography

TeamKind = Literal["LTT", "DTT", "PTT"]

#: The area each kind of team answers for.
TEAM_AREA: Final[dict[str, str]] = {"LTT": "municipality", "DTT": "district", "PTT": "province"}
#: The ladder's level each kind of team stands at (level 1 is the ward's war room).
TEAM_LEVEL: Final[dict[str, int]] = {"LTT": 2, "DTT": 3, "PTT": 4}

_TEAM_NAMESPACE = uuid.UUID("2b4f8e3a-51c6-4d0e-9a57-8c1e6f0b7d22")


def task_team_id(kind: str, code: str) -> UUID:
    """One team of a kind per area: its id follows from both."""
    return uuid.uuid5(_TEAM_NAMESPACE, f"task-team:{kind}:{code}")


def check_team(kind: str, code: str, field: str = "team") -> None:
    """Refuse an unknown kind, or an area code that is not one of its kind's areas."""
    level = TEAM_AREA.get(kind)
    if level is None:
        raise InvalidCommand(field, f"unknown task team {kind!r} (LTT, DTT or PTT)")
    if not geography().is_valid_scope(level, code):
        raise InvalidCommand(f"{field}_code", f"unknown {level} {code!r} for a {kind}")


def team_location(kind: str, code: str) -> Location:
    """Where a team's work lives for the access policy: its whole area."""
    level = TEAM_AREA[kind]
    if level == "municipality":
        return Location(municipality=code)
    if level == "district":
        return Location(district=code)
    return Location(province=code)


def owning_team(target: object) -> tuple[str, str] | None:
    """The (kind, code) of the team an object or a new object's place belongs to: a
    priority's, target's, stocktake's or team solution's team, a team itself, or the team of a
    municipality (LTT), district (DTT) or the province (PTT)."""
    if isinstance(target, Location):
        if target.municipality:
            return "LTT", target.municipality
        if target.district:
            return "DTT", target.district
        return ("PTT", target.province) if target.province else None
    kind, code = getattr(target, "team", None), getattr(target, "team_code", None)
    if isinstance(kind, str) and isinstance(code, str):
        return kind, code
    kind, code = getattr(target, "kind", None), getattr(target, "code", None)
    if kind in TEAM_AREA and isinstance(code, str):
        return str(kind), code
    return None
