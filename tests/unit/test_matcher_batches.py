"""Scoring a batch against its block and its own earlier households (``score_batch``)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from uuid import UUID, uuid4

from adapters.matching.batches import MOST_PER_HOUSEHOLD, Block, Blocked, Wanted, score_batch
from adapters.matching.cards import CardKeys, card_of
from adapters.matching.scoring import compare_households
from domain.duplicates.ports import Match
from tests.factories import make_member, make_profile

KEYS = CardKeys(b"k" * 32)
FIRST = ["Nomvula", "Thandi", "Sipho"]
SURNAMES = ["Dlamini", "Cele", "Zulu"]
BORN = ["1980-03-14", "1980-03-15", "1979-11-02"]


def household(rng: random.Random, household_id: UUID | None = None) -> Wanted:
    member = make_member(
        first_name=rng.choice(FIRST), surname=rng.choice(SURNAMES), date_of_birth=rng.choice(BORN)
    )
    card = card_of(make_profile(members=[member]))
    ward = rng.choice(["KZN225-W001", "KZN225-W002"])
    return Wanted(household_id or uuid4(), ward, card, frozenset(KEYS.keys_of(card)))


def plainly(batch: Sequence[Wanted]) -> list[Match]:
    """What ``score_batch`` answered for an empty block when it compared each household's
    keys with every earlier one's (the reference)."""
    found: list[Match] = []
    for index, wanted in enumerate(batch):
        others: Blocked = {}
        for earlier in batch[:index]:
            if wanted.keys & earlier.keys:
                others[earlier.household_id] = (earlier.ward_id, earlier.card)
        others.pop(wanted.household_id, None)
        mine = []
        for other_id, (ward, card) in others.items():
            evidence = compare_households(wanted.card, card, wanted.ward_id == ward)
            if evidence.proposed:
                mine.append(
                    Match(
                        wanted.household_id,
                        wanted.ward_id,
                        other_id,
                        ward,
                        evidence.score,
                        evidence.field_scores,
                        evidence.same_id_number,
                    )
                )
        mine.sort(key=lambda m: (not m.same_id_number, -m.score, m.other_id))
        found += mine[:MOST_PER_HOUSEHOLD]
    return found


def test_a_batchs_own_households_are_matched_as_each_compared_with_every_earlier_one() -> None:
    rng = random.Random(13)
    for _ in range(20):
        batch = [household(rng) for _ in range(30)]
        # one household given twice (a register repeating it), its second card another
        batch.append(household(rng, batch[3].household_id))
        rng.shuffle(batch)
        expected = plainly(batch)
        assert score_batch(KEYS, batch, Block([], [], [], [])) == expected
    assert expected  # namesakes born close together: some pairs proposed
