"""The household profile as a web form: every answer of the instrument has a label, a posted
form reads as the API's profile, and each refusal is named by its question."""

from __future__ import annotations

from datetime import date
from typing import get_args

import pytest

from web.profile_form import CHOICES, QUESTIONS, ProfileRefused, checked_profile, read_profile


def test_every_answer_of_every_closed_question_has_one_label() -> None:
    for question, (vocabulary, labels) in CHOICES.items():
        assert set(labels) == set(get_args(vocabulary)), question


def form(**overrides: str) -> dict[str, str]:
    answers = {
        "dwelling.type": "formal",
        "dwelling.tenure": "rented",
        "dwelling.rooms": "3",
        "language": "en",
        "members.0.first_name": "Thandeka",
        "members.0.surname": "Mkhize",
        "members.0.sex": "female",
        "members.0.date_of_birth": "1990-01-31",
        "members.0.relation": "head",
        "members.0.id_number": "",
        "members.0.document_status": "has",
        "members.0.employment": "employed",
        "members.0.health.pregnant": "yes",
        "livelihood.main_income_source": "salary",
        "livelihood.income_band": "3500_6999",
        "food_security.days_skipped_meal_last_7": "0",
        "basic_services.water_source": "piped_yard",
        "basic_services.water_distance_m": "0",
        "basic_services.sanitation": "flush",
        "basic_services.electricity": "prepaid",
        "basic_services.refuse_removal": "yes",
        "consent.given": "yes",
        "consent.given_by": "self",
    }
    return {**answers, **overrides}


def test_a_posted_form_reads_as_the_apis_profile() -> None:
    profile = checked_profile(form(), 1, date(2026, 12, 6))
    assert profile["dwelling"] == {
        "type": "formal", "tenure": "rented", "rooms": 3, "village": None, "gps": None,
    }  # fmt: skip
    member = profile["members"][0]
    assert member["id_number"] is None and member["health"]["pregnant"] is True
    assert member["schooling"]["attending"] is None and member["disability"]["type"] == "none"
    assert profile["basic_services"]["refuse_removal"] is True
    assert profile["food_security"]["child_went_hungry"] is False  # an unticked box
    assert profile["consent"] == {"given": True, "given_by": "self", "basis": "consent"}


def test_each_refusal_names_its_question_and_member() -> None:
    with pytest.raises(ProfileRefused) as refused:
        checked_profile(
            form(**{"members.0.sex": "", "dwelling.rooms": "many"}), 1, date(2026, 12, 6)
        )
    named = {(r.field, r.question, r.member) for r in refused.value.refusals}
    assert named == {
        ("members.0.sex", QUESTIONS["members.*.sex"], 1),
        ("dwelling.rooms", QUESTIONS["dwelling.rooms"], None),
    }


def test_the_domains_checks_are_named_too() -> None:
    two_heads = form(
        **{
            "members.1.first_name": "Lwazi", "members.1.surname": "Mkhize",
            "members.1.sex": "male", "members.1.date_of_birth": "1988-02-02",
            "members.1.relation": "head", "members.1.document_status": "has",
            "members.1.employment": "employed",
        }
    )  # fmt: skip
    with pytest.raises(ProfileRefused) as refused:
        checked_profile(two_heads, 2, date(2026, 12, 6))
    assert [(r.field, r.member) for r in refused.value.refusals] == [("members", None)]
    born_later = form(**{"members.0.date_of_birth": "2030-01-01"})
    with pytest.raises(ProfileRefused) as later:
        checked_profile(born_later, 1, date(2026, 12, 6))
    assert [(r.field, r.member) for r in later.value.refusals] == [("members.0.date_of_birth", 1)]


def test_members_beyond_the_count_are_not_read() -> None:
    extra = form(**{"members.1.first_name": "Ghost"})
    assert len(read_profile(extra, 1)["members"]) == 1
