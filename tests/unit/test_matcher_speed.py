"""Speed-ups that must not change a decision: the scorer's inlined pre-check and C date check
against the plain scorer they replaced, and the trie that seals an event against walking each
personal path."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.matching import cards as matcher_cards
from adapters.matching.cards import Card, Person
from adapters.matching.scoring import (
    MEMBER_FOUND_AT,
    NEAR_YEAR,
    Evidence,
    compare_households,
    compare_people,
    person_score,
)
from adapters.shredding import TRIES, personal_values
from domain.personal_data import SEALED_PATHS, Path, leaves
from domain.profile import Member
from tests.factories import make_member, make_profile

BASE = "1984-03-12"


@st.composite
def births(draw: st.DrawFn) -> str:
    """Birth dates near one another (equal, a digit apart, day and month swapped), or not."""
    kind = draw(st.sampled_from(["same", "digit", "swap", "other", "none", "odd"]))
    if kind == "same":
        return BASE
    if kind == "digit":
        at = draw(st.sampled_from([0, 1, 2, 3, 5, 6, 8, 9]))
        return BASE[:at] + draw(st.sampled_from("0123456789")) + BASE[at + 1 :]
    if kind == "swap":
        return "1984-12-03"
    if kind == "other":
        return draw(st.sampled_from(["1990-07-30", "1984-03-29", "1985-04-13"]))
    if kind == "odd":
        return "1984/03/12"  # not YYYY-MM-DD: left to the scorer
    return ""


people = st.builds(
    Person,
    first=st.sampled_from(["zanele", "sipho", ""]),
    surname=st.sampled_from(["dlamini", "zulu", ""]),
    born=births(),
    phone=st.sampled_from(["", "0725550101", "0825550101"]),
    id_number=st.sampled_from(["", "8403121238081", "8412035800087"]),
)
cards = st.lists(people, min_size=1, max_size=4).map(tuple)


def _dates(a: str, b: str) -> float | None:
    if not a or not b:
        return None
    if a == b:
        return 1.0
    if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return 0.8
    (ya, ma, da), (yb, mb, db) = a.split("-"), b.split("-")
    if ya == yb and ma == db and da == mb:
        return 0.8
    return NEAR_YEAR if ya == yb else 0.0


def _may_match(a: Person, b: Person) -> bool:
    if a.id_number and a.id_number == b.id_number:
        return True
    if a.phone and a.phone == b.phone:
        return True
    return (_dates(a.born, b.born) or 0.0) > NEAR_YEAR


def plain_compare(a: Card, b: Card, same_ward: bool) -> Evidence:
    """The scorer as it was first written (release match-v1): a call per member pair."""
    best: dict[str, float] = {}
    best_score, found, same_id = 0.0, 0, False
    for person in a:
        mine = 0.0
        for other in b:
            if not _may_match(person, other):
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
    return Evidence(
        score=0.7 * best_score + 0.2 * members + 0.1 * ward,
        field_scores={**best, "members": members, "ward": ward},
        same_id_number=same_id,
    )


def _outcome(compare: Any, a: Card, b: Card, same_ward: bool) -> Evidence | type[ValueError]:
    try:
        evidence: Evidence = compare(a, b, same_ward)
    except ValueError:  # a birth date of another shape than YYYY-MM-DD, as before
        return ValueError
    return evidence


@settings(max_examples=500, deadline=None)
@given(a=cards, b=cards, same_ward=st.booleans())
def test_the_scorer_decides_as_the_plain_one_did(a: Card, b: Card, same_ward: bool) -> None:
    assert _outcome(compare_households, a, b, same_ward) == _outcome(plain_compare, a, b, same_ward)


def _sealed_by_paths(name: str, state: dict[str, Any]) -> list[tuple[Path, Any]]:
    return sorted(
        (path, container[slot])
        for path in SEALED_PATHS[name]
        for container, slot in leaves(state, path)
        if container[slot] is not None
    )


@settings(max_examples=60, deadline=None)
@given(
    members=st.lists(
        st.builds(make_member, phone=st.sampled_from([None, "0725550101"])), max_size=4
    ),
    village=st.sampled_from([None, "Mpophomeni"]),
)
def test_the_sealing_trie_reaches_every_personal_value_each_path_reaches(
    members: list[Member], village: str | None
) -> None:
    state = {"profile": make_profile(members=members), "village": village, "gps": None}
    for name in ("Household.ProfileSubmitted", "Household.Registered"):
        found: list[tuple[Any, Any, Path]] = []
        personal_values(copy.deepcopy(state), TRIES[name], found)
        assert sorted((path, c[slot]) for c, slot, path in found) == _sealed_by_paths(name, state)


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=16))
def test_names_fold_to_the_letters_the_unicode_path_gives(name: str) -> None:
    """An ASCII name skips NFKD (nothing to fold but case): the same letters either way."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    assert matcher_cards._letters(name) == "".join(c for c in folded if c.isalpha() and c.isascii())
