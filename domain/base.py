"""The base of every Sukuma aggregate: each event says when it happened and who acted."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Self

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as LibrarySnapshot


class SnapshotUnreadable(Exception):
    """A snapshot whose state cannot be opened (or sealed): its data key is destroyed, or this
    process holds no key store. The aggregate's events are replayed instead."""


def _domain_code() -> str:
    """A digest of the domain package's source: what shapes an aggregate's state from its
    events (appliers, and the rules and records they call)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.relative_to(Path(__file__).parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


#: The state's shape a snapshot was taken under. A snapshot is the state as the code that took
#: it computed it: taken by other domain code, it may differ from what these appliers would
#: make of the same events, so it is not used (the events are replayed, and the next snapshot
#: is taken by this code). Any change to the domain's source retires every snapshot.
STATE_SHAPE: Final = _domain_code()
_SHAPE_KEY: Final = "_sukuma_state_shape"


class Snapshot(LibrarySnapshot):
    """The library's snapshot, whose state the event store seals whole under the aggregate's
    data key (``adapters.shredding``): one it cannot open reads as ``None``, and one taken by
    other domain code (``STATE_SHAPE``) is not used."""

    @classmethod
    def take(cls, aggregate: Any) -> Self:
        snapshot = super().take(aggregate)
        snapshot.state[_SHAPE_KEY] = STATE_SHAPE
        return snapshot

    def mutate(self, _: None) -> Any:
        if self.state is None:
            raise SnapshotUnreadable(f"snapshot of {self.originator_id} cannot be opened")
        if self.state.get(_SHAPE_KEY) != STATE_SHAPE:
            raise SnapshotUnreadable(f"snapshot of {self.originator_id} taken by other code")
        aggregate = super().mutate(_)
        del vars(aggregate)[_SHAPE_KEY]  # the library copied the state: the mark is this copy's
        return aggregate


class SukumaAggregate(Aggregate):
    """Events carry ``occurred_at`` (in the field) beside the library's ``timestamp`` (recorded)."""

    Snapshot = Snapshot  # what ``Application.take_snapshot`` takes of every aggregate

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: str

    class Created(Event, Aggregate.Created):
        pass
