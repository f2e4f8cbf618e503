"""Departments that take referrals, and their service standards (oss-domain.md §2.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from domain.errors import InvalidCommand, NotFoundError
from domain.vocabulary import NeedCategory

STANDARDS_VERSION: Final = "standards-v1"
DEFAULT_ACK_WITHIN_DAYS: Final = 7
DEFAULT_DELIVER_WITHIN_DAYS: Final = 30


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    kind: Literal["government", "ngo"]


@dataclass(frozen=True)
class ServiceStandard:
    department: str
    category: NeedCategory
    ack_within_days: int
    deliver_within_days: int
    version: str = STANDARDS_VERSION


_DEPARTMENTS: Final = (
    Department("DSD", "Social Development", "government"),
    Department("SASSA", "South African Social Security Agency", "government"),
    Department("DOH", "Health", "government"),
    Department("DHA", "Home Affairs", "government"),
    Department("DBE", "Basic Education", "government"),
    Department("SAPS", "South African Police Service", "government"),
    Department("DARD", "Agriculture and Rural Development", "government"),
    Department("DHS", "Human Settlements", "government"),
    Department("MUNI", "Local municipality", "government"),
    Department("DEL", "Employment and Labour (EPWP)", "government"),
    Department("NYDA", "National Youth Development Agency", "government"),
    Department("NGO:CHILDLINE", "Childline KwaZulu-Natal", "ngo"),
    Department("NGO:LIFELINE", "Lifeline", "ngo"),
)
_BY_CODE: Final = {d.code: d for d in _DEPARTMENTS}

_C = NeedCategory
# Placeholders to configure (§2.3); everything not listed acknowledges in 7 days, delivers in 30.
_STANDARDS: Final = tuple(
    ServiceStandard(department, category, ack, deliver)
    for department, category, ack, deliver in (
        ("DSD", _C.CHILD_PROTECTION, 2, 14),
        ("SAPS", _C.CHILD_PROTECTION, 2, 14),
        ("NGO:CHILDLINE", _C.CHILD_PROTECTION, 2, 14),
        ("DHA", _C.DOCUMENTS, 7, 30),
        ("SASSA", _C.SOCIAL_GRANT, 7, 30),
        ("DSD", _C.FOOD_SECURITY, 7, 7),
        ("MUNI", _C.WATER, 7, 60),
        ("MUNI", _C.SANITATION, 7, 60),
        ("MUNI", _C.ELECTRICITY, 7, 60),
        ("MUNI", _C.HOUSING, 7, 60),
        ("DHS", _C.HOUSING, 7, 60),
    )
)
_STANDARD_BY_KEY: Final = {(s.department, s.category): s for s in _STANDARDS}

_DEFAULT_DEPARTMENT: Final = {
    _C.DOCUMENTS: "DHA",
    _C.SOCIAL_GRANT: "SASSA",
    _C.HEALTH_CHRONIC: "DOH",
    _C.HEALTH_TB: "DOH",
    _C.HEALTH_MATERNAL: "DOH",
    _C.NUTRITION: "DOH",
    _C.FOOD_SECURITY: "DSD",
    _C.EDUCATION: "DBE",
    _C.CHILD_PROTECTION: "DSD",
    _C.GBV: "SAPS",
    _C.SUBSTANCE_ABUSE: "DSD",
    _C.HOUSING: "DHS",
    _C.WATER: "MUNI",
    _C.SANITATION: "MUNI",
    _C.ELECTRICITY: "MUNI",
    _C.LIVELIHOOD: "DEL",
    _C.DISABILITY: "SASSA",
    _C.OTHER: "DSD",
}


def departments() -> list[Department]:
    """Every department and NGO that can take a referral."""
    return list(_DEPARTMENTS)


def department(code: str) -> Department:
    """The department with this code."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise NotFoundError("department", code) from None


def service_standard(department: str, category: NeedCategory | str) -> ServiceStandard:
    """The standard for a department and need category: explicit if listed, else the default."""
    if department not in _BY_CODE:
        raise NotFoundError("department", department)
    need = _category(category)
    explicit = _STANDARD_BY_KEY.get((department, need))
    if explicit is not None:
        return explicit
    return ServiceStandard(department, need, DEFAULT_ACK_WITHIN_DAYS, DEFAULT_DELIVER_WITHIN_DAYS)


def default_department(category: NeedCategory | str) -> str:
    """The department a need of this category usually goes to."""
    return _DEFAULT_DEPARTMENT[_category(category)]


def standards_table() -> list[ServiceStandard]:
    """The explicitly configured standards (the defaults apply to everything else)."""
    return list(_STANDARDS)


def _category(value: NeedCategory | str) -> NeedCategory:
    try:
        return NeedCategory(value)
    except ValueError:
        raise InvalidCommand("category", f"unknown need category {value!r}") from None
