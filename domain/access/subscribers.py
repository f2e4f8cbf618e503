"""Who a notification subscriber (scopes, no account) stands for, and what it hears of."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from domain.access.area import GEOGRAPHIC_LEVELS, Location, geographic_scopes
from domain.access.lists import row_scope
from domain.access.principal import Principal, Role
from domain.errors import NotFoundError
from domain.reference.departments import Catalogue, shipped_catalogue
from domain.reference.geography import geography

#: The scopes a notification subscriber may hold: an area, and optionally departments in it.
SUBSCRIBER_LEVELS: Final = (*GEOGRAPHIC_LEVELS, "department")


def subscriber_principal(scopes: Iterable[str]) -> Principal:
    """Who a notification subscriber (scopes, no account) stands for: a department officer
    when it holds a ``department:`` scope, else an analyst (the nerve centre). It hears of
    exactly what that user's lists show (``subscriber_sees``)."""
    held = frozenset(scopes)
    role = (
        Role.DEPARTMENT_OFFICER if any(s.startswith("department:") for s in held) else Role.ANALYST
    )
    return Principal("subscriber", "subscriber", frozenset({role}), held)


def subscriber_sees(scopes: Iterable[str], kind: str, location: Location) -> bool:
    """Whether a subscriber with these scopes hears of an object of ``kind`` at ``location``:
    when its lists (``row_scope``) would show it. With department scopes, only objects
    addressed to those departments inside its area (for ``DEPARTMENT_KINDS``)."""
    return row_scope(subscriber_principal(scopes), kind).sees(location)


def subscriber_scope_problem(
    scopes: Iterable[str], catalogue: Catalogue | None = None
) -> str | None:
    """Why a subscriber may not hold these scopes (``None``: it may): each ``<level>:<code>``
    with a level of ``SUBSCRIBER_LEVELS`` and a known code (a department of ``catalogue``,
    the installation's current one; the shipped one if not given), and at least one area (a
    department is not an area: a department officer with no area sees nothing)."""
    held = list(scopes)
    if not held:
        return "no scope: give an area, e.g. 'district:DC22'"
    for scope in held:
        level, sep, code = scope.partition(":")
        if not sep or not code or level not in SUBSCRIBER_LEVELS:
            return (
                f"{scope!r}: expected <level>:<code>, level one of {', '.join(SUBSCRIBER_LEVELS)}"
            )
        if level == "department":
            try:
                (catalogue or shipped_catalogue()).department(code)
            except NotFoundError:
                return f"{scope!r}: unknown department {code!r}"
        elif not geography().is_valid_scope(level, code):
            return f"{scope!r}: unknown {level} {code!r}"
    if not geographic_scopes(held):
        return (
            "a department scope covers no area: add the area it hears of, "
            f"e.g. ['{held[0]}', 'province:{geography().province.code}']"
        )
    return None
