"""Import commands: the record of who imported which file (the rows go through the household
commands, so every rule of registration and profiling applies to them unchanged)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import compress
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    RecordConflictError,
    StoredEvent,
)

from domain.application import ConcurrencyExhausted, EventColumns, event_columns
from domain.context import CommandContext, Written
from domain.duplicates.finding import matchable
from domain.duplicates.ports import IndexEntry
from domain.errors import NotFoundError, VersionConflict
from domain.households.application import HouseholdCommands, apply_profile
from domain.households.derived_needs import uuid5_bytes
from domain.households.model import Household
from domain.imports.model import RegisterImport
from domain.profile import Profile, validate_profile

log = logging.getLogger(__name__)

# Namespace of the ids derived from a file's sha256 and from a household key and its ward.
IMPORT_NAMESPACE = uuid.UUID("6f1c7a52-3b0e-4c55-9d2a-6a0e8f4b1c20")


#: Appends of one batch that may fail on households or pairs written meanwhile.
SAVE_TRIES = 5


def import_id(sha256: str) -> UUID:
    return uuid.uuid5(IMPORT_NAMESPACE, f"file:{sha256}")


_NAMESPACE_BYTES = IMPORT_NAMESPACE.bytes


def imported_household_id(ward_id: str, household_key: str) -> UUID:
    """The same key in the same ward is the same household, however often the file is run.

    ``uuid.uuid5(IMPORT_NAMESPACE, f"household:{ward_id}:{household_key}")``, the same UUID
    at half its cost: ``uuid5`` imports ``sha1``, makes the namespace's bytes and takes
    ``UUID``'s ``version=`` path at each call."""
    return UUID(bytes=uuid5_bytes(_NAMESPACE_BYTES, f"household:{ward_id}:{household_key}"))


@dataclass(frozen=True)
class ImportedHousehold:
    """A household from a register file, already checked against the API's schemas.

    Its profile is checked by the domain (``validate_profile``, as of ``checked_on``) here, as
    it is made, and only here: building it into an aggregate trusts that check (an import's
    second ``validate_profile`` of each household was about 4% of its CPU). Raises
    ``InvalidCommand`` like ``validate_profile``."""

    household_id: UUID
    ward_id: str
    dwelling_type: str
    village: str | None
    profile: Mapping[str, Any]  # a ``Profile`` once made (checked)
    checked_on: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile", validate_profile(self.profile, self.checked_on))


@dataclass(frozen=True)
class ImportBatch:
    """A batch's households not yet in the log, and their aggregates built to be saved."""

    households: list[ImportedHousehold]
    built: list[Household]


@dataclass(frozen=True)
class SealedBatch:
    """A built batch as the event store keeps it: its events mapped (personal fields sealed,
    JSON encoded) where it was built, as the append's four columns (pickled to the writer
    as they are, and appended without a ``StoredEvent`` made again for each), and what the
    matcher needs of each household, so a writer in another process only proposes
    duplicates, appends and indexes (the households' profiles do not cross back: pickling
    them was about 3% of an import)."""

    household_ids: list[UUID]
    events: EventColumns
    entries: list[IndexEntry]


def _stored(events: EventColumns) -> list[StoredEvent]:
    return [
        StoredEvent(originator_id=i, originator_version=v, topic=t, state=s)
        for i, v, t, s in zip(*events, strict=True)
    ]


@runtime_checkable
class AppendsColumns(Protocol):
    """An event store that appends events given as their columns, with other statements in
    the same transaction (``adapters.event_store``'s recorder)."""

    def insert_columns(
        self, events: EventColumns, along: Any = None
    ) -> tuple[Sequence[int], Any]: ...


@runtime_checkable
class IndexesAlong(Protocol):
    """A duplicate index whose write can join an append's transaction (``along``: what to
    pass to ``AppendsColumns.insert_columns``; its answer the position moved to, or None)."""

    def along(self, entries: Sequence[IndexEntry], application_name: str) -> Any: ...


