"""Builders of valid sample profiles for unit, aggregate and API tests.

``make_profile()`` is a household with no needs and no risk: three members (a working head, a
working spouse and a schoolchild receiving the child support grant), a formal dwelling, a salary
and full food security. Tests add the problem they are about through overrides; dict sections
and dict member fields are merged into the defaults, anything else replaces them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import date
from typing import cast

from domain.profile import Member, Profile
from domain.reference.said import generate_sa_id

AS_OF = date(2025, 6, 1)  # the date unit tests evaluate rules on


def _merged(defaults: dict[str, object], overrides: Mapping[str, object]) -> dict[str, object]:
    merged = dict(defaults)
    for key, value in overrides.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = {**current, **value}
        else:
            merged[key] = value
    return merged


def make_member(**overrides: object) -> Member:
    """A valid member (by default an employed adult woman, the head); ``id_number`` follows DOB."""
    member_id = str(overrides.get("member_id") or uuid.uuid4())
    defaults: dict[str, object] = {
        "member_id": member_id,
        "first_name": "Nomvula",
        "surname": "Dlamini",
        "sex": "female",
        "date_of_birth": "1980-03-14",
        "relation": "head",
        "id_number": None,
        "document_status": "has",
        "citizenship": "citizen",
        "phone": "+27 82 555 0101",
        "grants": [],
        "disability": {"type": "none", "assistive_device_needed": False},
        "health": {
            "chronic_condition_category": "none",
            "tb_symptom_screen_positive": False,
            "on_treatment": False,
            "defaulting_treatment": False,
            "pregnant": False,
            "missed_immunisation": False,
            "suspected_malnutrition": False,
        },
        "schooling": {
            "attending": None,
            "grade": None,
            "school_name": None,
            "reason_not_attending": None,
            "ecd_attendance": None,
        },
        "orphan_status": "none",
        "employment": "employed",
    }
    member = _merged(defaults, overrides)
    if "id_number" not in overrides and member["document_status"] == "has":
        member["id_number"] = generate_sa_id(
            date.fromisoformat(str(member["date_of_birth"])),
            str(member["sex"]),
            member["citizenship"] == "citizen",
            random.Random(member_id),
        )
    return cast(Member, member)


def make_child(date_of_birth: str = "2014-08-20", **overrides: object) -> Member:
    """A child of the head attending school (grade 5), receiving the child support grant."""
    defaults: dict[str, object] = {
        "first_name": "Sipho",
        "sex": "male",
        "date_of_birth": date_of_birth,
        "relation": "child",
        "phone": None,
        "grants": [{"grant_type": "child_support", "status": "receiving"}],
        "schooling": {
            "attending": True,
            "grade": "5",
            "school_name": "Sukuma Primary School",
            "reason_not_attending": None,
            "ecd_attendance": None,
        },
        "employment": "student",
    }
    return make_member(**_merged(defaults, overrides))


def make_profile(*, members: list[Member] | None = None, **section_overrides: object) -> Profile:
    """A valid profile with no needs; sections given as dicts are merged into the defaults."""
    if members is None:
        members = [
            make_member(),
            make_member(
                first_name="Themba", sex="male", date_of_birth="1977-11-02", relation="spouse"
            ),
            make_child(),
        ]
    defaults: dict[str, object] = {
        "instrument_version": "oss-profile-1",
        "language": "zu",
        "dwelling": {
            "type": "formal",
            "tenure": "owned",
            "rooms": 4,
            "village": "KwaMpumuza",
            "gps": {"lat": -29.55, "lon": 30.30},
        },
        "members": members,
        "livelihood": {
            "main_income_source": "salary",
            "income_band": "3500_6999",
            "livelihood_link": False,
        },
        "food_security": {
            "days_skipped_meal_last_7": 0,
            "child_went_hungry": False,
            "food_garden": True,
            "receives_food_parcels": False,
        },
        "basic_services": {
            "water_source": "piped_yard",
            "water_distance_m": 0,
            "sanitation": "vip",
            "electricity": "prepaid",
            "refuse_removal": True,
        },
        "social_ills": {
            "substance_abuse": False,
            "gbv_disclosed_or_suspected": False,
            "child_abuse_concern": False,
            "crime_victim": False,
        },
        "consent": {"given": True, "given_by": "self", "basis": "consent"},
    }
    return cast(Profile, _merged(defaults, section_overrides))
