"""Departments that take referrals, and their service standards: the catalogue's values.

The values live in configuration, not here: the shipped defaults are
``domain/reference/data/service_catalogue.toml``; an installation's current catalogue is the
event-sourced ``ServiceCatalogue`` (``domain.reference.catalogue``), seeded from that file (or
the operator's) and changed through the admin API. The module-level functions read the shipped
defaults, for code that runs without the event store (the benchmarks, the demo's generators).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, Literal, cast

from domain.errors import InvalidCommand, NotFoundError, RuleViolation
from domain.vocabulary import NeedCategory

#: The version label of the shipped file's catalogue (the event-sourced one says ``catalogue-vN``).
STANDARDS_VERSION: Final = "standards-v1"
DEPARTMENT_CODE: Final = re.compile(r"^[A-Z]{2,5}(:[A-Z0-9_-]{2,32})?$")
KINDS: Final = ("government", "ngo")
MAX_NAME = 200
#: A standard longer than two years is a typing error, not a standard.
MAX_DAYS = 730

Kind = Literal["government", "ngo"]


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    kind: Kind
    retired: bool = False  # takes no new referrals; its history stays readable


@dataclass(frozen=True)
class ServiceStandard:
    department: str
    category: NeedCategory
    ack_within_days: int
    deliver_within_days: int
    version: str = STANDARDS_VERSION


@dataclass(frozen=True)
class Catalogue:
    """Departments, their explicit standards, the default standard and the default routes,
    as of one version (``version`` is what a referral made under it records)."""

    departments: tuple[Department, ...]
    standards: tuple[ServiceStandard, ...]
    default_ack_within_days: int
    default_deliver_within_days: int
    routes: Mapping[NeedCategory, str]
    version: str = STANDARDS_VERSION
    _by_code: dict[str, Department] = field(init=False, repr=False, compare=False)
    _by_key: dict[tuple[str, NeedCategory], ServiceStandard] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {d.code: d for d in self.departments})
        object.__setattr__(self, "_by_key", {(s.department, s.category): s for s in self.standards})

    def department(self, code: str) -> Department:
        """The department with this code."""
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFoundError("department", code) from None

    def service_standard(self, department: str, category: NeedCategory | str) -> ServiceStandard:
        """The standard for a department and need category: explicit if listed, else the default."""
        self.department(department)
        need = need_category(category)
        explicit = self._by_key.get((department, need))
        if explicit is not None:
            return explicit
        return ServiceStandard(
            department,
            need,
            self.default_ack_within_days,
            self.default_deliver_within_days,
            self.version,
        )

    def default_department(self, category: NeedCategory | str) -> str:
        """The department a need of this category usually goes to."""
        return self.routes[need_category(category)]

    def in_service(self, code: str) -> Department:
        """The department with this code, if it takes new referrals (``RuleViolation`` if
        retired)."""
        found = self.department(code)
        if found.retired:
            raise RuleViolation(
                "department-retired", f"department {code} is retired: it takes no new referrals"
            )
        return found

    def standards_of(self, department: str) -> list[ServiceStandard]:
        """A department's explicit standards (the default applies to every other category)."""
        return [s for s in self.standards if s.department == department]


# ---- validation (the rules every catalogue, file or event-sourced, obeys) --------------------


def need_category(value: NeedCategory | str, field_name: str = "category") -> NeedCategory:
    try:
        return NeedCategory(value)
    except ValueError:
        raise InvalidCommand(field_name, f"unknown need category {value!r}") from None


def check_code(code: str, field_name: str = "code") -> None:
    if not isinstance(code, str) or not DEPARTMENT_CODE.match(code):
        raise InvalidCommand(field_name, f"{code!r} is not a department code such as DSD or NGO:X")


def check_name(name: str, field_name: str = "name") -> str:
    cleaned = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(cleaned) <= MAX_NAME:
        raise InvalidCommand(field_name, f"must be 1 to {MAX_NAME} characters")
    return cleaned


def check_kind(kind: str, field_name: str = "kind") -> Kind:
    if kind not in KINDS:
        raise InvalidCommand(field_name, f"must be one of {', '.join(KINDS)}, not {kind!r}")
    return cast("Kind", kind)


def check_days(ack: int, deliver: int, field_name: str = "") -> None:
    """Whole days, acknowledged at least a day ahead and no later than delivered."""
    prefix = f"{field_name}." if field_name else ""
    for name, days in (("ack_within_days", ack), ("deliver_within_days", deliver)):
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise InvalidCommand(prefix + name, f"must be a whole number of days, 1 to {MAX_DAYS}")
    if ack > deliver:
        raise InvalidCommand(
            prefix + "ack_within_days", "acknowledgement cannot be due after delivery"
        )


