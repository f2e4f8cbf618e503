"""A snapshot is used only by the domain code that took it (``domain.base.STATE_SHAPE``): one
taken by other code may hold a state these appliers would not make of the same events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eventsourcing.domain import event

from domain.base import STATE_SHAPE, SnapshotUnreadable, SukumaAggregate

AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class Tally(SukumaAggregate):
    def __init__(self, *, occurred_at: datetime, actor: str) -> None:
        self.count = 0

    @event("Counted")
    def add_one(self, *, occurred_at: datetime, actor: str) -> None:
        self.count += 1


def tally(times: int) -> Tally:
    made = Tally(occurred_at=AT, actor="t")
    for _ in range(times):
        made.add_one(occurred_at=AT, actor="t")
    return made


def test_a_snapshot_taken_by_this_code_restores_the_state_without_its_mark() -> None:
    made = tally(3)
    snapshot = Tally.Snapshot.take(made)
    assert snapshot.state["_sukuma_state_shape"] == STATE_SHAPE

    restored = snapshot.mutate(None)

    assert vars(restored) == vars(made) | {"_pending_events": []}
    assert "_sukuma_state_shape" not in vars(restored)


@pytest.mark.parametrize("mark", ["0123456789abcdef", None])
def test_a_snapshot_taken_by_other_code_is_not_used(mark: str | None) -> None:
    snapshot = Tally.Snapshot.take(tally(2))
    if mark is None:
        del snapshot.state["_sukuma_state_shape"]  # taken before snapshots were marked
    else:
        snapshot.state["_sukuma_state_shape"] = mark

    with pytest.raises(SnapshotUnreadable, match="other code"):
        snapshot.mutate(None)
