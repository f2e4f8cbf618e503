"""Which rows of a list, and which views of an area, a principal sees: the policy's rules for
reads of many objects (rendered as SQL by the read side)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from domain.access.area import Area, Location, departments_of
from domain.access.permissions import ADMIN_KINDS, DEPARTMENT_KINDS, PERMISSIONS
from domain.access.principal import Principal, Role


@dataclass(frozen=True)
class RowScope:
    """Which rows of a list a principal sees: every row in ``area``; plus, for referrals,
    the rows in ``department_area`` addressed to one of ``departments``."""

    area: Area
    department_area: Area
    departments: frozenset[str]

    def sees(self, location: Location) -> bool:
        if self.area.covers(location):
            return True
        return location.department in self.departments and self.department_area.covers(location)


_NO_AREA: Final = Area()


def row_scope(principal: Principal, kind: str) -> RowScope:
    """The rows of ``kind`` (``household`` or ``referral``) a principal's lists show."""
    area = Area.of(principal)
    by_area = any(
        reads_in_area(r, kind) and not (r is Role.ADMIN and kind in ADMIN_KINDS)
        for r in principal.roles
    )
    by_department = kind in DEPARTMENT_KINDS and principal.has_role(Role.DEPARTMENT_OFFICER)
    return RowScope(
        area=area if by_area else _NO_AREA,
        department_area=area if by_department else _NO_AREA,
        departments=departments_of(principal) if by_department else frozenset(),
    )


def sees_area(principal: Principal, kind: str, level: str, code: str) -> bool:
    """Whether a principal may see a view of ``kind`` over the area (level, code): one of its
    roles reads ``kind`` (``PERMISSIONS``; ``AREA_VIEW`` for an area's figures) and its scopes
    contain the area. A role whose sight of ``kind`` is narrowed to its departments
    (``DEPARTMENT_KINDS``) does not see a whole area's view of it; an administrator's
    field workers, seen anywhere, are shown by area only inside its own."""
    reads = any(reads_in_area(r, kind) for r in principal.roles)
    return reads and Area.of(principal).contains(level, code)


def reads_in_area(role: Role, kind: str) -> bool:
    """Whether the role reads every ``kind`` in its area (a department officer reads the
    ``DEPARTMENT_KINDS`` only when addressed to its departments)."""
    narrowed = role is Role.DEPARTMENT_OFFICER and kind in DEPARTMENT_KINDS
    return not narrowed and "read" in PERMISSIONS[role].get(kind, frozenset())
