"""Snapshots, so that loading an aggregate costs about the same whatever its history's length.

The library takes them (``Application.snapshotting_intervals``: every so many events, after
the save that reached that version) and the repository loads the latest one and the events
after it. What is added here: the state's own objects written as JSON (``RecordAsDict``), and
a repository that replays every event when a snapshot cannot be opened (its household was
erased, so its data key is destroyed): a snapshot is a cache, never the only record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.persistence import AggregateRecorder, EventStore, StoredEvent, Transcoding

from domain.base import SnapshotUnreadable

#: Events between two snapshots of an aggregate (a load replays fewer than this many events).
SNAPSHOT_INTERVAL = 10


class RecordAsDict(Transcoding):
    """A dataclass the aggregates keep in their state (a visit, a need, a war room's
    meeting), written as its fields (their own values transcoded in turn)."""

    def __init__(self, record: type) -> None:
        self.type = record
        self.name = f"record_{record.__name__.lower()}"
        self._fields = tuple(f.name for f in dataclasses.fields(record))

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


@runtime_checkable
class SnapshotAndEventsReader(Protocol):
    """An event store that reads an aggregate's latest snapshot and its events after it in
    one round trip (``adapters.event_store``'s recorder)."""

    def select_snapshot_and_events(
        self, originator_id: UUID, lte: int | None = None
    ) -> Sequence[StoredEvent]: ...


@runtime_checkable
class SnapshotTable(Protocol):
    """An event store that provides the recorder of its snapshots' table
    (``adapters.event_store``'s: binary inserts, a retake at a version kept)."""

    def snapshot_recorder(self) -> AggregateRecorder: ...


class SnapshotsOrEvents(Repository[UUID]):
    """The library's repository, reading the latest snapshot and the events after it in one
    query where the store can (the library reads the two one after the other: a round trip
    more on every load, long history or short); where the snapshot cannot be opened, every
    event instead."""

    def __init__(self, event_store: EventStore[UUID], **kwargs: Any) -> None:
        super().__init__(event_store, **kwargs)
        recorder = event_store.recorder
        self.reader = recorder if isinstance(recorder, SnapshotAndEventsReader) else None

    def get(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        version: int | None = kwargs.get("version")
        project = kwargs.get("projector_func", project_aggregate)
        try:
            if self.reader is None or self.snapshot_store is None or self.cache is not None:
                return super().get(aggregate_id, **kwargs)
            stored = self.reader.select_snapshot_and_events(aggregate_id, lte=version)
            aggregate = project(None, map(self.event_store.mapper.to_domain_event, stored))
        except SnapshotUnreadable:
            aggregate = project(None, self.event_store.get(aggregate_id, lte=version))
        if aggregate is None:
            raise AggregateNotFoundError(
                f"Aggregate {aggregate_id!r} version {version!r} not found."
            )
        return aggregate
