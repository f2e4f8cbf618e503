"""Demo profiles: a first profile of a new household, and the re-profiles that follow it.

Every profile is a complete ``domain.profile.Profile``; the caller checks it with
``validate_profile`` before ``apply_profile`` scores it and derives its needs.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Final

from domain.profile import (
    BasicServices,
    Dwelling,
    DwellingType,
    Electricity,
    FoodSecurity,
    IncomeBand,
    IncomeSource,
    Language,
    Livelihood,
    Member,
    Profile,
    Sanitation,
    SocialIlls,
    Tenure,
    WaterSource,
    age_on,
)
from sukuma.demo.context import Demo, pick
from sukuma.demo.people import composition, members_of
from sukuma.demo.places import Place, Settlement, gps_near

INSTRUMENT_VERSION: Final = "oss-profile-1"
# Monthly values (rand, 2025) used to place a grant-only household in an income band.
GRANT_VALUES: Final = {
    "older_persons": 2315, "disability": 2315, "care_dependency": 2315, "war_veterans": 2335,
    "foster_child": 1250, "child_support": 560, "grant_in_aid": 560, "srd": 370,
}  # fmt: skip
DWELLINGS: Final[dict[Settlement, tuple[tuple[DwellingType, float], ...]]] = {
    "urban": (("formal", 80.0), ("backyard", 15.0), ("informal", 5.0)),
    "informal": (("informal", 85.0), ("backyard", 10.0), ("formal", 5.0)),
    "rural": (("traditional", 50.0), ("formal", 45.0), ("informal", 5.0)),
}
WATER: Final[dict[Settlement, tuple[tuple[WaterSource, float], ...]]] = {
    "urban": (("piped_in_dwelling", 50.0), ("piped_yard", 45.0), ("communal_tap", 5.0)),
    "informal": (("communal_tap", 85.0), ("piped_yard", 10.0), ("tanker", 5.0)),
    "rural": (
        ("communal_tap", 40.0),
        ("borehole", 20.0),
        ("river_or_dam", 15.0),
        ("tanker", 10.0),
        ("piped_yard", 15.0),
    ),
}
SANITATION: Final[dict[Settlement, tuple[tuple[Sanitation, float], ...]]] = {
    "urban": (("flush", 85.0), ("vip", 10.0), ("pit", 5.0)),
    "informal": (("flush", 15.0), ("vip", 30.0), ("pit", 30.0), ("bucket", 15.0), ("none", 10.0)),
    "rural": (("vip", 45.0), ("pit", 40.0), ("none", 12.0), ("flush", 3.0)),
}
ELECTRICITY: Final[dict[Settlement, tuple[tuple[Electricity, float], ...]]] = {
    "urban": (("prepaid", 85.0), ("grid", 12.0), ("none", 3.0)),
    "informal": (("prepaid", 45.0), ("none", 50.0), ("grid", 5.0)),
    "rural": (("prepaid", 80.0), ("none", 20.0)),
}
TENURE: Final[dict[DwellingType, tuple[tuple[Tenure, float], ...]]] = {
    "formal": (("owned", 75.0), ("rented", 15.0), ("rent_free", 10.0)),
    "traditional": (("owned", 60.0), ("rent_free", 40.0)),
    "backyard": (("rented", 80.0), ("rent_free", 20.0)),
    "informal": (("informal_occupation", 85.0), ("rent_free", 15.0)),
}
SKIPPED_DAYS: Final[dict[IncomeBand, float]] = {
    "none": 0.55, "under_1000": 0.4, "1000_3499": 0.25, "3500_6999": 0.1, "7000_plus": 0.03,
}  # fmt: skip


def dwelling(demo: Demo, place: Place, kind: DwellingType) -> Dwelling:
    rooms = demo.rng.randint(1, 3) if kind in ("informal", "backyard") else demo.rng.randint(2, 6)
    return {
        "type": kind,
        "tenure": pick(demo.rng, TENURE[kind]),
        "rooms": rooms,
        "village": demo.rng.choice(place.villages),
        "gps": gps_near(demo, place),
    }


def basic_services(demo: Demo, settlement: Settlement) -> BasicServices:
    source = pick(demo.rng, WATER[settlement])
    if source in ("piped_in_dwelling", "piped_yard"):
        distance = 0
    elif source == "tanker":
        distance = demo.rng.randint(20, 500)
    else:
        distance = demo.rng.choice((demo.rng.randint(10, 200), demo.rng.randint(150, 1200)))
    return {
        "water_source": source,
        "water_distance_m": distance,
        "sanitation": pick(demo.rng, SANITATION[settlement]),
        "electricity": pick(demo.rng, ELECTRICITY[settlement]),
        "refuse_removal": demo.chance({"urban": 0.9, "informal": 0.5, "rural": 0.1}[settlement]),
    }


def livelihood(demo: Demo, members: list[Member], link: bool) -> Livelihood:
    """Main income and its band, from the members' work and grants."""
    work = [m["employment"] for m in members]
    grants = sum(
        GRANT_VALUES[g["grant_type"]]
        for m in members
        for g in m["grants"]
        if g["status"] == "receiving"
    )
    source: IncomeSource
    band: IncomeBand
    if "employed" in work:
        source, band = (
            "salary",
            pick(demo.rng, (("1000_3499", 35.0), ("3500_6999", 45.0), ("7000_plus", 20.0))),
        )
    elif "self_employed" in work:
        source, band = (
            "informal_trade",
            pick(demo.rng, (("under_1000", 40.0), ("1000_3499", 45.0), ("3500_6999", 15.0))),
        )
    elif grants:
        source, band = "grants", _band(grants)
    elif demo.chance(0.45):
        source, band = "remittances", pick(demo.rng, (("under_1000", 60.0), ("1000_3499", 40.0)))
    else:
        source, band = "none", "none"
    return {"main_income_source": source, "income_band": band, "livelihood_link": link}


