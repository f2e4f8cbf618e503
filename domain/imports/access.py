"""Who may import a register, and into which wards: administrators, into their own area."""

from __future__ import annotations

from collections.abc import Iterable

from domain.access.area import Area
from domain.access.decision import Forbidden
from domain.access.principal import Principal, Role
from domain.reference.geography import geography


def authorise_import(principal: Principal, wards: Iterable[str]) -> None:
    """Refuse the whole file (``Forbidden``) unless ``principal`` is an administrator whose
    area covers every known ward it names. An unknown ward is the row's problem (reported by
    the import), not a ward of another area."""
    if not principal.has_role(Role.ADMIN):
        raise Forbidden("import.households", "administrators only")
    area = Area.of(principal)
    outside = sorted(
        w for w in wards if geography().is_valid_scope("ward", w) and not area.covers_ward(w)
    )
    if outside:
        raise Forbidden("import.households", f"wards outside your area: {', '.join(outside)}")
