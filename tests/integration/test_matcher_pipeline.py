"""The duplicate matcher scoring batches in a worker process while the next batch's block is
read (issue 20's speed at 3 million): against a real PostgreSQL index, ``matches_many`` finds
the very pairs ``matches`` finds batch by batch, in the same order."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

import pytest

from adapters.matching.index import PostgresDuplicateIndex
from bench.duplicates import household, written_again
from domain.duplicates.ports import IndexEntry
from domain.sukuma import Sukuma
from tests.integration.test_duplicates_api import WARD

pytestmark = pytest.mark.integration


def entry(rng: random.Random, profile: dict[str, Any]) -> IndexEntry:
    return IndexEntry(UUID(int=rng.getrandbits(128), version=4), WARD, profile)


def test_batches_scored_in_a_worker_find_the_same_pairs_as_one_after_another(
    application: Sukuma,
) -> None:
    # Given 300 households indexed, and three batches of new ones, a third of them households
    # of the index written down again (a slip or two), one household twice in a batch
    rng = random.Random(20)
    index = application.duplicate_index
    assert isinstance(index, PostgresDuplicateIndex)
    known = [entry(rng, household(rng)) for _ in range(300)]
    index.record(known)
    new = [
        entry(rng, written_again(rng, dict(rng.choice(known).profile or {})))
        if n % 3 == 0
        else entry(rng, household(rng))
        for n in range(150)
    ]
    new[70] = entry(rng, dict(new[60].profile or {}))
    batches = [new[i : i + 50] for i in range(0, len(new), 50)]

    # When the batches are matched one after another, and pipelined through a worker
    one_by_one = [index.matches(batch) for batch in batches]
    pipelined = list(index.matches_many(batches))

    # Then both find the same pairs, batch by batch (and they find some)
    assert pipelined == one_by_one
    assert sum(map(len, one_by_one)) >= 40
    assert any(m.other_id == new[60].household_id for m in one_by_one[1])
