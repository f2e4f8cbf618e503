"""The event store's recorder, extended to keep idempotency receipts in the events' transaction.

A receipt (the response to a POST with an ``Idempotency-Key``) is written by the same
transaction that appends the command's events: either both exist or neither does, so a retry
after a timeout can never append twice, and a crash can never leave a key without its events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb


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
    """``PostgresApplicationRecorder`` plus an idempotency table written in the same transaction."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.receipts_table_name = events_table_name.replace("_events", "") + "_idempotency"
        self.check_identifier_length(self.receipts_table_name)
        table = (Identifier(self.datastore.schema), Identifier(self.receipts_table_name))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "actor text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, "
                "status_code int NOT NULL, body jsonb NOT NULL, aggregate_id uuid NOT NULL, "
                "version bigint, position bigint, "
                "created_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (actor, key))"
            ).format(*table)
        )
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

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        receipt: IdempotencyReceipt | None = None,
        **kwargs: Any,
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        if receipt is None:
            return
        version = max(
            (
                e.originator_version
                for e in stored_events
                if e.originator_id == receipt.aggregate_id
            ),
            default=None,
        )
        curs.execute(
            self.sql_insert_receipt,
            (
                receipt.actor,
                receipt.key,
                receipt.fingerprint,
                receipt.status_code,
                Jsonb(receipt.body),
                receipt.aggregate_id,
                version,
            ),
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
