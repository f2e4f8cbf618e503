"""Duplicate households without I/O: the matcher's cards, keys and scores; the merge on the
aggregates, and that undoing it leaves both households exactly as they were."""

from __future__ import annotations

import copy
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from cryptography.exceptions import InvalidTag
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.matching.cards import CardKeys, Person, blocking_values, card_of
from adapters.matching.scoring import compare_households
from domain.duplicates.finding import matchable
from domain.duplicates.model import CandidateStatus, DuplicateCandidate, candidate_id
from domain.errors import RuleViolation
from domain.households.model import Household
from tests.factories import make_member, make_profile

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
WARD = "KZN225-W001"


def test_merge_events_are_named_and_stored_as_household_events() -> None:
    assert {
        name: get_topic(getattr(Household, name))
        for name in ("MergedInto", "Absorbed", "MergeUndone", "AbsorptionUndone")
    } == {
        name: f"domain.households.model:Household.{name}"
        for name in ("MergedInto", "Absorbed", "MergeUndone", "AbsorptionUndone")
    }


# ---- the matcher's view of a profile ---------------------------------------------------------


def test_a_card_keeps_normalised_names_and_only_valid_id_numbers() -> None:
    head = make_member(first_name="Zanéle ", surname="Dlamini-Mkhize", phone="+27 72 555 0101")
    profile = make_profile(members=[head, {**make_member(), "id_number": "8403121238082"}])
    card = card_of(profile)
    assert card[0].first == "zanele"
    assert card[0].surname == "dlaminimkhize"
    assert card[0].phone == "0725550101"
    assert card[0].id_number == head["id_number"]
    assert card[1].id_number == ""  # a bad checksum is no evidence


def test_blocking_values_cover_id_phone_name_and_birth_date() -> None:
    person = Person("zanele", "dlamini", "1984-03-12", "0725550101", "8403121238081")
    assert blocking_values(person) == [
        "id|8403121238081",
        "ph|0725550101",
        "sm|dlam|z|1984-03",
        "fd|zanele|1984-03-12",
    ]


@given(
    st.binary(min_size=1, max_size=64),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
)
def test_a_blind_key_is_the_first_8_bytes_of_the_hmac_sha256_of_its_value(
    secret: bytes, value: str
) -> None:
    # ``blind`` hashes the key's padded blocks once; the keys already stored must not change.
    key = CardKeys._derive(secret, b"sukuma duplicate blocking keys")
    digest = hmac.digest(key, value.encode(), "sha256")
    assert CardKeys(secret).blind(value) == int.from_bytes(digest[:8], "big", signed=True)


def test_blind_keys_are_keyed_and_cards_open_only_for_their_household() -> None:
    keys, other = CardKeys(b"k" * 32), CardKeys(b"o" * 32)
    assert keys.blind("id|8403121238081") == keys.blind("id|8403121238081")
    assert keys.blind("id|8403121238081") != other.blind("id|8403121238081")
    card = card_of(make_profile())
    household = uuid4()
    sealed = keys.seal(household, card)
    assert b"Nomvula" not in sealed and b"nomvula" not in sealed
    assert keys.open(household, sealed) == card
    with pytest.raises(InvalidTag):
        keys.open(uuid4(), sealed)


# ---- scores -------------------------------------------------------------------------------------


def person(first: str, surname: str, born: str, phone: str = "", id_number: str = "") -> Person:
    return Person(first, surname, born, phone, id_number)


def test_the_same_id_number_is_the_same_household() -> None:
    a = (person("zanele", "dlamini", "1984-03-12", id_number="8403121238081"),)
    b = (person("zanele", "zulu", "1984-03-12", id_number="8403121238081"),)
    evidence = compare_households(a, b, same_ward=False)
    assert evidence.same_id_number and evidence.proposed
    assert evidence.field_scores["id_number"] == 1.0


def test_a_misspelt_name_with_the_same_birth_date_and_phone_is_proposed() -> None:
    a = (person("zanele", "dlamini", "1984-03-12", "0725550101"),)
    b = (person("zanela", "dhlamini", "1984-03-12", "0725550101"),)
    evidence = compare_households(a, b, same_ward=True)
    assert evidence.proposed and not evidence.same_id_number
    assert 0.85 < evidence.field_scores["surname"] < 1.0
    assert evidence.field_scores["date_of_birth"] == 1.0


def test_day_and_month_swapped_still_counts_as_a_near_birth_date() -> None:
    a = (person("thabo", "mkhize", "1958-11-05"),)
    b = (person("thabo", "mkhize", "1958-05-11"),)
    assert compare_households(a, b, same_ward=True).field_scores["date_of_birth"] == 0.8


def test_namesakes_born_years_apart_are_not_proposed() -> None:
    a = (person("sipho", "zulu", "1990-01-01", "0821110000"),)
    b = (person("sipho", "zulu", "1961-07-30", "0837770000"),)
    assert not compare_households(a, b, same_ward=True).proposed


def test_a_name_alone_is_no_evidence() -> None:
    a = (person("sipho", "zulu", ""),)
    assert not compare_households(a, a, same_ward=True).proposed


# ---- the pair and its review -------------------------------------------------------------------


def proposed(a: Household, b: Household) -> DuplicateCandidate:
    first, second = sorted([str(a.id), str(b.id)])
    candidate = DuplicateCandidate(
        id=candidate_id(a.id, b.id),
        household_ids=[first, second],
        ward_ids=[WARD, WARD],
        score=0.97,
        field_scores={"first_name": 1.0},
        same_id_number=True,
        rule_version="match-v1",
        occurred_at=T0,
        actor="matcher",
    )
    candidate.collect_events()
    return candidate