# ---- reading a catalogue file ------------------------------------------------------------------


def catalogue_from_data(data: Mapping[str, Any], version: str = STANDARDS_VERSION) -> Catalogue:
    """A catalogue from a file's (or a seed event's) data; ``InvalidCommand`` says what is
    wrong."""
    try:
        default = data["default_standard"]
        ack, deliver = default["ack_within_days"], default["deliver_within_days"]
        department_rows = list(data["departments"])
        standard_rows = list(data.get("standards", []))
        route_rows = dict(data["routes"])
    except (KeyError, TypeError) as exc:
        raise InvalidCommand("catalogue", f"missing or malformed section {exc}") from None
    check_days(ack, deliver, "default_standard")
    departments: list[Department] = []
    for i, row in enumerate(department_rows):
        where = f"departments[{i}]"
        check_code(row.get("code"), f"{where}.code")
        retired = row.get("retired", False)
        if not isinstance(retired, bool):
            raise InvalidCommand(f"{where}.retired", "must be true or false")
        departments.append(
            Department(
                row["code"],
                check_name(row.get("name"), f"{where}.name"),
                check_kind(row.get("kind"), f"{where}.kind"),
                retired,
            )
        )
    codes = [d.code for d in departments]
    if len(set(codes)) != len(codes):
        raise InvalidCommand("departments", "a department code is listed twice")
    standards: list[ServiceStandard] = []
    for i, row in enumerate(standard_rows):
        where = f"standards[{i}]"
        if row.get("department") not in codes:
            raise InvalidCommand(
                f"{where}.department", f"unknown department {row.get('department')!r}"
            )
        category = need_category(row.get("category"), f"{where}.category")
        check_days(row.get("ack_within_days"), row.get("deliver_within_days"), where)
        standards.append(
            ServiceStandard(
                row["department"],
                category,
                row["ack_within_days"],
                row["deliver_within_days"],
                version,
            )
        )
    if len({(s.department, s.category) for s in standards}) != len(standards):
        raise InvalidCommand("standards", "a department's category is listed twice")
    routes = {need_category(k, "routes"): v for k, v in route_rows.items()}
    in_service = {d.code for d in departments if not d.retired}
    for category in NeedCategory:
        if routes.get(category) not in in_service:
            raise InvalidCommand(f"routes.{category}", "needs a known department in service")
    return Catalogue(tuple(departments), tuple(standards), ack, deliver, routes, version)


def catalogue_data(catalogue: Catalogue) -> dict[str, Any]:
    """The plain data of a catalogue (``catalogue_from_data`` reads it back)."""
    return {
        "default_standard": {
            "ack_within_days": catalogue.default_ack_within_days,
            "deliver_within_days": catalogue.default_deliver_within_days,
        },
        "departments": [
            {"code": d.code, "name": d.name, "kind": d.kind}
            | ({"retired": True} if d.retired else {})
            for d in catalogue.departments
        ],
        "standards": [
            {
                "department": s.department,
                "category": str(s.category),
                "ack_within_days": s.ack_within_days,
                "deliver_within_days": s.deliver_within_days,
            }
            for s in catalogue.standards
        ],
        "routes": {str(k): v for k, v in catalogue.routes.items()},
    }


def load_catalogue_file(path: Path | None = None) -> Catalogue:
    """The catalogue in a TOML file (``None``: the shipped defaults, ``standards-v1``).

    An operator's file is labelled by its contents (``file-<sha256 prefix>``), so a referral
    made under it says which file it was, even if the file is edited later.
    """
    if path is None:
        text = files("domain.reference").joinpath("data/service_catalogue.toml").read_text("utf-8")
        version = STANDARDS_VERSION
    else:
        text = path.read_text("utf-8")
        version = f"file-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidCommand("catalogue", f"not valid TOML: {exc}") from None
    return catalogue_from_data(data, version)


@cache
def shipped_catalogue() -> Catalogue:
    """The shipped defaults, read once."""
    return load_catalogue_file()


# ---- the shipped defaults, for code without the event store ------------------------------------


def departments() -> list[Department]:
    """Every department and NGO in the shipped defaults."""
    return list(shipped_catalogue().departments)


def department(code: str) -> Department:
    """The department with this code in the shipped defaults."""
    return shipped_catalogue().department(code)


def service_standard(department: str, category: NeedCategory | str) -> ServiceStandard:
    """The shipped standard for a department and need category (explicit, else the default)."""
    return shipped_catalogue().service_standard(department, category)


def default_department(category: NeedCategory | str) -> str:
    """The department a need of this category goes to in the shipped defaults."""
    return shipped_catalogue().default_department(category)


def standards_table() -> list[ServiceStandard]:
    """The shipped explicit standards (the default applies to everything else)."""
    return list(shipped_catalogue().standards)