def _band(income: int) -> IncomeBand:
    if income < 1000:
        return "under_1000"
    if income < 3500:
        return "1000_3499"
    return "3500_6999" if income < 7000 else "7000_plus"


def food_security(demo: Demo, band: IncomeBand, children: bool, rural: bool) -> FoodSecurity:
    days = 0
    if demo.chance(SKIPPED_DAYS[band]):
        days = pick(demo.rng, ((1, 25.0), (2, 25.0), (3, 18.0), (4, 12.0), (5, 10.0), (6, 5.0)))
        days = days if days < 6 else demo.rng.randint(6, 7)
    hungry = children and demo.chance(0.5 if days >= 3 else 0.12 if days else 0.0)
    return {
        "days_skipped_meal_last_7": days,
        "child_went_hungry": hungry,
        "food_garden": demo.chance(0.35 if rural else 0.1),
        "receives_food_parcels": demo.chance(0.05),
    }


def social_ills(demo: Demo, children: bool) -> SocialIlls:
    return {
        "substance_abuse": demo.chance(0.09),
        "gbv_disclosed_or_suspected": demo.chance(0.035),
        "child_abuse_concern": children and demo.chance(0.015),
        "crime_victim": demo.chance(0.06),
    }


def has_children(members: list[Member], on: date) -> bool:
    return any(age_on(m["date_of_birth"], on) < 18 for m in members)


def first_profile(demo: Demo, place: Place, home: Dwelling, on: date) -> Profile:
    """A new household's first profile (its dwelling was captured at registration)."""
    members = members_of(demo, composition(demo), on, poor=demo.chance(0.88))
    child_headed = all(age_on(m["date_of_birth"], on) < 18 for m in members)
    income = livelihood(demo, members, link=demo.chance(0.08))
    children = has_children(members, on)
    languages: tuple[tuple[Language, float], ...] = (
        ("zu", 92.0),
        ("en", 5.0),
        ("xh", 2.0),
        ("other", 1.0),
    )
    language = pick(demo.rng, languages)
    return {
        "instrument_version": INSTRUMENT_VERSION,
        "language": language,
        "dwelling": copy.deepcopy(home),
        "members": members,
        "livelihood": income,
        "food_security": food_security(
            demo, income["income_band"], children, place.settlement == "rural"
        ),
        "basic_services": basic_services(demo, place.settlement),
        "social_ills": social_ills(demo, children),
        "consent": {
            "given": True,
            "given_by": "competent_person" if child_headed else "self",
            "basis": "child_protection_law" if child_headed else "consent",
        },
    }
