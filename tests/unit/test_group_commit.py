"""Group commit: concurrent appends share a call; a failing call is retried append by append."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from adapters.group_commit import Append, GroupCommit, call_params


class Conflict(Exception):
    pass


class FakeStore:
    """Numbers events in call order; refuses any call holding an append marked 'conflict'."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.calls: list[int] = []
        self.next_id = 1
        self.gate = gate

    def call(self, batch: Sequence[Append]) -> list[int]:
        if self.gate is not None:
            self.gate.wait(5)
        self.calls.append(len(batch))
        if any("conflict" in item.events for item in batch):
            raise Conflict
        ids = list(range(self.next_id, self.next_id + sum(len(i.events) for i in batch)))
        self.next_id += len(ids)
        return ids


def test_one_append_alone_gets_its_ids() -> None:
    store = FakeStore()
    assert GroupCommit(store.call).append(Append(["a", "b"], None)) == [1, 2]


def test_appends_queued_while_one_is_in_flight_share_the_next_call() -> None:
    gate = threading.Event()
    store = FakeStore(gate)
    group = GroupCommit(store.call)
    results: dict[int, list[int] | Exception] = {}

    def append(n: int, events: list[str]) -> None:
        try:
            results[n] = group.append(Append(events, None))
        except Exception as exc:
            results[n] = exc

    first = threading.Thread(target=append, args=(0, ["x"]))
    first.start()
    while not group._leader.locked():
        pass
    others = [
        threading.Thread(target=append, args=(n, ["e"] * n if n != 3 else ["conflict"]))
        for n in range(1, 6)
    ]
    for thread in others:
        thread.start()
    while len(group._queue) < 5:
        pass
    gate.set()
    for thread in [first, *others]:
        thread.join(5)

    assert results[0] == [1]
    assert isinstance(results[3], Conflict)  # only the conflicting append fails
    ids = [results[n] for n in (1, 2, 4, 5)]
    assert all(isinstance(i, list) for i in ids)
    flat = sorted(x for i in ids for x in i)  # type: ignore[union-attr]
    assert flat == list(range(2, 2 + 1 + 2 + 4 + 5))  # each event numbered once
    # the first call alone, then the five together (refused), then each again on its own
    assert store.calls[:2] == [1, 5] and sorted(store.calls[2:]) == [1, 1, 1, 1, 1]


def test_call_params_put_receipts_beside_their_last_event() -> None:
    batch = [
        Append(["a1", "a2"], ("actor", "k1", "f", 201, {}, "agg", 2)),
        Append(["b1"], None),
        Append(["c1"], ("actor", "k2", "f", 200, {}, "agg2", 7)),
    ]
    events, actors, keys, *_rest, ends = call_params(batch)
    assert events == ["a1", "a2", "b1", "c1"]
    assert actors == ["actor", "actor"] and keys == ["k1", "k2"]
    assert ends == [2, 4]
    assert call_params([Append(["x"], None)])[1:] == ([],) * 8
