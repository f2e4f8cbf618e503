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
(``subscriber_sees``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from domain.access.principal import PII_READ, Principal, Role
from domain.errors import NotFoundError
from domain.reference.departments import department
from domain.reference.geography import geography


class Decision(StrEnum):
    ALLOW = "allow"
    FORBIDDEN = "forbidden"
    INVISIBLE = "invisible"


class Forbidden(Exception):
    """The principal sees the object but may not do this action (HTTP 403)."""

    def __init__(self, action: str, reason: str | None = None) -> None:
        super().__init__(f"not permitted: {action}" + (f" ({reason})" if reason else ""))
        self.action = action


@dataclass(frozen=True)
class Location:
    """Where an object lives: its wards (none for users) and its department, if any.

    An object about a whole municipality or district (an alert on a department's standard
    there) names that area instead of wards: only scopes covering the area see it.
    """

    wards: frozenset[str] = frozenset()
    department: str | None = None
    municipality: str | None = None
    district: str | None = None

    @classmethod
    def ward(cls, ward_id: str, department: str | None = None) -> Location:
        return cls(frozenset({ward_id}), department)


NOWHERE: Final = Location()

# Kinds that are not placed in a ward: only an administrator sees them, wherever they are.
ADMIN_KINDS: Final = frozenset({"user", "fieldworker", "audit"})
# Kinds a department officer sees only when addressed to one of its departments.
DEPARTMENT_KINDS: Final = frozenset({"referral", "alert"})

ALERT_RESPONSE: Final = frozenset({"read", "acknowledge", "resolve"})

#: The kind of the aggregated views of an area: dashboards, indicators, trends, the needs heat
#: map and the department league table. They hold figures, no object (no case, no person), so
#: a role may read them without reading the objects counted. A view that lists objects is read
#: as their kind instead (field-worker activity: ``fieldworker``), see ``sees_area``.
AREA_VIEW: Final = "area_view"

# What each role may do to the kinds it sees ("read" makes the kind visible to the role).
PERMISSIONS: Final[dict[Role, dict[str, frozenset[str]]]] = {
    Role.FIELD_WORKER: {
        "household": frozenset({"read", "register", "profile", "need", "visit", "consent"}),
        "referral": frozenset({"read", "verify", "dispute"}),
        "warroom": frozenset({"read"}),
        "fieldworker": frozenset({"read"}),
        "alert": frozenset({"read"}),
        AREA_VIEW: frozenset({"read"}),
    },
    Role.CONVENER: {
        "household": frozenset(
            {
                "read",
                "register",
                "profile",
                "need",
                "resolve",
                "visit",
                "intervention",
                "move",
                "graduate",
                "reopen",
                "refer",
                "consent",
                "override_consent",
            }
        ),
        "referral": frozenset(
            {"read", "escalate", "verify", "dispute", "reopen", "close", "cancel"}
        ),
        "warroom": frozenset({"read", "establish", "member", "meeting", "action_item"}),
        "fieldworker": frozenset({"read"}),
        "alert": ALERT_RESPONSE,
        AREA_VIEW: frozenset({"read"}),
    },
    Role.DEPARTMENT_OFFICER: {
        "referral": frozenset({"read", "acknowledge", "reject", "reassign", "deliver"}),
        "warroom": frozenset({"read"}),
        "alert": ALERT_RESPONSE,
        # Its area's figures (the league table ranks its department among the others), but no
        # field worker: not their activity either.
        AREA_VIEW: frozenset({"read"}),
    },
    Role.ANALYST: {
        "household": frozenset({"read"}),
        "referral": frozenset({"read"}),
        "warroom": frozenset({"read"}),
        "fieldworker": frozenset({"read"}),
        # Responding to early warnings is the nerve centre's job (its response times are
        # measured), though it changes no case.
        "alert": ALERT_RESPONSE,
        AREA_VIEW: frozenset({"read"}),
    },
    Role.ADMIN: {
        "user": frozenset({"read", "create", "grant", "revoke", "scope", "password", "deactivate"}),
        "fieldworker": frozenset({"read", "register", "assign", "deactivate"}),
        # Data-subject requests (POPIA): consent records and erasure, in the admin's area.
        "household": frozenset({"read", "consent", "erase"}),
        "audit": frozenset({"read"}),
        # No AREA_VIEW: an administrator runs accounts, field workers and data-subject requests,
        # not the casework an area's figures count.
    },
}


@dataclass(frozen=True)
class Area:
    """The wards a set of geographic scopes covers, by level (``province``: all of them)."""

    province: bool = False
    districts: frozenset[str] = frozenset()
    municipalities: frozenset[str] = frozenset()
    wards: frozenset[str] = frozenset()

    @classmethod
    def of(cls, principal: Principal) -> Area:
        by_level: dict[str, set[str]] = {}
        for scope in principal.scopes:
            level, _, code = scope.partition(":")
            by_level.setdefault(level, set()).add(code)
        return cls(
            province=geography().province.code in by_level.get("province", set()),
            districts=frozenset(by_level.get("district", ())),
            municipalities=frozenset(by_level.get("municipality", ())),
            wards=frozenset(by_level.get("ward", ())),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.province or self.districts or self.municipalities or self.wards)

    def covers_ward(self, ward_id: str) -> bool:
        if self.province or ward_id in self.wards:
            return True
        try:
            municipality, district, _ = geography().ancestors(ward_id)
        except NotFoundError:
            return False
        return municipality in self.municipalities or district in self.districts

    def covers(self, location: Location) -> bool:
        """The object lies in these scopes (mirrored in SQL by ``api.readmodels.scoped``)."""
        return (
            any(self.covers_ward(w) for w in location.wards)
            or (
                location.municipality is not None
                and self.contains("municipality", location.municipality)
            )
            or (location.district is not None and self.contains("district", location.district))
        )

    def contains(self, level: str, code: str) -> bool:
        """True when the area (level, code) lies inside these scopes."""
        if self.province:
            return True
        if level == "ward":
            return self.covers_ward(code)
        if level == "municipality":
            if code in self.municipalities:
                return True
            try:
                return geography().municipality(code).district_code in self.districts
            except NotFoundError:
                return False
        if level == "district":
            return code in self.districts
        return False


def departments_of(principal: Principal) -> frozenset[str]:
    return frozenset(
        code
        for level, _, code in (s.partition(":") for s in principal.scopes)
        if level == "department"
    )


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


def row_scope(principal: Principal, kind: str) -> RowScope:
    """The rows of ``kind`` (``household`` or ``referral``) a principal's lists show."""
    area = Area.of(principal)
    by_area = any(
        _reads_in_area(r, kind) and not (r is Role.ADMIN and kind in ADMIN_KINDS)
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
    reads = any(_reads_in_area(r, kind) for r in principal.roles)
    return reads and Area.of(principal).contains(level, code)


def _reads_in_area(role: Role, kind: str) -> bool:
    """Whether the role reads every ``kind`` in its area (a department officer reads the
    ``DEPARTMENT_KINDS`` only when addressed to its departments)."""
    narrowed = role is Role.DEPARTMENT_OFFICER and kind in DEPARTMENT_KINDS
    return not narrowed and "read" in PERMISSIONS[role].get(kind, frozenset())


GEOGRAPHIC_LEVELS: Final = ("ward", "municipality", "district", "province")
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


def subscriber_scope_problem(scopes: Iterable[str]) -> str | None:
    """Why a subscriber may not hold these scopes (``None``: it may): each ``<level>:<code>``
    with a level of ``SUBSCRIBER_LEVELS`` and a known code, and at least one area (a
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
                department(code)
            except NotFoundError:
                return f"{scope!r}: unknown department {code!r}"
        elif not geography().is_valid_scope(level, code):
            return f"{scope!r}: unknown {level} {code!r}"
    if not _geographic(held):
        return (
            "a department scope covers no area: add the area it hears of, "
            f"e.g. ['{held[0]}', 'province:{geography().province.code}']"
        )
    return None


def _geographic(scopes: Iterable[str]) -> list[tuple[str, str]]:
    return [
        (level, code)
        for level, _, code in (s.partition(":") for s in scopes)
        if level in GEOGRAPHIC_LEVELS
    ]


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
    if not all(area.contains(level, code) for level, code in _geographic(scopes)):
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
    if not all(area.contains(level, code) for level, code in _geographic(granted)):
        raise Forbidden(action, "the scope lies outside your own area")
    acting_over_area = bool(granted_roles) or any(s.startswith("department:") for s in granted)
    if acting_over_area and not all(
        area.contains(level, code) for level, code in _geographic(target_scopes)
    ):
        raise Forbidden(action, "the user's area lies outside your own")