class HouseholdImportCommands(HouseholdCommands):
    def import_households(
        self, households: Sequence[ImportedHousehold], ctx: CommandContext
    ) -> list[UUID]:
        """Register and profile each new household in one save per batch; households already
        in the log are left as they are (a re-run or a resumed run appends nothing for them).
        Returns the ids written. Registration and profile follow the same model and rules as
        ``register_household`` and ``submit_profile`` (``apply_profile``)."""
        return self.save_import(self.build_import(households, ctx), ctx)

    def build_import(
        self, households: Sequence[ImportedHousehold], ctx: CommandContext
    ) -> ImportBatch:
        """A batch's households not in the log yet (one query), built but not saved, their
        data keys made in one insert (an importer may build the next batch while the previous
        one is being saved)."""
        present = self.existing([h.household_id for h in households])
        new = [h for h in households if h.household_id not in present]
        self.prepare_household_keys([h.household_id for h in new])
        return ImportBatch(new, [self._build(h, ctx) for h in new])

    def seal_import(self, batch: ImportBatch) -> SealedBatch:
        """A built batch's events mapped for the event store (the mapper seals personal fields
        with the keys ``build_import`` made), to be saved by ``save_sealed``."""
        stored = [self.mapper.to_stored_event(e) for h in batch.built for e in h.collect_events()]
        entries = matchable(batch.built)
        # The matcher's cards made here (a worker process), not by the writer.
        index = self.duplicate_index
        return SealedBatch(
            [h.household_id for h in batch.households],
            event_columns(stored),
            index.carded(entries) if index else entries,
        )

    def save_import(self, batch: ImportBatch, ctx: CommandContext) -> list[UUID]:
        """Save a built batch in one transaction; returns the ids written (see above)."""
        return self.save_sealed(self.seal_import(batch), ctx)

    def save_sealed(self, batch: SealedBatch, ctx: CommandContext) -> list[UUID]:
        """Append a sealed batch, its duplicate candidates and (where the stores allow) its
        matcher index in one transaction; returns the ids written.

        Joined, the index costs no transaction of its own (a round trip and a commit a
        batch) and none of the batch is ever appended without its index. An index failure
        must not lose the batch: a joined append that fails otherwise than on households
        written meanwhile (or on the connection) is tried again without the index, which
        is then written after it as before (or, failing that too, by the next catch-up).
        A household written meanwhile (a run beside this one) fails the whole insert: the
        batch's events are appended again without those of the households the log now
        holds (one query), and its candidates proposed again (a pair recorded meanwhile is
        not proposed twice)."""
        # Its duplicates (against the index and within the batch) are saved with it, and it
        # is indexed with it: batches are saved in turn, so each sees the one before.
        ids, events, entries = batch.household_ids, batch.events, batch.entries
        index, recorder = self.duplicate_index, self.recorder
        joined = isinstance(recorder, AppendsColumns) and isinstance(index, IndexesAlong)
        for _ in range(SAVE_TRIES):
            if not ids:
                return []
            proposed = self.propose_for_entries(entries, ctx)
            mapped = event_columns(
                [self.mapper.to_stored_event(e) for c in proposed for e in c.collect_events()]
            )
            appended = (
                events[0] + mapped[0],
                events[1] + mapped[1],
                events[2] + mapped[2],
                events[3] + mapped[3],
            )
            moved = None
            try:
                if isinstance(recorder, AppendsColumns):
                    along = index.along(entries, self.name) if joined else None  # type: ignore[union-attr]
                    positions, moved = recorder.insert_columns(appended, along)
                else:
                    positions = self.recorder.insert_events(_stored(appended)) or []
            except RecordConflictError:
                present = self.existing(ids)
                if not present and joined:
                    joined = False  # the index's conflict, not the log's
                    continue
                if not present:
                    raise
                ids = [h for h in ids if h not in present]
                keep = [i not in present for i in events[0]]
                events = event_columns(list(compress(_stored(events), keep)))
                entries = [e for e in entries if e.household_id not in present]
                continue
            except (InterfaceError, OperationalError):
                raise  # the connection's, retried by the recorder already
            except Exception:
                if not joined:
                    raise
                log.exception("import batch's index not joined to its append: written after")
                joined = False
                continue
            if not joined:
                self.index_entries(entries, appended=positions)
            elif moved is not None:
                self.index_followed = moved  # the log up to here is indexed for good
            else:
                self.index_entries([])  # indexed, but after a gap: a catch-up fills it
            return ids
        raise ConcurrencyExhausted(f"an import batch raced other writers {SAVE_TRIES} times")

    def _build(self, imported: ImportedHousehold, ctx: CommandContext) -> Household:
        self._check_ward(imported.ward_id)
        on = ctx.occurred_at.date()
        # Checked when it was made (``ImportedHousehold``); again only as of another day.
        checked = (
            cast(Profile, imported.profile)
            if imported.checked_on == on
            else validate_profile(imported.profile, on)
        )
        household = Household(
            id=imported.household_id,
            ward_id=imported.ward_id,
            dwelling_type=imported.dwelling_type,
            village=imported.village,
            gps=None,
            field_worker_id=None,
            occurred_at=ctx.occurred_at,
            actor=ctx.actor,
        )
        apply_profile(household, checked, None, ctx.occurred_at, ctx.actor)
        return household


class ImportCommands(HouseholdImportCommands):
    def record_import(
        self,
        *,
        sha256: str,
        filename: str,
        counts: dict[str, int],
        wards: list[str],
        ctx: CommandContext,
    ) -> Written:
        """Record a real run of a register file (by whom, which file, what it applied); a run
        that applied nothing to a file already recorded appends nothing."""
        aggregate_id = import_id(sha256)
        try:
            record = self.get(RegisterImport, aggregate_id)
        except NotFoundError:
            record = RegisterImport(
                id=aggregate_id,
                sha256=sha256,
                filename=filename,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )
        else:
            if not counts.get("applied"):
                return Written(aggregate_id, record.version, None)
        record.record(
            filename=filename,
            counts=counts,
            wards=wards,
            occurred_at=ctx.occurred_at,
            actor=ctx.actor,
        )
        return self._save(ctx, record, ())

    def import_written(self, sha256: str) -> Written:
        """The file's import record as it stands (version 0: never imported)."""
        aggregate_id = import_id(sha256)
        try:
            return Written(aggregate_id, self.get(RegisterImport, aggregate_id).version, None)
        except NotFoundError:
            return Written(aggregate_id, 0, None)

    def check_import_version(self, sha256: str, expected_version: int) -> None:
        """``If-Match`` on an import: only if the file's record is still at that version."""
        current = self.import_written(sha256).version
        if current != expected_version:
            raise VersionConflict(expected_version, current)
