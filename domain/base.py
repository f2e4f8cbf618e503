"""The base of every Sukuma aggregate: each event says when it happened and who acted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as LibrarySnapshot


class SnapshotUnreadable(Exception):
    """A snapshot whose state cannot be opened (or sealed): its data key is destroyed, or this
    process holds no key store. The aggregate's events are replayed instead."""


class Snapshot(LibrarySnapshot):
    """The library's snapshot, whose state the event store seals whole under the aggregate's
    data key (``adapters.shredding``): one it cannot open reads as ``None``."""

    def mutate(self, _: None) -> Any:
        if self.state is None:
            raise SnapshotUnreadable(f"snapshot of {self.originator_id} cannot be opened")
        return super().mutate(_)


class SukumaAggregate(Aggregate):
    """Events carry ``occurred_at`` (in the field) beside the library's ``timestamp`` (recorded)."""

    Snapshot = Snapshot  # what ``Application.take_snapshot`` takes of every aggregate

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: str

    class Created(Event, Aggregate.Created):
        pass
