"""Plumbing shared by every context's commands: load, check the version, apply, save, retry."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar, cast, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    JSONTranscoder,
    PersistenceError,
    RecordConflictError,
    StoredEvent,
    Transcoding,
)
from eventsourcing.utils import get_topic, resolve_topic

from domain import LOG_NAME
from domain.access.decision import Forbidden
from domain.access.locations import location_of
from domain.access.policy import Location, authorize, authorize_creation
from domain.access.principal import Principal
from domain.base import SnapshotUnreadable, SukumaAggregate
from domain.context import CommandContext, Written
from domain.errors import AlreadyExists, InvalidCommand, NotFoundError, VersionConflict
from domain.reference.departments import department
from domain.reference.geography import geography
from domain.snapshots import SnapshotsOrEvents, SnapshotTable

log = logging.getLogger(__name__)

A = TypeVar("A", bound=SukumaAggregate)

# Writers racing on one aggregate retry this often before giving up (only without If-Match).
MAX_ATTEMPTS = 5


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event ``isinstance`` against a
    runtime-checkable Protocol, which was near half the CPU of loading a long history (every
    event in this store is one of our aggregates' events, and all of them mutate)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@runtime_checkable
class HouseholdKeys(Protocol):
    """An event store that seals personal data under per-household keys and can create many
    new households' keys at once (``adapters.shredding``'s mapper)."""

    def prepare_household_keys(self, household_ids: Sequence[UUID]) -> None: ...


@runtime_checkable
class KnownOriginators(Protocol):
    """An event store that tells which of many aggregates it holds in one query
    (``adapters.event_store``'s recorder)."""

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]: ...


#: Events as an append's columns: originator ids, versions, topics, states (a list each).
EventColumns = tuple[list[UUID], list[int], list[str], list[bytes]]


def event_columns(stored: Sequence[StoredEvent]) -> EventColumns:
    """The events' originator ids, versions, topics and states: a list each, in order."""
    return (
        cast(list[UUID], [e.originator_id for e in stored]),
        [e.originator_version for e in stored],
        [e.topic for e in stored],
        [e.state for e in stored],
    )


class ConcurrencyExhausted(Exception):
    """Writers kept racing on the same aggregate; the caller may retry later."""