def household(visits: int = 0, needs: int = 0) -> Household:
    h = Household(
        id=uuid4(),
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        occurred_at=T0,
        actor="fw",
    )
    for n in range(needs):
        h.identify_need(
            need_id=str(uuid4()),
            category="food",
            severity="high",
            department="DSD",
            occurred_at=T0 + timedelta(hours=n),
            actor="fw",
            member_id=None,
            note=None,
        )
    for n in range(visits):
        h.record_visit(
            visit_id=str(uuid4()),
            field_worker_id=None,
            outcome="completed",
            days_skipped_meal_last_7=None,
            note=None,
            occurred_at=T0 + timedelta(days=n),
            actor="fw",
        )
    h.collect_events()
    return h


def test_the_pair_id_does_not_depend_on_the_order() -> None:
    a, b = uuid4(), uuid4()
    assert candidate_id(a, b) == candidate_id(b, a) != candidate_id(a, uuid4())


def test_a_dismissed_pair_cannot_be_merged_and_a_merged_one_not_merged_twice() -> None:
    a, b = household(), household()
    dismissed = proposed(a, b)
    dismissed.dismiss("two sisters, two homes", T0, "convener")
    with pytest.raises(RuleViolation):
        dismissed.merge(str(a.id), T0, "convener")
    merged = proposed(a, b)
    merged.merge(str(a.id), T0, "convener")
    assert merged.status == CandidateStatus.MERGED and merged.duplicate_id == str(b.id)
    with pytest.raises(RuleViolation):
        merged.merge(str(b.id), T0, "convener")
    with pytest.raises(RuleViolation, match="survivor"):
        proposed(a, b).merge(str(uuid4()), T0, "convener")


def test_a_merged_household_cannot_be_merged_again_nor_take_others_in() -> None:
    a, b, c = household(), household(), household()
    b.merge_into(survivor_id=str(a.id), candidate_id="p", occurred_at=T0, actor="c")
    with pytest.raises(RuleViolation, match="merged"):
        b.merge_into(survivor_id=str(c.id), candidate_id="q", occurred_at=T0, actor="c")
    with pytest.raises(RuleViolation, match="merged"):
        b.absorb(duplicate_id=str(c.id), candidate_id="q", occurred_at=T0, actor="c")
    with pytest.raises(RuleViolation):
        a.merge_into(survivor_id=str(a.id), candidate_id="r", occurred_at=T0, actor="c")


def state(aggregate: Any) -> dict[str, Any]:
    """Everything a reader of the aggregate sees (its class defaults too) but its version and
    modification time."""
    skip = {"_version", "_modified_on", "_pending_events"}
    names = (set(vars(aggregate)) | {"merged_into", "absorbed"}) - skip
    return copy.deepcopy({k: getattr(aggregate, k, None) for k in sorted(names)})


@settings(max_examples=40, deadline=None)
@given(
    survivor_shape=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    duplicate_shape=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    survivor_first=st.booleans(),
)
def test_merge_then_unmerge_leaves_both_households_and_the_pair_as_they_were(
    survivor_shape: tuple[int, int], duplicate_shape: tuple[int, int], survivor_first: bool
) -> None:
    a, b = household(*survivor_shape), household(*duplicate_shape)
    survivor, duplicate = (a, b) if survivor_first else (b, a)
    candidate = proposed(a, b)
    before = [state(survivor), state(duplicate), state(candidate)]
    # When the pair is merged ...
    candidate.merge(str(survivor.id), T0, "convener")
    duplicate.merge_into(
        survivor_id=str(survivor.id), candidate_id=str(candidate.id), occurred_at=T0, actor="c"
    )
    survivor.absorb(
        duplicate_id=str(duplicate.id), candidate_id=str(candidate.id), occurred_at=T0, actor="c"
    )
    assert duplicate.merged_into == str(survivor.id)
    assert survivor.absorbed == (str(duplicate.id),)
    # ... and the merge undone
    candidate.unmerge("not the same family after all", T0, "convener")
    duplicate.undo_merge(candidate_id=str(candidate.id), occurred_at=T0, actor="c")
    survivor.undo_absorption(
        duplicate_id=str(duplicate.id), candidate_id=str(candidate.id), occurred_at=T0, actor="c"
    )
    # then both households are exactly as before (the pair open again, its decision noted).
    after = [state(survivor), state(duplicate), state(candidate)]
    assert after[:2] == before[:2]
    assert {**after[2], "decided_at": None, "decided_by": None} == before[2]
    # and replaying their events gives the same state.
    for aggregate in (survivor, duplicate):
        events = aggregate.collect_events()
        assert [type(e).__name__ for e in events[-2:]] in (
            ["MergedInto", "MergeUndone"],
            ["Absorbed", "AbsorptionUndone"],
        )


def test_only_profiled_households_with_their_personal_data_are_matched() -> None:
    registered, profiled, erased = household(), household(), household()
    for h in (profiled, erased):
        h.submit_profile(
            profile=dict(make_profile()),
            field_worker_id=None,
            facts={},
            risk={"score": 0, "level": "low", "reasons": [], "flags": [], "rule_version": "r"},
            occurred_at=T0,
            actor="fw",
        )
    erased.erase_personal_data("data subject request", [], T0, "admin")
    assert [e.household_id for e in matchable([registered, profiled, erased])] == [profiled.id]
