"""Which households of a block can be proposed at all, found without scoring them.

A pair of households is scored (``scoring.compare_households``) only through its member pairs
that may match: the same ID number or phone, or birth dates equal, one digit apart, or with
day and month swapped. With no such member pair a household pair scores at most the ward's
10%, so it is never proposed. A block brings ~60 households per new one at province scale,
most of them namesakes born years apart: testing each member pair in Python was most of the
matcher's time. A ``Probe`` turns the new household's members into sets once (their ID
numbers, phones, and every birth date that would count as near), so a block's household is
kept or dropped with a few set look-ups per member, and only the kept ones are scored.

The probe keeps exactly the households that have such a member pair (so what is proposed does
not change: ``tests/unit/test_duplicates.py`` checks it against the scorer's own test): one
digit apart is one character apart, which for two ``YYYY-MM-DD`` dates is a digit; a birth
date in any other shape is not probed but left to the scorer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from adapters.matching.cards import Card

_DIGITS: Final = "0123456789"
_DIGIT_AT: Final = (0, 1, 2, 3, 5, 6, 8, 9)  # the digits' places in YYYY-MM-DD
# A member's fields by position (``cards.Person`` is a named tuple in this order).
_BORN, _PHONE, _ID_NUMBER = 2, 3, 4


def iso_shaped(born: str) -> bool:
    """``YYYY-MM-DD`` in ASCII digits (what the API's dates are)."""
    return (
        len(born) == 10
        and born[4] == born[7] == "-"
        and born.isascii()
        and (born[:4] + born[5:7] + born[8:]).isdigit()
    )


def near_births(born: str) -> set[str]:
    """Every ``YYYY-MM-DD`` string the scorer rates above "the same year" against ``born``:
    itself, each one digit apart, and day and month swapped."""
    near = {born, f"{born[:4]}-{born[8:]}-{born[5:7]}"}
    for at in _DIGIT_AT:
        head, tail = born[:at], born[at + 1 :]
        near.update(head + d + tail for d in _DIGITS)
    return near


@dataclass(frozen=True)
class Probe:
    """A new household's members as sets, to test a block's households in one pass each."""

    id_numbers: frozenset[str]
    phones: frozenset[str]
    births: frozenset[str]
    exact: bool  # False: a member's birth date is not YYYY-MM-DD, so every pair is scored

    def reaches(self, other: Iterable[Sequence[str]]) -> bool:
        """Whether any member of ``other`` may match a member of the probed household."""
        if not self.exact:
            return True
        for member in other:
            born = member[_BORN]
            if born and (born in self.births or not iso_shaped(born)):
                return True
            if member[_PHONE] in self.phones or member[_ID_NUMBER] in self.id_numbers:
                return True
        return False


def probe_of(card: Card) -> Probe:
    births: set[str] = set()
    exact = True
    for person in card:
        if person.born:
            if iso_shaped(person.born):
                births |= near_births(person.born)
            else:
                exact = False
    return Probe(
        id_numbers=frozenset(p.id_number for p in card if p.id_number),
        phones=frozenset(p.phone for p in card if p.phone),
        births=frozenset(births),
        exact=exact,
    )
