"""Where an object lives (``Location``) and which wards a principal's scopes cover (``Area``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from domain.access.principal import Principal
from domain.errors import NotFoundError
from domain.reference.geography import geography

GEOGRAPHIC_LEVELS: Final = ("ward", "municipality", "district", "province")


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
    #: an object about the whole province (the provincial task team's): province scopes only
    province: str | None = None

    @classmethod
    def ward(cls, ward_id: str, department: str | None = None) -> Location:
        return cls(frozenset({ward_id}), department)


NOWHERE: Final = Location()


@dataclass(frozen=True)
class Area:
    """The wards a set of geographic scopes covers, by level (``province``: all of them)."""

    province: bool = False
    districts: frozenset[str] = frozenset()
    municipalities: frozenset[str] = frozenset()
    wards: frozenset[str] = frozenset()

    @classmethod
    def of(cls, principal: Principal) -> Area:
        return _area_of(principal.scopes)

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
        """The object lies in these scopes (mirrored in SQL by ``projections.scoping.scoped``)."""
        return (
            any(self.covers_ward(w) for w in location.wards)
            or (
                location.municipality is not None
                and self.contains("municipality", location.municipality)
            )
            or (location.district is not None and self.contains("district", location.district))
            or (location.province is not None and self.province)
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


@lru_cache(maxsize=4096)
def _area_of(scopes: frozenset[str]) -> Area:
    """The area of these scopes, once per set of scopes: every decision of the policy asks
    for it, and a list page asks hundreds of times for one reader."""
    by_level: dict[str, set[str]] = {}
    for scope in scopes:
        level, _, code = scope.partition(":")
        by_level.setdefault(level, set()).add(code)
    return Area(
        province=geography().province.code in by_level.get("province", set()),
        districts=frozenset(by_level.get("district", ())),
        municipalities=frozenset(by_level.get("municipality", ())),
        wards=frozenset(by_level.get("ward", ())),
    )


def departments_of(principal: Principal) -> frozenset[str]:
    return frozenset(
        code
        for level, _, code in (s.partition(":") for s in principal.scopes)
        if level == "department"
    )


def geographic_scopes(scopes: Iterable[str]) -> list[tuple[str, str]]:
    """The (level, code) of each geographic scope, in order (``department:`` ones left out)."""
    return [
        (level, code)
        for level, _, code in (s.partition(":") for s in scopes)
        if level in GEOGRAPHIC_LEVELS
    ]
