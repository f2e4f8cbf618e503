"""Re-profiles: what changed since the last profile, as a field worker would find it.

``improved`` clears each problem whose need was met (a birth certificate issued, a grant paid,
a child back in school); ``shocked`` adds a new problem to a graduated household (a job lost, a
TB screen positive), the regression the nerve centre watches for (EW-11, M12).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import date
from typing import Final

from domain.households.records import Need
from domain.profile import Member, Profile, age_on
from domain.reference.said import generate_sa_id
from domain.rules.need_predicates import CHILD_GRANTS, DISABILITY_GRANTS
from sukuma.demo.context import Demo
from sukuma.demo.profiles import has_children, livelihood

MemberFix = Callable[[Demo, Member, date], None]
HouseholdFix = Callable[[Demo, Profile], None]


def _documents(demo: Demo, m: Member, on: date) -> None:
    if m["citizenship"] == "undocumented":
        m["citizenship"] = "permit"  # documented by Home Affairs as a permit holder
    m["document_status"] = "has"
    if m["citizenship"] in ("citizen", "permanent_resident") and m["id_number"] is None:
        born = date.fromisoformat(m["date_of_birth"])
        m["id_number"] = generate_sa_id(born, m["sex"], m["citizenship"] == "citizen", demo.rng)


def _grants(demo: Demo, m: Member, on: date) -> None:
    for grant in m["grants"]:
        if grant["status"] == "eligible_not_receiving":
            grant["status"] = "receiving"
    if m["orphan_status"] == "double" and not any(
        g["grant_type"] in CHILD_GRANTS and g["status"] != "not_eligible" for g in m["grants"]
    ):
        m["grants"].append({"grant_type": "foster_child", "status": "receiving"})


def _disability(demo: Demo, m: Member, on: date) -> None:
    m["disability"]["assistive_device_needed"] = False
    if not any(g["grant_type"] in DISABILITY_GRANTS for g in m["grants"]):
        age = age_on(m["date_of_birth"], on)
        kind = "care_dependency" if age < 18 else "disability" if age < 60 else "older_persons"
        m["grants"].append({"grant_type": kind, "status": "receiving"})  # type: ignore[typeddict-item]


def _tb(demo: Demo, m: Member, on: date) -> None:
    m["health"]["tb_symptom_screen_positive"] = False


def _chronic(demo: Demo, m: Member, on: date) -> None:
    m["health"]["defaulting_treatment"] = False
    m["health"]["on_treatment"] = True


def _maternal(demo: Demo, m: Member, on: date) -> None:
    m["health"]["pregnant"] = False
    m["health"]["missed_immunisation"] = False


def _nutrition(demo: Demo, m: Member, on: date) -> None:
    m["health"]["suspected_malnutrition"] = False


def _education(demo: Demo, m: Member, on: date) -> None:
    school = m["schooling"]
    if 3 <= age_on(m["date_of_birth"], on) <= 5:
        school["ecd_attendance"] = True
        return
    school["attending"], school["reason_not_attending"] = True, None
    school["school_name"] = school["school_name"] or f"{demo.faker.last_name()} Secondary School"


def _work(demo: Demo, m: Member, on: date) -> None:
    if age_on(m["date_of_birth"], on) < 18:
        m["employment"] = "student"
        _education(demo, m, on)
        return
    m["employment"] = "employed" if demo.chance(0.6) else "self_employed"  # EPWP, CWP, a co-op


MEMBER_FIXES: Final[dict[str, MemberFix]] = {
    "documents": _documents,
    "social_grant": _grants,
    "disability": _disability,
    "health_tb": _tb,
    "health_chronic": _chronic,
    "health_maternal": _maternal,
    "nutrition": _nutrition,
    "education": _education,
    "livelihood": _work,
}


def _food(demo: Demo, p: Profile) -> None:
    food = p["food_security"]
    food["days_skipped_meal_last_7"] = 0 if demo.chance(0.85) else 1
    food["child_went_hungry"] = False
    food["receives_food_parcels"] = True


def _water(demo: Demo, p: Profile) -> None:
    services = p["basic_services"]
    if demo.chance(0.5):
        services["water_source"], services["water_distance_m"] = "piped_yard", 0
    else:
        services["water_source"] = "communal_tap"
        services["water_distance_m"] = demo.rng.randint(30, 180)


def _set(section: str, key: str, value: object) -> HouseholdFix:
    def fix(demo: Demo, p: Profile) -> None:
        p[section][key] = value  # type: ignore[literal-required]

    return fix


def _housing(demo: Demo, p: Profile) -> None:
    p["dwelling"].update({"type": "formal", "tenure": "owned", "rooms": 4})  # an RDP house


HOUSEHOLD_FIXES: Final[dict[str, HouseholdFix]] = {
    "child_protection": _set("social_ills", "child_abuse_concern", False),
    "gbv": _set("social_ills", "gbv_disclosed_or_suspected", False),
    "substance_abuse": _set("social_ills", "substance_abuse", False),
    "other": _set("social_ills", "crime_victim", False),
    "food_security": _food,
    "livelihood": _set("food_security", "food_garden", True),
    "water": _water,
    "sanitation": _set("basic_services", "sanitation", "vip"),
    "electricity": _set("basic_services", "electricity", "prepaid"),
    "housing": _housing,
}


def improved(demo: Demo, profile: Profile, met: Iterable[Need], on: date) -> Profile:
    """The profile again, with the problem behind each met (resolved) need cleared."""
    revised = copy.deepcopy(profile)
    members = {m["member_id"]: m for m in revised["members"]}
    for need in met:
        if need.member_id is not None and need.member_id in members:
            member_fix = MEMBER_FIXES.get(need.category)
            if member_fix is not None:
                member_fix(demo, members[need.member_id], on)
        elif need.member_id is None:
            household_fix = HOUSEHOLD_FIXES.get(need.category)
            if household_fix is not None:
                household_fix(demo, revised)
    link = revised["livelihood"]["livelihood_link"]
    revised["livelihood"] = livelihood(demo, revised["members"], link)
    return revised


def shocked(demo: Demo, profile: Profile, on: date) -> Profile:
    """The profile with a new problem: a job lost and hunger, TB, or a child at risk."""
    revised = copy.deepcopy(profile)
    roll = demo.rng.random()
    workers = [m for m in revised["members"] if m["employment"] in ("employed", "self_employed")]
    if roll < 0.6:
        for member in workers[:1]:
            member["employment"] = "unemployed_seeking"
        link = revised["livelihood"]["livelihood_link"]
        revised["livelihood"] = livelihood(demo, revised["members"], link)
        food = revised["food_security"]
        food["days_skipped_meal_last_7"] = demo.rng.randint(3, 6)
        food["child_went_hungry"] = has_children(revised["members"], on) and demo.chance(0.5)
    elif roll < 0.8:
        adults = [m for m in revised["members"] if age_on(m["date_of_birth"], on) >= 15]
        demo.rng.choice(adults or revised["members"])["health"]["tb_symptom_screen_positive"] = True
    elif has_children(revised["members"], on):
        revised["social_ills"]["child_abuse_concern"] = True
    else:
        revised["social_ills"]["gbv_disclosed_or_suspected"] = True
    return revised