class JustSaved(threading.local):
    """Per thread: the aggregates a command is saving, by id (commands run on many threads)."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, Aggregate] = {}


def kind_of(cls: type[Aggregate]) -> str:
    return cls.__name__.lower()


class ApplicationBase(Application[UUID]):
    """The event-sourced application: one log for every aggregate, so sagas save atomically."""

    name = LOG_NAME

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The aggregates this thread's ``_save`` is saving (empty outside one).
        self._just_saved = JustSaved()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ---- loading -----------------------------------------------------------------------------

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository, configured as the environment says, that replays every
        event where a snapshot cannot be opened (``domain.snapshots``)."""
        stock = super().construct_repository()
        repository = SnapshotsOrEvents(
            stock.event_store,
            snapshot_store=stock.snapshot_store,
            fastforward=stock.fastforward,
            fastforward_skipping=stock.fastforward_skipping,
            deepcopy_from_cache=stock.deepcopy_from_cache,
        )
        repository.cache = stock.cache
        return repository

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """The library's snapshot store, over the recorder the event store provides for its
        snapshots' table where it does (``domain.snapshots.SnapshotTable``)."""
        if isinstance(self.recorder, SnapshotTable):
            recorder = self.recorder.snapshot_recorder()
            return self.factory.event_store(mapper=self.mapper, recorder=recorder)
        return super().construct_snapshot_store()

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: Callable[[Any, Iterable[Any]], Any] = replay,
    ) -> None:
        """The library's snapshot, taken after a save reached a multiple of its interval. A
        snapshot is a cache: failing to take one must not fail the command whose events are
        already committed (an erased household's state, which no key may seal any more; the
        database lost meanwhile: the next interval takes one)."""
        try:
            saved = self._just_saved.aggregates.get(aggregate_id)
            if saved is not None and version is not None and saved.version == version:
                # The aggregate this thread has just saved at that version: its state is
                # what a reload would replay (the library's take_snapshot loads it again:
                # a second load on every snapshotting command, the snapshot's and the
                # events' decoding, measured the costliest part of a long history's command).
                snapshot_class = getattr(type(saved), "Snapshot", type(self).snapshot_class)
                assert self.snapshots is not None and snapshot_class is not None
                self.snapshots.put([snapshot_class.take(saved)])
            else:
                super().take_snapshot(aggregate_id, version, projector_func)
        except (SnapshotUnreadable, IntegrityError):
            return  # erased, or taken already (by a retry)
        except PersistenceError as error:
            log.warning("no snapshot of %s at version %s: %r", aggregate_id, version, error)

    def get(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        """Load an aggregate of the given type; any other type with that id is 'not found'."""
        try:
            aggregate: Aggregate = self.repository.get(
                aggregate_id, version=version, projector_func=replay
            )
        except AggregateNotFoundError:
            raise NotFoundError(kind_of(cls), aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(kind_of(cls), aggregate_id)
        return aggregate

    def read(self, cls: type[A], aggregate_id: UUID, principal: Principal | None) -> A:
        """Load an aggregate for a caller: outside its scope it is 'not found' (policy)."""
        aggregate = self.get(cls, aggregate_id)
        self._authorize(principal, cls, "read", aggregate)
        return aggregate

    def history(
        self,
        cls: type[A],
        aggregate_id: UUID,
        as_of: datetime | None = None,
        *,
        principal: Principal | None = None,
    ) -> tuple[list[SukumaAggregate.Event], A | None]:
        """The aggregate's events recorded up to ``as_of`` and the state they produce."""
        current = self.read(cls, aggregate_id, principal)  # raises for unknown ids, other types
        events = cast(
            "list[SukumaAggregate.Event]", list(self.repository.event_store.get(aggregate_id))
        )
        if as_of is not None:
            events = [e for e in events if e.timestamp <= as_of]
        if not events:
            return [], None
        if events[-1].originator_version == current.version:
            return events, current
        return events, self.get(cls, aggregate_id, version=events[-1].originator_version)

    def _check_ward(self, ward_id: str, field: str = "ward_id") -> None:
        try:
            geography().ward(ward_id)
        except NotFoundError:
            raise InvalidCommand(
                field, f"unknown ward {ward_id!r} (see GET /v1/geography)"
            ) from None

    def _check_department(self, code: str, field: str = "department") -> None:
        try:
            department(code)
        except NotFoundError:
            raise InvalidCommand(
                field, f"unknown department {code!r} (see GET /v1/departments)"
            ) from None

    def prepare_household_keys(self, household_ids: Sequence[UUID]) -> None:
        """Before saving a batch of new households: their data keys in one go, not one
        look-up and insert each while their events are sealed (a no-op without sealing)."""
        if isinstance(self.mapper, HouseholdKeys):
            self.mapper.prepare_household_keys(household_ids)

    def existing(self, aggregate_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates the log holds (one query where the store can)."""
        if isinstance(self.recorder, KnownOriginators):
            return self.recorder.existing_originators(aggregate_ids)
        return {
            i for i in aggregate_ids if next(iter(self.repository.event_store.get(i, lte=1)), None)
        }

    # ---- access --------------------------------------------------------------------------------

    def _authorize(
        self,
        principal: Principal | None,
        cls: type[Aggregate],
        verb: str,
        target: Aggregate | Location,
    ) -> None:
        """The one place the access policy is applied to an object (``None``: an in-process
        caller such as the demo or the scheduler, which acts as the system)."""
        if principal is None:
            return
        action = f"{kind_of(cls)}.{verb}"
        if isinstance(target, Location):
            authorize_creation(principal, action, target)
        else:
            authorize(principal, action, location_of(target), (kind_of(cls), target.id))

    # ---- writing -----------------------------------------------------------------------------

    def _save(
        self, ctx: CommandContext, primary: Aggregate, others: Iterable[Aggregate]
    ) -> Written:
        saved = {aggregate.id: aggregate for aggregate in (primary, *others)}
        self._just_saved.aggregates = saved  # read by take_snapshot, within save() below
        try:
            recordings = self.save(primary, *others, receipt=ctx.receipt)
        finally:
            self._just_saved.aggregates = {}
        position = recordings[-1].notification.id if recordings else None
        return Written(primary.id, primary.version, position)

    def _change(
        self,
        cls: type[A],
        aggregate_id: UUID,
        ctx: CommandContext,
        command: Callable[[A], Sequence[Aggregate] | None],
        *,
        action: str,
    ) -> Written:
        """Apply a command to the current state; with an expected version, refuse a stale one.

        ``action`` names the command for the access policy (``<kind>.<action>``), checked on
        the loaded aggregate before the command runs. Without ``If-Match`` a concurrent write
        is not an error: reload and re-decide (the command's guards answer 409 if need be).
        """
        for _ in range(MAX_ATTEMPTS):
            aggregate: A = self.get(cls, aggregate_id)
            self._authorize(ctx.principal, cls, action, aggregate)
            if ctx.expected_version is not None and aggregate.version != ctx.expected_version:
                raise VersionConflict(ctx.expected_version, aggregate.version)
            others = command(aggregate) or ()
            try:
                return self._save(ctx, aggregate, others)
            except RecordConflictError:
                if ctx.expected_version is not None:
                    raise VersionConflict(
                        ctx.expected_version, self.get(cls, aggregate_id).version
                    ) from None
        raise ConcurrencyExhausted(f"{kind_of(cls)} {aggregate_id} is being changed concurrently")

    def _create(
        self,
        cls: type[A],
        aggregate_id: UUID,
        ctx: CommandContext,
        content: Mapping[str, Any],
        build: Callable[[], Sequence[Aggregate]],
        *,
        action: str,
        at: Location | None,
    ) -> Written:
        """Create with a client-chosen id; a retry with the same content is a no-op.

        ``content`` holds the creation event's defining values: an existing aggregate with
        those values is the same creation retried; with other values it is a conflict.
        ``action`` at location ``at`` is checked against the access policy first; ``at=None``
        only where ``build`` authorizes the aggregate it loads (a referral's household).
        """
        if at is not None:
            self._authorize(ctx.principal, cls, action, at)
        for _ in range(MAX_ATTEMPTS):
            existing = self._existing_creation(cls, aggregate_id, content, ctx.principal)
            if existing is not None:
                return existing
            aggregates = build()
            try:
                return self._save(ctx, aggregates[0], aggregates[1:])
            except RecordConflictError:
                continue  # the id was taken meanwhile, or a co-saved aggregate moved on
        raise ConcurrencyExhausted(f"{kind_of(cls)} {aggregate_id} is being created concurrently")

    def _existing_creation(
        self,
        cls: type[A],
        aggregate_id: UUID,
        content: Mapping[str, Any],
        principal: Principal | None,
    ) -> Written | None:
        first = next(iter(self.repository.event_store.get(aggregate_id, lte=1)), None)
        if first is None:
            return None
        topic: str = getattr(first, "originator_topic", "")
        if topic != get_topic(cls) or any(getattr(first, k, None) != v for k, v in content.items()):
            self._hide_unseen(topic, cls, aggregate_id, principal)
            raise AlreadyExists(
                kind_of(cls), aggregate_id, f"{aggregate_id} already exists with other content"
            )
        # A retry is answered only to whom may see the object (else it would confirm an id).
        return Written(aggregate_id, self.read(cls, aggregate_id, principal).version, None)

    def _hide_unseen(
        self, topic: str, cls: type[A], aggregate_id: UUID, principal: Principal | None
    ) -> None:
        """An id taken by an object the caller may not see is 'not found', as everywhere:
        a 409 would confirm that the id exists in another ward."""
        if principal is None:
            return
        try:
            self.read(resolve_topic(topic), aggregate_id, principal)
        except NotFoundError:
            raise NotFoundError(kind_of(cls), aggregate_id) from None
        except Forbidden:
            return  # seen but not readable by this role: the conflict is no secret
