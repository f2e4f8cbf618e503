"""Profile validation: the domain checks the API schema cannot make."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.errors import InvalidCommand
from domain.profile import (
    MEMBER_PERSONAL_FIELDS,
    PROFILE_PERSONAL_FIELDS,
    Member,
    age_on,
    head_of,
    validate_profile,
)
from domain.reference.said import is_valid_sa_id
from tests.factories import AS_OF, make_child, make_member, make_profile


def invalid_field(members: list[Member]) -> str:
    with pytest.raises(InvalidCommand) as caught:
        validate_profile(make_profile(members=members), AS_OF)
    return caught.value.field


def test_sample_profile_is_valid_and_returned_unchanged() -> None:
    profile = make_profile()
    assert validate_profile(profile, AS_OF) == profile


def test_factory_gives_members_checksum_valid_id_numbers_matching_their_birth_dates() -> None:
    member = make_member(date_of_birth="1999-12-31", sex="male")
    assert member["id_number"] is not None
    assert is_valid_sa_id(member["id_number"])
    assert member["id_number"].startswith("991231")


def test_factory_merges_section_overrides_into_the_defaults() -> None:
    profile = make_profile(food_security={"child_went_hungry": True})
    assert profile["food_security"]["child_went_hungry"] is True
    assert profile["food_security"]["days_skipped_meal_last_7"] == 0


def test_profile_without_members_is_refused() -> None:
    assert invalid_field([]) == "members"


def test_profile_without_a_head_is_refused() -> None:
    assert invalid_field([make_member(relation="spouse"), make_child()]) == "members"


def test_profile_with_two_heads_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="found 2"):
        validate_profile(make_profile(members=[make_member(), make_member()]), AS_OF)


def test_repeated_member_id_is_refused_at_the_repeating_member() -> None:
    same = "6f1c1c1e-7d1b-4a53-9a3e-0b7b1f0c2d11"
    members = [make_member(member_id=same), make_child(), make_child(member_id=same)]
    assert invalid_field(members) == "members[2].member_id"


def test_member_id_that_is_not_a_uuid_is_refused() -> None:
    assert invalid_field([make_member(member_id="head-1")]) == "members[0].member_id"


def test_birth_date_after_the_as_of_date_is_refused() -> None:
    unborn = make_child(date_of_birth="2025-06-02", id_number=None)
    assert invalid_field([make_member(), unborn]) == "members[1].date_of_birth"


def test_birth_date_that_is_not_iso_is_refused() -> None:
    assert invalid_field([make_member(date_of_birth="14/03/1980", id_number=None)]) == (
        "members[0].date_of_birth"
    )


def test_id_number_failing_its_checksum_is_refused() -> None:
    head = make_member(date_of_birth="1980-03-14")
    assert head["id_number"] is not None
    broken = head["id_number"][:12] + str((int(head["id_number"][12]) + 1) % 10)
    assert invalid_field([make_member(id_number=broken)]) == "members[0].id_number"


def test_id_number_whose_birth_date_differs_from_date_of_birth_is_refused() -> None:
    other = make_member(date_of_birth="1981-03-14")["id_number"]
    with pytest.raises(InvalidCommand, match="does not match") as caught:
        validate_profile(make_profile(members=[make_member(id_number=other)]), AS_OF)
    assert caught.value.field == "members[0].id_number"


def test_two_members_with_one_id_number_are_refused() -> None:
    head = make_member()
    twin = make_member(relation="sibling", id_number=head["id_number"])
    assert invalid_field([head, twin]) == "members[1].id_number"


def test_member_without_id_number_is_accepted() -> None:
    profile = make_profile(members=[make_member(id_number=None, document_status="applied")])
    assert validate_profile(profile, AS_OF)["members"][0]["id_number"] is None


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        ("2000-06-15", date(2025, 6, 14), 24),
        ("2000-06-15", date(2025, 6, 15), 25),
        ("2004-02-29", date(2022, 2, 28), 17),
        ("2004-02-29", date(2022, 3, 1), 18),
    ],
)
def test_age_counts_completed_years(born: str, on: date, age: int) -> None:
    assert age_on(born, on) == age


def test_head_of_finds_the_head_member() -> None:
    profile = make_profile()
    head = head_of(profile)
    assert head is not None
    assert head["relation"] == "head"


def test_personal_fields_name_real_member_keys_and_profile_paths() -> None:
    member = make_member()
    assert set(MEMBER_PERSONAL_FIELDS) <= set(member)
    profile = make_profile()
    for path in PROFILE_PERSONAL_FIELDS:
        section, key = path.split(".")
        assert key in profile[section]  # type: ignore[literal-required]


@pytest.mark.parametrize("born", [date(1901, 1, 2), date(1999, 12, 31), date(2009, 10, 5)])
def test_id_number_birth_date_is_compared_as_its_yymmdd(born: date) -> None:
    member = make_member(date_of_birth=born.isoformat())
    assert member["id_number"] is not None and member["id_number"][:6] == f"{born:%y%m%d}"
    validate_profile(make_profile(members=[member]), AS_OF)
    shifted = make_member(date_of_birth=(born + timedelta(days=1)).isoformat())["id_number"]
    with pytest.raises(InvalidCommand, match="does not match"):
        validate_profile(
            make_profile(members=[make_member(**{**member, "id_number": shifted})]), AS_OF
        )
