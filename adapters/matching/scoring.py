"""How alike two households are, field by field (rapidfuzz), and whether to propose them.

Two households are compared through their members: each member of one is paired with its
most alike member of the other. A member pair scores its first names and surnames
(Jaro-Winkler, the surnames also against each other's first name for a swapped order), its
birth dates (equal 1; one digit wrong, or day and month swapped, 0.8; same year 0.3) and its
phones (equal 1, different 0; unknown on either side: left out and the weights rescaled).
The same checksum-valid ID number is the same person. The household's score is its best
member pair's (70%), the share of its members found in the other (20%) and the same ward
(10%); a pair at or over ``PROPOSE_AT``, or sharing an ID number, is proposed to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rapidfuzz.distance import Hamming, JaroWinkler

from adapters.matching.cards import Card, Person

RULE_VERSION: Final = "match-v1"
PROPOSE_AT: Final = 0.85
#: A member counts as found in the other household at this member score.
MEMBER_FOUND_AT: Final = 0.85
#: Birth dates in the same year, otherwise unlike.
NEAR_YEAR: Final = 0.3
_WEIGHTS: Final = {"first_name": 0.25, "surname": 0.3, "date_of_birth": 0.3, "phone": 0.15}


@dataclass(frozen=True)
class Evidence:
    score: float
    field_scores: dict[str, float]
    same_id_number: bool

    @property
    def proposed(self) -> bool:
        return self.same_id_number or self.score >= PROPOSE_AT


def _dates(a: str, b: str) -> float | None:
    if not a or not b:
        return None
    if a == b:
        return 1.0
    # (in C: a pre-check runs this for every member pair a block brings; unequal lengths
    # raise ValueError, as a strict zip would)
    if Hamming.distance(a, b, pad=False) == 1:
        return 0.8  # one digit wrong
    (ya, ma, da), (yb, mb, db) = a.split("-"), b.split("-")
    if ya == yb and ma == db and da == mb:
        return 0.8  # day and month swapped
    return NEAR_YEAR if ya == yb else 0.0


def _similar(a: str, b: str) -> float | None:
    return JaroWinkler.similarity(a, b) if a and b else None


def compare_people(a: Person, b: Person) -> dict[str, float]:
    """Each known field's similarity (0..1); ``id_number`` 1 only for the same number."""
    scores = {
        "first_name": _similar(a.first, b.first),
        "surname": max(_similar(a.surname, b.surname) or 0.0, _similar(a.surname, b.first) or 0.0)
        if a.surname and b.surname
        else None,
        "date_of_birth": _dates(a.born, b.born),
        "phone": (1.0 if a.phone == b.phone else 0.0) if a.phone and b.phone else None,
    }
    known = {k: v for k, v in scores.items() if v is not None}
    if a.id_number and a.id_number == b.id_number:
        known["id_number"] = 1.0
    return known


def person_score(fields: dict[str, float]) -> float:
    if fields.get("id_number") == 1.0:
        return 1.0
    if "date_of_birth" not in fields and "phone" not in fields:
        return 0.0  # a name alone is too little to say two people are one
    weights = {k: w for k, w in _WEIGHTS.items() if k in fields}
    total = sum(weights.values())
    return sum(fields[k] * w for k, w in weights.items()) / total


def compare_households(a: Card, b: Card, same_ward: bool) -> Evidence:
    """The evidence that ``a`` and ``b`` are one household (see the module's docstring)."""
    best: dict[str, float] = {}
    best_score = 0.0
    found = 0
    same_id = False
    for person in a:
        mine = 0.0
        id_number, phone, born = person.id_number, person.phone, person.born
        for other in b:
            # Whether the pair may count for a proposal: the same ID number or phone, or birth
            # dates closer than the same year. Below that a pair's score stays under what a
            # proposal or a member found needs, so it is not scored. (Inline: it runs for each
            # of the ~8 member pairs of every household a block brings, most of them namesakes
            # born years apart; a call per pair was a good part of the matcher's time.)
            if not (
                (id_number and id_number == other.id_number)
                or (phone and phone == other.phone)
                or (
                    born
                    and other.born
                    and (born == other.born or (_dates(born, other.born) or 0.0) > NEAR_YEAR)
                )
            ):
                continue
            fields = compare_people(person, other)
            score = person_score(fields)
            mine = max(mine, score)
            same_id = same_id or "id_number" in fields
            if score > best_score or (score == best_score and "id_number" in fields):
                best, best_score = fields, score
        found += mine >= MEMBER_FOUND_AT
    members = found / max(len(a), 1)
    ward = 1.0 if same_ward else 0.0
    score = 0.7 * best_score + 0.2 * members + 0.1 * ward
    return Evidence(
        score=score,
        field_scores={**best, "members": members, "ward": ward},
        same_id_number=same_id,
    )
