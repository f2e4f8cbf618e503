"""Who may do what, where: the one access policy for commands, reads, history, lists and views.

An action is ``"<kind>.<verb>"`` (``household.visit``, ``referral.acknowledge``). An object has a
``Location``: its ward (and, for a referral, the department it is addressed to). The decision:

- ``INVISIBLE`` (404): no role of the principal may see the object: answer as if it did not
  exist, so a caller cannot probe ids outside its scope;
- ``FORBIDDEN`` (403): a role sees it, but none of the roles that see it may do the action;
- ``ALLOW``.

Scopes are geographic (``ward:``, ``municipality:``, ``district:``, ``province:``), apply to all of
a principal's roles, and cover every ward inside them. ``department:<code>`` scopes narrow what a
department officer sees to referrals addressed to those departments (inside its area). Lists
and views use the same rules through ``row_scope`` and ``sees_area`` (rendered as SQL by the
read side), so an object hidden here is hidden from every list, export and dashboard too.
An area view is read as a kind of ``PERMISSIONS`` too: the figures of an area (dashboards,
indicators, trends, the needs heat map, the department league) are ``AREA_VIEW``, and a view
that lists objects reads as their kind (field-worker activity: ``fieldworker``), so the one
table says who sees which view.
Alert notifications too: a subscriber hears of what a user with its scopes would list
(``subscriber_sees``). A task team's seated users run its routine (``member_may``) besides
the roles of its area.
"""

from __future__ import annotations

from domain.access.accounts import authorize_account_change, authorize_user_change
from domain.access.area import NOWHERE, Area, Location, departments_of
from domain.access.decision import Decision, Forbidden
from domain.access.lists import RowScope, row_scope, sees_area
from domain.access.members import MEMBER_ACTIONS, member_may
from domain.access.permissions import (
    ADMIN_KINDS,
    ALERT_RESPONSE,
    AREA_VIEW,
    DEPARTMENT_KINDS,
    PERMISSIONS,
)
from domain.access.principal import Principal, Role
from domain.access.subscribers import (
    subscriber_principal,
    subscriber_scope_problem,
    subscriber_sees,
)
from domain.errors import NotFoundError

# The policy's one import path; its parts live in the modules imported above.
__all__ = [
    "ADMIN_KINDS",
    "ALERT_RESPONSE",
    "AREA_VIEW",
    "DEPARTMENT_KINDS",
    "MEMBER_ACTIONS",
    "NOWHERE",
    "PERMISSIONS",
    "Area",
    "Decision",
    "Forbidden",
    "Location",
    "RowScope",
    "authorize",
    "authorize_account_change",
    "authorize_creation",
    "authorize_user_change",
    "decide",
    "departments_of",
    "member_may",
    "roles_seeing",
    "row_scope",
    "sees_area",
    "subscriber_principal",
    "subscriber_scope_problem",
    "subscriber_sees",
]


def _role_sees(principal: Principal, role: Role, kind: str, location: Location) -> bool:
    if "read" not in PERMISSIONS[role].get(kind, frozenset()):
        return False
    if role is Role.ADMIN and kind in ADMIN_KINDS:
        return True
    area = Area.of(principal)
    in_area = area.covers(location)
    if role is Role.DEPARTMENT_OFFICER and kind in DEPARTMENT_KINDS:
        return in_area and location.department in departments_of(principal)
    return in_area


def roles_seeing(principal: Principal, kind: str, location: Location) -> frozenset[Role]:
    """The principal's roles that may read an object of ``kind`` at ``location``."""
    return frozenset(r for r in principal.roles if _role_sees(principal, r, kind, location))


def decide(principal: Principal, action: str, location: Location) -> Decision:
    """Allow, forbid (403) or hide (404) ``action`` on an object at ``location``."""
    kind, _, verb = action.partition(".")
    seeing = [r for r in principal.roles if _role_sees(principal, r, kind, location)]
    if not seeing:
        return Decision.INVISIBLE
    if any(verb in PERMISSIONS[r][kind] for r in seeing):
        return Decision.ALLOW
    return Decision.FORBIDDEN


def authorize(
    principal: Principal, action: str, location: Location, subject: tuple[str, object]
) -> None:
    """Raise ``NotFoundError`` (invisible) or ``Forbidden``, unless the policy allows."""
    decision = decide(principal, action, location)
    if decision is Decision.INVISIBLE:
        raise NotFoundError(*subject)
    if decision is Decision.FORBIDDEN:
        raise Forbidden(action)


def authorize_creation(principal: Principal, action: str, location: Location) -> None:
    """A new object's place comes from the request (public reference data): out of scope
    is a plain 403, since there is nothing whose existence could leak."""
    if decide(principal, action, location) is not Decision.ALLOW:
        raise Forbidden(action)
