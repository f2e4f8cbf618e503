"""Where demo households live: wards across KZN municipalities, their villages and coordinates.

Wards are the geography's synthetic wards. Coordinates are the approximate position of each
municipality's seat, jittered per ward and household: plausible on a map, not surveyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from domain.profile import Gps
from domain.reference.geography import Municipality, Ward, geography
from sukuma.demo.context import Demo, pick

Settlement = Literal["urban", "informal", "rural"]

# The municipalities named in the brief come first; the rest follow in the CSV's order.
PREFERRED: Final = ("KZN225", "ETH", "KZN282", "KZN252", "KZN216")
CITIES: Final = frozenset(
    {"ETH", "KZN225", "KZN282", "KZN252", "KZN216", "KZN292", "KZN238", "KZN433", "KZN222"}
)
HOUSEHOLDS_PER_WARD: Final = (40, 80)
MIN_LAST_WARD: Final = 15  # a smaller remainder joins the ward before it

# Approximate (lat, lon) of each municipality's seat.
SEATS: Final[dict[str, tuple[float, float]]] = {
    "ETH": (-29.858, 31.029), "KZN212": (-30.287, 30.753), "KZN213": (-30.480, 30.600),
    "KZN214": (-30.578, 29.883), "KZN216": (-30.741, 30.455), "KZN221": (-29.356, 30.528),
    "KZN222": (-29.478, 30.231), "KZN223": (-29.209, 29.994), "KZN224": (-29.597, 29.864),
    "KZN225": (-29.601, 30.379), "KZN226": (-29.733, 30.533), "KZN227": (-29.872, 30.270),
    "KZN235": (-28.731, 29.354), "KZN237": (-29.007, 29.872), "KZN238": (-28.560, 29.781),
    "KZN241": (-28.164, 30.234), "KZN242": (-28.219, 30.674), "KZN244": (-28.748, 30.450),
    "KZN245": (-29.064, 30.591), "KZN252": (-27.758, 29.932), "KZN253": (-27.658, 30.324),
    "KZN254": (-28.006, 30.059), "KZN261": (-27.423, 30.818), "KZN262": (-27.379, 31.619),
    "KZN263": (-27.768, 30.792), "KZN265": (-27.899, 31.644), "KZN266": (-28.335, 31.416),
    "KZN271": (-26.985, 32.752), "KZN272": (-27.428, 32.065), "KZN275": (-28.417, 32.183),
    "KZN276": (-28.147, 31.874), "KZN281": (-28.600, 32.083), "KZN282": (-28.783, 32.038),
    "KZN284": (-28.891, 31.469), "KZN285": (-28.590, 31.396), "KZN286": (-28.621, 31.087),
    "KZN291": (-29.143, 31.402), "KZN292": (-29.329, 31.289), "KZN293": (-29.510, 30.938),
    "KZN294": (-29.145, 31.074), "KZN433": (-30.547, 29.424), "KZN434": (-30.155, 30.061),
    "KZN435": (-30.262, 29.935), "KZN436": (-30.023, 29.829),
}  # fmt: skip
DEFAULT_SEAT: Final = (-29.0, 30.9)

# Real township, suburb and village names for the five named municipalities.
VILLAGES: Final[dict[str, tuple[str, ...]]] = {
    "KZN225": ("Edendale", "Imbali", "Sobantu", "Vulindlela", "KwaMpumuza", "Azalea",
               "Willowfontein", "Caluza", "Georgetown", "Ashdown", "Slangspruit", "Mafakatini"),
    "ETH": ("Inanda", "KwaMashu", "Umlazi", "Ntuzuma", "Lamontville", "Cato Manor", "Clermont",
            "Chesterville", "Folweni", "Mpumalanga", "Hammarsdale", "Molweni", "Amaoti"),
    "KZN282": ("Esikhaleni", "Ngwelezane", "Nseleni", "Mandlanzini", "Empangeni", "Vulindlela",
               "Dube", "Mkhwanazi", "Felixton", "Brackenham"),
    "KZN252": ("Madadeni", "Osizweni", "Blaauwbosch", "Siyahlala", "Johnstown", "Cavan",
               "Fairleigh", "Lennoxton", "Charlestown"),
    "KZN216": ("Gamalakhe", "Marburg", "Izingolweni", "Murchison", "Bhobhoyi", "Nyandezulu",
               "Mthimude", "Oslo Beach", "Shelly Beach", "Margate"),
}  # fmt: skip

SETTLEMENT_MIX: Final[dict[bool, tuple[tuple[Settlement, float], ...]]] = {
    True: (("urban", 40), ("informal", 30), ("rural", 30)),  # cities and towns
    False: (("urban", 15), ("informal", 10), ("rural", 75)),
}


@dataclass(frozen=True)
class Place:
    """A ward chosen for the demo, with its character and how many households it gets."""

    ward: Ward
    municipality: Municipality
    settlement: Settlement
    households: int
    villages: tuple[str, ...]
    centre: tuple[float, float]


def municipality_order() -> list[Municipality]:
    munis = list(geography().municipalities)
    preferred = [m for code in PREFERRED for m in munis if m.code == code]
    return preferred + [m for m in munis if m.code not in PREFERRED]


def ward_sizes(demo: Demo, households: int) -> list[int]:
    """Households per ward: 40-80 each, the last one takes the remainder."""
    sizes: list[int] = []
    left = households
    while left > 0:
        size = min(left, demo.rng.randint(*HOUSEHOLDS_PER_WARD))
        if left - size < MIN_LAST_WARD:
            size = left
        sizes.append(size)
        left -= size
    return sizes


def choose_wards(demo: Demo, count: int) -> list[Ward]:
    """``count`` wards, round robin over the municipalities (named ones first)."""
    pools: list[list[Ward]] = []
    for muni in municipality_order():
        wards = geography().wards_in("municipality", muni.code)
        pools.append(demo.rng.sample(wards, len(wards)))
    chosen: list[Ward] = []
    while len(chosen) < count:
        if not any(pools):
            raise ValueError(f"KZN has {len(chosen)} wards here: too few for the demo")
        for pool in pools:
            if pool and len(chosen) < count:
                chosen.append(pool.pop())
    return chosen


def plan_places(demo: Demo, households: int) -> list[Place]:
    sizes = ward_sizes(demo, households)
    wards = choose_wards(demo, len(sizes))
    return [_place(demo, ward, size) for ward, size in zip(wards, sizes, strict=True)]


def _place(demo: Demo, ward: Ward, households: int) -> Place:
    muni = geography().municipality(ward.municipality_code)
    lat, lon = SEATS.get(muni.code, DEFAULT_SEAT)
    spread = 0.25 if muni.code == "ETH" else 0.12
    centre = (
        round(lat + demo.rng.uniform(-spread, spread), 5),
        round(lon + demo.rng.uniform(-spread, spread), 5),
    )
    return Place(
        ward=ward,
        municipality=muni,
        settlement=pick(demo.rng, SETTLEMENT_MIX[muni.code in CITIES]),
        households=households,
        villages=_villages(demo, muni.code),
        centre=centre,
    )


def _villages(demo: Demo, municipality: str) -> tuple[str, ...]:
    known: Sequence[str] = VILLAGES.get(municipality, ())
    if known:
        return tuple(demo.rng.sample(list(known), min(len(known), demo.rng.randint(2, 4))))
    # Many KZN places are named "Kwa-" after a clan or a chief: KwaMashu, KwaDukuza, KwaNgcolosi.
    return tuple(f"Kwa{demo.faker.last_name()}" for _ in range(demo.rng.randint(2, 4)))


def gps_near(demo: Demo, place: Place) -> Gps:
    lat, lon = place.centre
    return {
        "lat": round(lat + demo.rng.uniform(-0.03, 0.03), 5),
        "lon": round(lon + demo.rng.uniform(-0.03, 0.03), 5),
    }
