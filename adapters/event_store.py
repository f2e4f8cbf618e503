"""The event store's recorder, extended to keep idempotency receipts in the events' transaction.

A receipt (the response to a POST with an ``Idempotency-Key``) is written by the same
transaction that appends the command's events: either both exist or neither does, so a retry
after a timeout can never append twice, and a crash can never leave a key without its events.

The recorder also owns the household data keys' table (``adapters.data_keys``): a household's
``PersonalDataErased`` event destroys its keys and blanks its receipts' request fingerprints in
the event's own transaction, so an erasure is recorded exactly when it has happened.

Every append commits with ``synchronous_commit = off`` and is made durable afterwards, outside
the events table's lock (``SukumaRecorder.flush_outside_lock``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import get_topic, retry
from psycopg import Connection, Cursor
from psycopg.abc import Query
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Identifier
from psycopg.types.json import Jsonb

from adapters.data_keys import DataKeyStore, destroy_keys_sql
from adapters.idempotency import (
    ERASED_FINGERPRINT,
    IdempotencyGate,
    IdempotencyReceipt,
    StoredReceipt,
)
from adapters.insert_cursors import Along, InsertCursors
from adapters.snapshots import SnapshotRecorder
from domain.application import EventColumns, event_columns
from domain.households.model import Household

#: The stored topic of the event whose commit destroys a household's data keys.
ERASURE_TOPIC = get_topic(Household.PersonalDataErased)
#: A version past any aggregate's: "the latest" in a query bounded by version.
LATEST = 2**62


class SukumaRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` plus an idempotency table written in the same transaction.

    Its tables come from ``adapters.migrations``, not from here.
    """

    #: Commit each append without waiting for its WAL flush while it holds the events table's
    #: lock, then wait for the flush after releasing it, before the append returns (so before
    #: a command is acknowledged). Concurrent appends then share PostgreSQL's group flush
    #: instead of flushing one at a time under the lock. Set by ``SUKUMA_APPEND_FLUSH_OUTSIDE_LOCK``
    #: (``sukuma.settings`` picks this class or ``LockedFlushRecorder``).
    flush_outside_lock: bool = True

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.receipts_table_name = events_table_name.replace("_events", "") + "_idempotency"
        self.check_identifier_length(self.receipts_table_name)
        table = (Identifier(self.datastore.schema), Identifier(self.receipts_table_name))
        self.sql_insert_receipt = composed(
            SQL(
                "INSERT INTO {0}.{1} (actor, key, fingerprint, status_code, body, aggregate_id,"
                " version) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            ).format(*table)
        )
        self.sql_set_position = composed(
            SQL(
                "UPDATE {0}.{1} SET position = currval(pg_get_serial_sequence(%s,"
                " 'notification_id')) WHERE actor = %s AND key = %s"
            ).format(*table)
        )
        #: The events table as ``pg_get_serial_sequence`` names it (its notification ids).
        self.events_sequence = Identifier(self.datastore.schema, events_table_name).as_string()
        #: Where copies of one keyed request take turns (``api.commands`` holds it).
        self.idempotency = IdempotencyGate(self.datastore, self.receipts_table_name)
        self.insert_cursors = InsertCursors()
        # As erased_fingerprint(), in SQL (a receipt from before route hashes: plain "erased").
        self.sql_erase_receipts = SQL(
            "UPDATE {0}.{1} SET fingerprint = CASE WHEN strpos(fingerprint, ':') > 0"
            " THEN split_part(fingerprint, ':', 1) || ':' || %(erased)s ELSE %(erased)s END"
            " WHERE aggregate_id = ANY(%(ids)s::uuid[])"
        ).format(*table)
        self.data_keys_table_name = events_table_name.replace("_events", "") + "_data_keys"
        self.check_identifier_length(self.data_keys_table_name)
        schema = self.datastore.schema
        self.sql_destroy_keys = destroy_keys_sql(schema, self.data_keys_table_name)
        self.data_keys: DataKeyStore | None = None  # bound by adapters.shredding
        self.pii_reads_table_name = events_table_name.replace("_events", "") + "_pii_reads"
        self.check_identifier_length(self.pii_reads_table_name)
        reads = Identifier(schema), Identifier(self.pii_reads_table_name)
        # One statement whatever the number of households a response showed (a list's page:
        # hundreds), each with the fields it showed of it.
        self.sql_insert_pii_reads = SQL(pii_reads_insert("{0}.{1}", ("%s",) * 5)).format(*reads)

        # A load in one round trip (the library reads the tables in two): the latest snapshot
        # up to a version, the events after it, each row with the data key's (cached a minute).
        self.snapshots_table_name = events_table_name.replace("_events", "") + "_snapshots"
        self.check_identifier_length(self.snapshots_table_name)
        tables = (self.snapshots_table_name, events_table_name, self.data_keys_table_name)
        key = "(SELECT wrapped_key FROM k) AS wrapped, EXISTS (SELECT FROM k) AS keyed"
        self.sql_select_snapshot_and_events = composed(
            SQL(
                "WITH s AS (SELECT originator_version, topic, state FROM {0}.{1}"
                " WHERE originator_id = %(id)s AND originator_version <= %(lte)s"
                " ORDER BY originator_version DESC LIMIT 1),"
                " k AS (SELECT wrapped_key FROM {0}.{3} WHERE aggregate_id = %(id)s)"
                f" SELECT originator_version, topic, state, {key} FROM s UNION ALL"
                f" SELECT originator_version, topic, state, {key} FROM {{0}}.{{2}}"
                " WHERE originator_id = %(id)s AND originator_version <= %(lte)s"
                " AND originator_version > coalesce((SELECT originator_version FROM s), 0)"
                " ORDER BY originator_version"
            ).format(Identifier(schema), *map(Identifier, tables))
        )
        # The events as four plain arrays, a column each, sent in binary (``%b``): psycopg
        # dumps those in C, where the library's array of its composite type (its
        # ``insert_events_statement``) is dumped in Python, field by field (about a quarter
        # of an import's writer). Same rows, same order: ``unnest`` zips the arrays in
        # order, and ``RETURNING`` answers in the insert's order, as the library's does.
        self.sql_insert_events = composed(
            SQL(
                "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state)"
                " SELECT * FROM unnest(%b::{2}[], %b::bigint[], %b::text[], %b::bytea[])"
                " RETURNING notification_id"
            ).format(
                Identifier(schema),
                Identifier(events_table_name),
                Identifier(self.datastore.originator_id_type),
            )
        )

        self.sql_existing = SQL(
            "SELECT DISTINCT originator_id FROM {0}.{1} WHERE originator_id = ANY(%s)"
        ).format(Identifier(schema), Identifier(events_table_name))
        self.sql_notify = composed(SQL("NOTIFY {0}").format(Identifier(self.channel_name)))
        self.sql_commit_without_flush = b"SET LOCAL synchronous_commit = off"
        self.sql_begin, self.sql_commit = b"BEGIN", b"COMMIT"
        # A commit waits for its WAL flush (at the server's synchronous_commit, so also for
        # synchronous replicas) only if its transaction has an xid *and* wrote WAL: an xid
        # alone commits asynchronously. A transactional logical message (any wal_level, no
        # privilege needed, no table) is that WAL. WAL is flushed in order, so the flush
        # covers every commit record written before it, the append's included.
        self.sql_flush_wal = (
            b"SELECT pg_current_xact_id(), pg_logical_emit_message(true, 'sukuma-flush', '')"
        )
        self.sql_lock_table = [composed(s) for s in self.lock_table_statements]  # the library's

    # Only public seams of the library: ``insert_events`` (the application's ``save(...,
    # receipt=...)`` passes its keyword arguments on to it) and the datastore's
    # ``transaction()``. A command with a receipt, or an erasure, is appended in a transaction
    # of its own, with the library's ``lock_table_statements`` and our ``sql_insert_events``
    # (the same rows as its ``insert_events_statement``); every other append is the library's
    # ``insert_events``, unless ``flush_outside_lock``, when every append takes the first
    # path, then flushes.
    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        receipt: IdempotencyReceipt | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        erasures = _erasures(stored_events)
        if receipt is None and not erasures and not self.flush_outside_lock:
            plain: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return plain
        ids: Sequence[int] | None = self.insert_events_with_receipt(
            stored_events, receipt, erasures
        )
        # Again after the commit: a read meanwhile may have cached a key now destroyed; and
        # the destroyed keys' old row versions leave the table's file (in the background).
        if self.data_keys is not None:
            for _, erased in erasures:
                self.data_keys.erased(*erased)
        return ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events_with_receipt(
        self,
        stored_events: Sequence[StoredEvent],
        receipt: IdempotencyReceipt | None,
        erasures: Sequence[tuple[UUID, list[UUID]]] = (),
    ) -> Sequence[int] | None:
        """Events, receipt and erasures in one transaction: all of them or none.

        The receipt goes in before the table lock: a racing retry with the same key waits on
        that key's row (then fails with ``IntegrityError``, nothing written) without holding
        up other writers. Notification ids are issued under the library's table lock, as in
        its own insert. A retry after a lost commit finds its own receipt and fails the same
        way, so the command runner replays the first answer instead of appending twice.

        The whole append (``BEGIN`` to ``COMMIT``, and the flush after it) goes to the server
        in one round trip (psycopg's pipeline mode), so the table lock is held only while the
        server runs the statements, never across a round trip to this process (which, under
        load, waits for the GIL and a core before it sends the next statement).
        """
        events = event_columns(stored_events)
        return self._appended(events, receipt, erasures, None)[0]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_columns(self, events: EventColumns, along: Along | None = None) -> tuple[Any, Any]:
        """An import batch's events as their columns (no ``StoredEvent`` made for each, about
        1.5 us) with ``along``'s statements, in one transaction: all of it or nothing. Returns
        the notification ids and ``along``'s answer (``None`` without it). No receipt and
        no erasure here (``insert_events`` takes those)."""
        if ERASURE_TOPIC in events[2]:
            raise ValueError("an erasure is appended by insert_events")
        ids, answer = self._appended(events, None, (), along)
        return ids or [], answer

    def _appended(
        self,
        events: EventColumns,
        receipt: IdempotencyReceipt | None,
        erasures: Sequence[tuple[UUID, list[UUID]]],
        along: Along | None,
    ) -> tuple[Sequence[int] | None, Any]:
        with self.datastore.get_connection() as conn:
            try:
                return self._append(conn, events, receipt, erasures, along)
            except BaseException:
                # Out of the aborted pipeline and the failed transaction, before the pool
                # takes the connection back (a lost connection raises again: retried).
                conn.rollback()
                raise

    def _append(
        self,
        conn: Connection[DictRow],
        events: EventColumns,
        receipt: IdempotencyReceipt | None,
        erasures: Sequence[tuple[UUID, list[UUID]]],
        along: Along | None,
    ) -> tuple[Sequence[int] | None, Any]:
        read_along: Callable[[], Any] | None = None
        with conn.pipeline(), conn.cursor() as curs:
            # Explicit BEGIN and COMMIT (the connection is in autocommit mode): psycopg's
            # transaction() would wait for the statements' results before sending COMMIT.
            # After an error the server skips the rest up to the pipeline's end, COMMIT too.
            curs.execute(self.sql_begin, prepare=False)
            if self.flush_outside_lock:
                # The commit returns (and releases the table lock) once its commit record
                # is in the WAL buffers; the flush after it makes the append durable.
                curs.execute(self.sql_commit_without_flush, prepare=True)
            for household_id, ids in erasures:
                self._destroy_household_keys(curs, household_id, ids)
            if receipt is not None:
                curs.execute(self.sql_insert_receipt, _receipt_row(receipt, events))
            if events[0]:
                # ``along``'s writes before the table lock (held only while the events go
                # in: commands append meanwhile); what needs the events' ids after them.
                track = None if along is None else along(conn, self.events_sequence, len(events[0]))
                for statement in self.sql_lock_table:
                    curs.execute(statement, prepare=True)
                curs.execute(self.sql_notify)
                inserted = self.insert_cursors.on(conn)
                inserted.execute(self.sql_insert_events, events, prepare=True)
                if receipt is not None:
                    # The last notification id this insert drew (ids are drawn in order).
                    where = (self.events_sequence, receipt.actor, receipt.key)
                    curs.execute(self.sql_set_position, where, prepare=True)
                if track is not None:
                    read_along = track()
            curs.execute(self.sql_commit, prepare=False)
            if self.flush_outside_lock:
                # On the same connection: had the server crashed since the commit, this
                # fails (and the append is retried) rather than flush a restarted server.
                curs.execute(self.sql_flush_wal, prepare=True)
        # Leaving the pipeline (above) sent it all at once and read every answer.
        if not events[0]:
            return None, None  # as the library answers an empty append
        return [row[0] for row in inserted.fetchall()], read_along and read_along()

    def _destroy_household_keys(
        self, curs: Cursor[DictRow], household_id: UUID, ids: list[UUID]
    ) -> None:
        self._forget_keys(ids)
        params = {"household": household_id, "ids": ids}
        named, linked = self.sql_destroy_keys
        curs.execute(named, params)
        curs.execute(linked, params)
        # Keys only linked to the household (its alerts'): forgotten now and, as ``ids`` is
        # the erasure's own list, again after the commit.
        others = [row["aggregate_id"] for row in curs.fetchall()]
        self._forget_keys(others)
        ids.extend(others)
        curs.execute(self.sql_erase_receipts, {"erased": ERASED_FINGERPRINT, "ids": ids})

    def _forget_keys(self, ids: list[UUID]) -> None:
        if self.data_keys is not None:
            self.data_keys.forget(*ids)

    def record_pii_reads(
        self, user_id: str, username: str, endpoint: str, shown: Mapping[UUID, str]
    ) -> None:
        """Note that one response showed these households' fields (``shown``: the fields of
        each, comma-separated) to this user: one statement in its own implicit transaction
        (an explicit one would add two round trips, BEGIN and COMMIT)."""
        if not shown:
            return
        households = list(shown)
        with self.datastore.cursor() as curs:  # the pool's connections are in autocommit
            curs.execute(
                self.sql_insert_pii_reads,
                (user_id, username, endpoint, households, [shown[h] for h in households]),
                prepare=True,
            )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_snapshot_and_events(
        self, originator_id: UUID, lte: int | None = None
    ) -> Sequence[StoredEvent]:
        """The aggregate's latest snapshot at or before ``lte`` (if any) and its events after
        it, up to ``lte``: the stored records to replay, in one round trip (its key primed)."""
        params = {"id": originator_id, "lte": LATEST if lte is None else lte}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.sql_select_snapshot_and_events, params, prepare=True)
            rows = curs.fetchall()
        if rows and rows[0]["keyed"] and self.data_keys is not None:
            self.data_keys.prime(originator_id, rows[0]["wrapped"])
        return [
            StoredEvent(originator_id, row["originator_version"], row["topic"], bytes(row["state"]))
            for row in rows
        ]

    def snapshot_recorder(self) -> SnapshotRecorder:
        """The recorder of this store's snapshots (``Application.construct_snapshot_store``)."""
        return SnapshotRecorder(self.datastore, events_table_name=self.snapshots_table_name)

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events (one query: an import's batch on a re-run)."""
        # One statement in its own implicit transaction: one round trip (BEGIN and ROLLBACK
        # around it were two more, on an import's writer's chain).
        with self.datastore.cursor() as curs:
            curs.execute(self.sql_existing, (list(ids),), prepare=True)
            return {row["originator_id"] for row in curs.fetchall()}

    def find_receipt(self, actor: str, key: str) -> StoredReceipt | None:
        """The stored answer for this actor's key, if a request with it has been answered."""
        with self.datastore.get_connection() as conn:
            return self.idempotency.find(conn, actor, key)


def composed(statement: Query) -> bytes:
    """A statement as the bytes psycopg sends, composed once: an ``SQL`` is composed again on
    every ``execute`` (a Python call a part), the parse of bytes is cached. Identifiers are
    quoted as PostgreSQL quotes them without a connection (this store's names are ASCII)."""
    if isinstance(statement, Composable):
        return statement.as_bytes(None)
    return statement.encode() if isinstance(statement, str) else cast(bytes, statement)


def pii_reads_insert(table: str, params: Sequence[str]) -> str:
    """The access log's one statement (a row a household shown), in a driver's placeholders
    for the user's id and name, the endpoint, the households and each one's fields."""
    user_id, username, endpoint, households, fields = params
    return (
        f"INSERT INTO {table} (user_id, username, household_id, endpoint, fields) "
        f"SELECT {user_id}, {username}, r.household_id, {endpoint}, r.fields "
        f"FROM unnest({households}::uuid[], {fields}::text[]) AS r(household_id, fields)"
    )


def _receipt_row(receipt: IdempotencyReceipt, events: EventColumns) -> tuple[Any, ...]:
    """A receipt's column values, its version that of the command's last event on its aggregate."""
    version = max(
        (v for i, v in zip(events[0], events[1], strict=True) if i == receipt.aggregate_id),
        default=None,
    )
    return (
        receipt.actor,
        receipt.key,
        receipt.fingerprint,
        receipt.status_code,
        Jsonb(receipt.body),
        receipt.aggregate_id,
        version,
    )


def _erasures(stored_events: Sequence[StoredEvent]) -> list[tuple[UUID, list[UUID]]]:
    """Each erased household with the aggregates whose keys go with it (its referrals)."""
    erasures = []
    for stored in stored_events:
        if stored.topic == ERASURE_TOPIC:
            household_id = UUID(str(stored.originator_id))
            referrals = orjson.loads(stored.state).get("referral_ids", [])
            erasures.append((household_id, [household_id, *(UUID(r) for r in referrals)]))
    return erasures


class LockedFlushRecorder(SukumaRecorder):
    """Each append waits for its WAL flush under the table lock, as the library's own does."""

    flush_outside_lock = False
