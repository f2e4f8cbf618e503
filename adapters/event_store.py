"""The event store's recorder, extended to keep idempotency receipts in the events' transaction.

A receipt (the response to a POST with an ``Idempotency-Key``) is written by the same
transaction that appends the command's events: either both exist or neither does, so a retry
after a timeout can never append twice, and a crash can never leave a key without its events.

The recorder also owns the household data keys' table (``adapters.data_keys``): a household's
``PersonalDataErased`` event destroys its keys and blanks its receipts' request fingerprints in
the event's own transaction, so an erasure is recorded exactly when it has happened.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import get_topic, retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from adapters.data_keys import DataKeyStore, destroy_keys_sql
from adapters.group_commit import Append, GroupCommit, call_params, call_sql
from domain.households.model import Household

#: The stored topic of the event whose commit destroys a household's data keys.
ERASURE_TOPIC = get_topic(Household.PersonalDataErased)
#: What a receipt's body hash becomes once its household is erased (a retry still replays).
ERASED_FINGERPRINT = "erased"


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """``<route hash>:<request hash>``: erasure blanks the second half (the body may hold
    personal data) and keeps the first, so a key reused on another route is still refused."""
    route = hashlib.sha256(f"{method}\n{path}".encode()).hexdigest()
    request = hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()
    return f"{route}:{request}"


def erased_fingerprint(fingerprint: str) -> str:
    """The fingerprint a receipt keeps once its household is erased (what erasure writes)."""
    return f"{fingerprint.partition(':')[0]}:{ERASED_FINGERPRINT}"


@dataclass(frozen=True)
class IdempotencyReceipt:
    """What to answer when the same request comes again."""

    key: str
    actor: str
    fingerprint: str
    status_code: int
    aggregate_id: UUID
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredReceipt:
    fingerprint: str
    status_code: int
    body: dict[str, Any]
    aggregate_id: UUID
    version: int | None
    position: int | None


class SukumaRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` plus an idempotency table written in the same transaction.

    Its tables and the append function come from ``adapters.migrations``, not from here.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.receipts_table_name = events_table_name.replace("_events", "") + "_idempotency"
        self.check_identifier_length(self.receipts_table_name)
        table = (Identifier(self.datastore.schema), Identifier(self.receipts_table_name))
        self.sql_insert_receipt = SQL(
            "INSERT INTO {0}.{1} (actor, key, fingerprint, status_code, body, aggregate_id,"
            " version) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        ).format(*table)
        self.sql_set_position = SQL(
            "UPDATE {0}.{1} SET position = %s WHERE actor = %s AND key = %s"
        ).format(*table)
        self.sql_select_receipt = SQL(
            "SELECT fingerprint, status_code, body, aggregate_id, version, position "
            "FROM {0}.{1} WHERE actor = %s AND key = %s"
        ).format(*table)
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
        self.sql_insert_pii_read = SQL(
            "INSERT INTO {0}.{1} (user_id, username, household_id, endpoint, fields) "
            "VALUES (%s, %s, %s, %s, %s)"
        ).format(*reads)

        # Commands' appends: gathered into shared calls of one function (adapters.group_commit).
        self.append_function_name = f"{self.events_table_name}_append"
        self.check_identifier_length(self.append_function_name)
        self.sql_append = call_sql(
            self.datastore.schema, self.append_function_name, self.stored_event_type_name
        )
        self._group_commit = GroupCommit(self._append)

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        receipt: IdempotencyReceipt | None = None,
        **kwargs: Any,
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        erasures = _erasures(stored_events)
        for household_id, ids in erasures:
            self._destroy_household_keys(curs, household_id, ids)
        if receipt is not None:
            self._insert_receipt(curs, stored_events, receipt)
        if erasures or receipt is not None:
            _sync(curs)

    def _insert_receipt(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        receipt: IdempotencyReceipt,
    ) -> None:
        curs.execute(self.sql_insert_receipt, _receipt_row(receipt, stored_events))

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        receipt: IdempotencyReceipt | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        erasures = _erasures(stored_events)
        # (The application always passes ``tracking``: None outside process applications.)
        plain = kwargs.get("tracking") is None and kwargs.keys() <= {"tracking"}
        if stored_events and plain and not erasures:
            return self._append_alone(stored_events, receipt)
        # An erasure also destroys keys in its transaction: the library's path, with the hooks.
        ids: Sequence[int] | None = super().insert_events(stored_events, receipt=receipt, **kwargs)
        # Again after the commit: a read meanwhile may have cached a key now destroyed.
        for _, erased in erasures:
            self._forget_keys(erased)
        return ids

    def _append_alone(
        self, stored_events: Sequence[StoredEvent], receipt: IdempotencyReceipt | None
    ) -> Sequence[int]:
        """A command's events and receipt, appended with whatever other commands append now."""
        events = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        fields = None if receipt is None else _receipt_row(receipt, stored_events)
        return self._group_commit.append(Append(events, fields))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _append(self, batch: Sequence[Append]) -> list[int]:
        """One call of the append function for a batch (autocommitted: one transaction)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.sql_append, call_params(batch), prepare=True)
            return [row["notification_id"] for row in curs.fetchall()]

    def _destroy_household_keys(
        self, curs: Cursor[DictRow], household_id: UUID, ids: list[UUID]
    ) -> None:
        self._forget_keys(ids)
        params = {"household": household_id, "ids": ids}
        for statement in self.sql_destroy_keys:
            curs.execute(statement, params)
        curs.execute(self.sql_erase_receipts, {"erased": ERASED_FINGERPRINT, "ids": ids})

    def _forget_keys(self, ids: list[UUID]) -> None:
        if self.data_keys is not None:
            self.data_keys.forget(*ids)

    def record_pii_read(
        self, user_id: str, username: str, household_id: UUID, endpoint: str, fields: str
    ) -> None:
        """Note that a response showed a household's personal fields to this user."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self.sql_insert_pii_read,
                (user_id, username, household_id, endpoint, fields),
                prepare=True,
            )

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        receipt: IdempotencyReceipt | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if receipt is not None and ids:
            curs.execute(self.sql_set_position, (max(ids), receipt.actor, receipt.key))
        return ids

    def find_receipt(self, actor: str, key: str) -> StoredReceipt | None:
        """The stored response for this actor's key, if a request with it has been recorded."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql_select_receipt, (actor, key))
            row = curs.fetchone()
        if row is None:
            return None
        return StoredReceipt(
            fingerprint=row["fingerprint"],
            status_code=row["status_code"],
            body=row["body"],
            aggregate_id=row["aggregate_id"],
            version=row["version"],
            position=row["position"],
        )


def _sync(curs: Cursor[DictRow]) -> None:
    """Make the server answer the statements queued so far in the insert's pipeline, raising
    their error (a receipt's unique violation when a concurrent request won the key) here.

    Left to the library's own ``pipeline.sync()`` after the events' INSERT, such an error is
    raised there only if psycopg has not read it before: a failure is sent to the client at
    once, and psycopg reads whatever has arrived each time it queues a statement. Read while
    queueing the table lock or the events (a slow thread, CPU load), it is caught by the
    library with the pipeline left aborted, and its commit then fails with ``PipelineAborted``
    (an OperationalError, retried ten times, then a 500) instead of the IntegrityError that
    sends the command runner to replay the winner's receipt. Raised here, before the library's
    ``try``, it rolls the transaction back and leaves the recorder as an IntegrityError.
    """
    with curs.connection.pipeline() as pipeline:  # the insert's own pipeline, nested
        pipeline.sync()


def _receipt_row(
    receipt: IdempotencyReceipt, stored_events: Sequence[StoredEvent]
) -> tuple[Any, ...]:
    """A receipt's column values, its version that of the command's last event on its aggregate."""
    version = max(
        (e.originator_version for e in stored_events if e.originator_id == receipt.aggregate_id),
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
