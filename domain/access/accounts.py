"""Which accounts an administrator may change, and what it may hand out: no more than it holds."""

from __future__ import annotations

from collections.abc import Iterable

from domain.access.area import Area, geographic_scopes
from domain.access.decision import Forbidden
from domain.access.principal import PII_READ, Principal, Role


def authorize_account_change(
    principal: Principal | None,
    action: str,
    target_id: str,
    target_roles: Iterable[str],
    target_scopes: Iterable[str],
) -> None:
    """Passwords and deactivation: an administrator acts only on accounts no more powerful
    than itself (raise ``Forbidden``, 403), else a new password would let it sign in as them.

    - every geographic scope of the user lies inside the administrator's area;
    - another administrator, or a holder of ``pii:read``: a province-wide administrator only.

    Its own password an administrator may change. ``None`` is the system: unrestricted.
    """
    if principal is None or principal.user_id == target_id:
        return
    area = Area.of(principal)
    scopes = list(target_scopes)
    if not area.province and (Role.ADMIN in set(target_roles) or PII_READ in scopes):
        raise Forbidden(action, "an administrator or pii:read holder: a province-wide one only")
    if not all(area.contains(level, code) for level, code in geographic_scopes(scopes)):
        raise Forbidden(action, "the user's area lies outside your own")


def authorize_user_change(
    principal: Principal | None,
    action: str,
    target_id: str,
    target_scopes: Iterable[str],
    *,
    roles: Iterable[Role] = (),
    scopes: Iterable[str] = (),
) -> None:
    """An administrator hands out only what it holds itself (raise ``Forbidden``, 403).

    Checked by every user command that changes roles or scopes, after ``user.<verb>``:

    - nobody changes its own account's roles or scopes;
    - a granted geographic scope lies inside the administrator's own area;
    - a role or a ``department:`` scope (which act over the user's whole area) only when every
      geographic scope of the user lies inside the administrator's area;
    - ``pii:read`` and the ``admin`` role only by a province-wide administrator.

    A province-wide administrator's area contains everything, so only the first rule limits it.
    ``None`` is the system (the CLI's bootstrap, the demo): unrestricted.
    """
    if principal is None:
        return
    if principal.user_id == target_id:
        raise Forbidden(action, "an administrator may not change its own roles or scopes")
    area = Area.of(principal)
    granted_roles, granted = list(roles), list(scopes)
    if not area.province and (Role.ADMIN in granted_roles or PII_READ in granted):
        raise Forbidden(action, "pii:read and the admin role: a province-wide administrator only")
    if not all(area.contains(level, code) for level, code in geographic_scopes(granted)):
        raise Forbidden(action, "the scope lies outside your own area")
    acting_over_area = bool(granted_roles) or any(s.startswith("department:") for s in granted)
    if acting_over_area and not all(
        area.contains(level, code) for level, code in geographic_scopes(target_scopes)
    ):
        raise Forbidden(action, "the user's area lies outside your own")
