"""Area views (dashboards, indicators, heat maps, trends, league, activity) and the policy."""

from __future__ import annotations

from domain.access.policy import sees_area
from domain.access.principal import Principal
from domain.errors import NotFoundError
from domain.reference.geography import geography


def visible_area(principal: Principal, kind: str, level: str, code: str) -> None:
    """A view of ``kind`` (``AREA_VIEW``, or the kind of object it lists) over an area the
    policy does not show the caller (or an unknown area) answers 404, like any hidden object."""
    if not geography().is_valid_scope(level, code) or not sees_area(principal, kind, level, code):
        raise NotFoundError(level, code)
