"""The matcher's probe: it keeps exactly the block households the scorer could propose, and the
trie that seals an event reaches exactly the personal paths, so neither speed-up changes a
decision."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.matching.cards import Card, Person
from adapters.matching.prefilter import iso_shaped, near_births, probe_of
from adapters.matching.scoring import compare_households
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


def _scores(a: Card, b: Card) -> bool:
    """Whether the scorer found any member pair that may match (it then has field scores)."""
    try:
        evidence = compare_households(a, b, same_ward=True)
    except ValueError:  # a birth date of another shape than YYYY-MM-DD
        return True
    return len(evidence.field_scores) > 2  # more than "members" and "ward"


@settings(max_examples=400, deadline=None)
@given(a=cards, b=cards)
def test_the_probe_keeps_exactly_the_households_the_scorer_could_propose(a: Card, b: Card) -> None:
    kept = probe_of(a).reaches(b)
    if all(not p.born or iso_shaped(p.born) for p in (*a, *b)):
        assert kept == _scores(a, b)
    else:  # another shape: kept, and the scorer decides
        assert kept or not _scores(a, b)
    if not kept:
        assert not compare_households(a, b, same_ward=True).proposed


def test_near_births_are_each_digit_changed_the_date_itself_and_the_swap() -> None:
    near = near_births(BASE)
    assert {BASE, "1984-12-03", "1984-03-13", "1994-03-12", "1984-08-12"} <= near
    assert "1984-03-23" not in near and "1985-03-13" not in near
    assert len(near) == 2 + 8 * 9


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
