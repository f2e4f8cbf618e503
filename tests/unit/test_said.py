"""South African ID numbers: validation, birth dates, synthesis and masking."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.reference.said import (
    generate_sa_id,
    is_valid_sa_id,
    luhn_check_digit,
    mask_sa_id,
    sa_id_birth_date,
    sa_id_sex,
)

TODAY = date(2025, 6, 1)
KNOWN_VALID = "8001015009087"  # the well-known specimen: 1 Jan 1980, male, citizen


def test_known_specimen_is_valid() -> None:
    assert is_valid_sa_id(KNOWN_VALID)


@pytest.mark.parametrize(
    "value",
    [
        "800101500908",  # 12 digits
        "80010150090870",  # 14 digits
        "80010150090A7",  # a letter
        "8013015009087",  # month 13
        "8001015009088",  # wrong check digit
        "8001015009387",  # citizenship digit 3
        "",
    ],
)
def test_malformed_numbers_are_invalid(value: str) -> None:
    assert not is_valid_sa_id(value)


def test_luhn_digit_of_specimen_payload_is_its_last_digit() -> None:
    assert luhn_check_digit(KNOWN_VALID[:12]) == 7


def test_birth_date_takes_the_latest_century_not_in_the_future() -> None:
    recent = generate_sa_id(date(2019, 4, 2), "female", True, random.Random(1))
    old = generate_sa_id(date(1931, 4, 2), "male", True, random.Random(1))
    assert sa_id_birth_date(recent, TODAY) == date(2019, 4, 2)
    assert sa_id_birth_date(old, TODAY) == date(1931, 4, 2)


def test_birth_date_on_29_february_1900_style_years_uses_2000() -> None:
    leap = generate_sa_id(date(2000, 2, 29), "female", True, random.Random(3))
    assert is_valid_sa_id(leap)
    assert sa_id_birth_date(leap, TODAY) == date(2000, 2, 29)


def test_birth_date_of_invalid_number_raises() -> None:
    with pytest.raises(ValueError, match="not a valid"):
        sa_id_birth_date("8001015009088", TODAY)


def test_gender_block_and_citizenship_digit_follow_the_arguments() -> None:
    rng = random.Random(7)
    female = generate_sa_id(date(1990, 1, 1), "female", True, rng)
    male = generate_sa_id(date(1990, 1, 1), "male", False, rng)
    assert (int(female[6:10]) < 5000, female[10]) == (True, "0")
    assert (int(male[6:10]) >= 5000, male[10]) == (True, "1")
    assert (sa_id_sex(female), sa_id_sex(male)) == ("female", "male")


def test_generate_refuses_an_unknown_sex() -> None:
    with pytest.raises(ValueError, match="sex must be"):
        generate_sa_id(date(1990, 1, 1), "x", True, random.Random(0))


def test_mask_keeps_only_the_birth_date() -> None:
    assert mask_sa_id(KNOWN_VALID) == "800101*******"
    assert mask_sa_id("12345") == "*****"


birth_dates = st.dates(min_value=date(1926, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["female", "male"])


@given(born=birth_dates, sex=sexes, citizen=st.booleans(), seed=st.integers())
def test_generated_ids_validate_and_round_trip_birth_date_and_sex(
    born: date, sex: str, citizen: bool, seed: int
) -> None:
    value = generate_sa_id(born, sex, citizen, random.Random(seed))
    assert is_valid_sa_id(value)
    assert sa_id_birth_date(value, TODAY) == born
    assert sa_id_sex(value) == sex


@given(
    born=birth_dates,
    sex=sexes,
    seed=st.integers(),
    position=st.integers(min_value=0, max_value=12),
    shift=st.integers(min_value=1, max_value=9),
)
def test_changing_any_single_digit_breaks_validity(
    born: date, sex: str, seed: int, position: int, shift: int
) -> None:
    value = generate_sa_id(born, sex, True, random.Random(seed))
    changed = str((int(value[position]) + shift) % 10)
    assert not is_valid_sa_id(value[:position] + changed + value[position + 1 :])


def _luhn_textbook(payload: str) -> int:
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_the_luhn_digit_is_the_textbook_one(payload: str) -> None:
    assert luhn_check_digit(payload) == _luhn_textbook(payload)
