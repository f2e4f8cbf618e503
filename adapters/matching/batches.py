"""Matching a batch of households against the block its keys read, here or in a worker.

A batch's blocking keys are read in one query (``PostgresDuplicateIndex.read_block``); the
cards that come back are opened and every pair scored here (``score_batch``). Scoring is
pure CPU, the query mostly the database's: ``PostgresDuplicateIndex.matches_many`` scores a
batch in a worker process (``scoring_worker``) while the next batch's block is read, so the
two run on two cores at once. The worker holds the matcher's keys as this process does (the
cards are opened only in memory, in either).
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Final, NamedTuple
from uuid import UUID

from cryptography.exceptions import InvalidTag

from adapters.matching.cards import Card, Carded, CardKeys, card_of
from adapters.matching.scoring import compare_households
from domain.duplicates.ports import IndexEntry, Match

#: A household is proposed with its best few matches at most (the same ID number first): a
#: family is not recorded dozens of times, and a register repeating one household must not
#: flood the queue.
MOST_PER_HOUSEHOLD: Final = 3

Blocked = dict[UUID, tuple[str, Card]]  # household -> (ward, card)


class Block(NamedTuple):
    """A batch's block as read: per row a key, a household (its id's 16 bytes), its ward and
    its sealed card. Bytes and text, not ``UUID`` objects: a block goes to the worker as it
    is, and pickling thousands of UUIDs cost about what scoring them did."""

    keys: list[int]
    households: list[bytes]
    wards: list[str]
    cards: list[bytes]


class Wanted(NamedTuple):
    """A household of the batch as the matcher compares it (no profile beyond its card)."""

    household_id: UUID
    ward_id: str
    card: Card
    keys: frozenset[int]


def wanted_of(keys: CardKeys, entries: Iterable[IndexEntry]) -> list[Wanted]:
    out = []
    for entry in entries:
        if isinstance(entry.card, Carded):  # made ahead (an import's worker)
            out.append(Wanted(entry.household_id, entry.ward_id, *entry.card[:2]))
            continue
        card = card_of(entry.profile)
        out.append(Wanted(entry.household_id, entry.ward_id, card, frozenset(keys.keys_of(card))))
    return out


def open_block(keys: CardKeys, block: Block) -> tuple[Blocked, dict[int, set[UUID]]]:
    """The block's households with their opened cards, and which households each key reached."""
    found: Blocked = {}
    reached: dict[int, set[UUID]] = defaultdict(set)
    ids: dict[bytes, UUID] = {}
    for key, raw, ward, sealed in zip(*block, strict=True):
        household = ids.get(raw) or ids.setdefault(raw, UUID(bytes=raw))
        if household not in found:
            try:
                found[household] = (ward, keys.open(household, sealed))
            except InvalidTag:
                continue  # sealed under another key: unreadable, so never matched
        reached[key].add(household)
    return found, reached


def score_batch(keys: CardKeys, batch: Sequence[Wanted], block: Block) -> list[Match]:
    """Each household's matches among the block and the batch's earlier households."""
    stored, reached = open_block(keys, block)
    found: list[Match] = []
    # The batch's earlier households by key (one register holding a household twice): each
    # household asks its own keys, where it compared its keys with every earlier one's (a
    # new set each, quadratic: about 12 us a household of an import's writer at 80 a batch).
    earlier: dict[int, list[int]] = defaultdict(list)  # key -> places in the batch
    for index, wanted in enumerate(batch):
        others: Blocked = {
            h: stored[h] for k in wanted.keys for h in reached.get(k, ()) if h in stored
        }
        for place in sorted({p for k in wanted.keys for p in earlier.get(k, ())}):
            other = batch[place]  # in the batch's order, as before (the last one given wins)
            others[other.household_id] = (other.ward_id, other.card)
        for key in wanted.keys:
            earlier[key].append(index)
        others.pop(wanted.household_id, None)  # itself, profiled again
        mine: list[Match] = []
        for other_id, (ward, other_card) in others.items():
            evidence = compare_households(wanted.card, other_card, wanted.ward_id == ward)
            if evidence.proposed:
                mine.append(
                    Match(
                        household_id=wanted.household_id,
                        ward_id=wanted.ward_id,
                        other_id=other_id,
                        other_ward_id=ward,
                        score=evidence.score,
                        field_scores=evidence.field_scores,
                        same_id_number=evidence.same_id_number,
                    )
                )
        # Ties broken by id: the same few kept whatever order the block came in.
        mine.sort(key=lambda m: (not m.same_id_number, -m.score, m.other_id))
        found += mine[:MOST_PER_HOUSEHOLD]
    return found


_WORKER: dict[str, CardKeys] = {}  # the worker process's keys, set as it starts


def _start_worker(keys: CardKeys) -> None:
    _WORKER["keys"] = keys


def score_in_worker(batch: Sequence[Wanted], block: Block) -> list[Match]:
    return score_batch(_WORKER["keys"], batch, block)


@contextmanager
def scoring_worker(keys: CardKeys) -> Iterator[ProcessPoolExecutor]:
    """One worker process holding ``keys`` (spawned, not forked: this process has threads
    and open connections), stopped on leaving."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_start_worker, initargs=(keys,)
    ) as pool:
        pool.submit(int)  # start it now: its start-up overlaps the first block's read
        yield pool
