"""KZN geography: province, districts, municipalities and (synthetic) wards, loaded once."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Final

from domain.errors import InvalidCommand, NotFoundError

PROVINCE_CODE: Final = "KZN"
SCOPE_LEVELS: Final = ("ward", "municipality", "district", "province")
# Official ward ids are 8 digits (5 for KZN, municipality, ward), but we hold no MDB ward list:
# every ward here is synthetic, "<municipality>-W<nnn>", with a count per municipality that is
# real for the two largest and otherwise a stable hash of the code, 8..40.
KNOWN_WARD_COUNTS: Final = {"ETH": 110, "KZN225": 39}
MIN_SYNTHETIC_WARDS: Final = 8
MAX_SYNTHETIC_WARDS: Final = 40


@dataclass(frozen=True)
class Province:
    code: str
    name: str


@dataclass(frozen=True)
class District:
    code: str
    name: str
    is_metro: bool


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    seat: str
    district_code: str


@dataclass(frozen=True)
class Ward:
    id: str
    number: int
    municipality_code: str
    district_code: str
    synthetic: bool


def ward_count(municipality_code: str) -> int:
    """How many wards a municipality has here (synthetic, but the same on every run)."""
    if municipality_code in KNOWN_WARD_COUNTS:
        return KNOWN_WARD_COUNTS[municipality_code]
    digest = hashlib.sha256(municipality_code.encode()).digest()
    span = MAX_SYNTHETIC_WARDS - MIN_SYNTHETIC_WARDS + 1
    return MIN_SYNTHETIC_WARDS + int.from_bytes(digest[:4], "big") % span


def ward_id(municipality_code: str, number: int) -> str:
    """The synthetic ward id, e.g. ``KZN225-W007``."""
    return f"{municipality_code}-W{number:03d}"


class Geography:
    """Lookups over KZN's districts, municipalities and wards."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.province = Province(PROVINCE_CODE, "KwaZulu-Natal")
        districts: dict[str, District] = {}
        municipalities: dict[str, Municipality] = {}
        for row in rows:
            code = row["district_code"]
            districts.setdefault(code, District(code, row["district_name"], code == "ETH"))
            municipalities[row["municipality_code"]] = Municipality(
                row["municipality_code"], row["municipality_name"], row["seat"], code
            )
        self._districts = districts
        self._municipalities = municipalities
        self._wards = {
            ward.id: ward
            for muni in municipalities.values()
            for ward in (
                Ward(ward_id(muni.code, n), n, muni.code, muni.district_code, synthetic=True)
                for n in range(1, ward_count(muni.code) + 1)
            )
        }

    @property
    def districts(self) -> tuple[District, ...]:
        return tuple(self._districts.values())

    @property
    def municipalities(self) -> tuple[Municipality, ...]:
        return tuple(self._municipalities.values())

    @property
    def wards(self) -> tuple[Ward, ...]:
        return tuple(self._wards.values())

    def district(self, code: str) -> District:
        """The district (or metro) with this code."""
        try:
            return self._districts[code]
        except KeyError:
            raise NotFoundError("district", code) from None

    def municipality(self, code: str) -> Municipality:
        """The local municipality (or eThekwini) with this code."""
        try:
            return self._municipalities[code]
        except KeyError:
            raise NotFoundError("municipality", code) from None

    def ward(self, ward_id: str) -> Ward:
        """The ward with this id."""
        try:
            return self._wards[ward_id]
        except KeyError:
            raise NotFoundError("ward", ward_id) from None

    def wards_in(self, level: str, code: str) -> list[Ward]:
        """The wards inside a ward, municipality, district or the province, in id order."""
        if level == "ward":
            return [self.ward(code)]
        if level == "municipality":
            self.municipality(code)
            return [w for w in self._wards.values() if w.municipality_code == code]
        if level == "district":
            self.district(code)
            return [w for w in self._wards.values() if w.district_code == code]
        if level == "province":
            if code != self.province.code:
                raise NotFoundError("province", code)
            return list(self._wards.values())
        raise InvalidCommand("level", f"must be one of {', '.join(SCOPE_LEVELS)}, not {level!r}")

    def ancestors(self, ward_id: str) -> tuple[str, str, str]:
        """(municipality code, district code, province code) of a ward."""
        ward = self.ward(ward_id)
        return ward.municipality_code, ward.district_code, self.province.code

    def is_valid_scope(self, level: str, code: str) -> bool:
        """True when ``code`` names a known unit at ``level``."""
        if level == "ward":
            return code in self._wards
        if level == "municipality":
            return code in self._municipalities
        if level == "district":
            return code in self._districts
        return level == "province" and code == self.province.code


@cache
def geography() -> Geography:
    """The KZN geography, read once from the packaged CSV."""
    text = files("domain.reference").joinpath("data/kzn_municipalities.csv").read_text("utf-8")
    return Geography(list(csv.DictReader(io.StringIO(text))))
