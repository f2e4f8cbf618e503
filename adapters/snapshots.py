"""Snapshots at the event store's edge: sealed whole under their aggregate's data key.

The library's mapper writes a snapshot as it writes an event (its transcoder's JSON: the
timestamp, the aggregate's topic and its whole state). That document is sealed here as one
value (AES-GCM, the aggregate's id and version as associated data) under the aggregate's own
data key (a household's, a referral's, a war room's), so no part of any state is readable
without it, whatever the state holds: a state keeps personal data where no catalogue of
paths reaches (a contested answer is the key of its candidates), and one seal costs less
than many. Erasure destroys the household's keys and with them its snapshots' contents,
exactly as its events'; a snapshot that cannot be opened reads with state ``None`` and the
repository replays the events instead (``domain.snapshots``). A master-key rotation rewraps
the data keys and leaves what they seal as it is, snapshots too.

Opened with the event store's transcoder (``adapters.transcoder``: orjson, not the library's
decoder, which calls back into Python for every dict, several times slower on a long
household's state: about 30 KB, most of it the profile and its fields' stamps).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent, Transcoder
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from adapters.data_keys import NONCE_BYTES, Erased
from domain.base import Snapshot

log = logging.getLogger(__name__)

#: What a sealed snapshot's stored state starts with (its format's version).
SEALED: Final = b"sealed-snapshot-1:"


def _aad(originator_id: UUID, version: int) -> bytes:
    return SEALED + originator_id.bytes + version.to_bytes(8, "big")


def seal_snapshot(stored: StoredEvent, key: bytes) -> StoredEvent:
    """The stored snapshot with its whole state sealed under ``key``."""
    originator_id = UUID(str(stored.originator_id))
    nonce = os.urandom(NONCE_BYTES)
    aad = _aad(originator_id, stored.originator_version)
    sealed = SEALED + nonce + AESGCM(key).encrypt(nonce, stored.state, aad)
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, sealed)


def open_snapshot(
    stored: StoredEvent, key: bytes | Erased | None, transcoder: Transcoder
) -> Snapshot:
    """The snapshot, its state ``None`` where it cannot be opened: its key destroyed (or
    this process without keys), or its format unknown to this code (logged)."""
    originator_id = UUID(str(stored.originator_id))
    fields: dict[str, Any] = {"timestamp": datetime.now(UTC), "topic": "", "state": None}
    if isinstance(key, bytes) and stored.state.startswith(SEALED):
        raw = stored.state[len(SEALED) :]
        aad = _aad(originator_id, stored.originator_version)
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
            fields = transcoder.decode(plain)
        except Exception as error:  # replayed instead; a bug to fix, not a reason to fail
            log.warning("snapshot of %s not opened: %r", originator_id, error)
    fields["originator_id"] = originator_id
    fields["originator_version"] = stored.originator_version
    snapshot: Snapshot = object.__new__(Snapshot)
    object.__setattr__(snapshot, "__dict__", fields)
    return snapshot


class SnapshotRecorder(PostgresAggregateRecorder):
    """The library's snapshot table, each snapshot inserted on its own, its sealed state sent
    in binary (psycopg's text dump of the library's composite array escapes every byte of a
    30 KB state with regular expressions), one already there kept (a retake at a version),
    the aggregate's older ones deleted (a load as of an older version replays its events)."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        # The aggregate's older snapshots go in the same statement: a load reads the latest
        # only (one a version, 20-30 KB each for a long household, would outgrow the log).
        self.sql_insert_snapshot = SQL(
            "WITH new AS (INSERT INTO {0}.{1} (originator_id, originator_version, topic, state)"
            " VALUES (%s, %s, %s, %b) ON CONFLICT DO NOTHING"
            " RETURNING originator_id, originator_version)"
            " DELETE FROM {0}.{1} t USING new WHERE t.originator_id = new.originator_id"
            " AND t.originator_version < new.originator_version"
        ).format(Identifier(datastore.schema), Identifier(events_table_name))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """The snapshots in one transaction, sent in one round trip (a pipeline), whose commit
        does not wait for its WAL flush: a snapshot is a cache (one a crash loses is taken
        again at the next interval; loads replay the events meanwhile), and the snapshotting
        command has waited for its events' flush already. WAL is flushed in order, so the
        data key it is sealed under (committed before it, durably) is never the one lost."""
        with self.datastore.get_connection() as conn:
            try:
                with conn.pipeline(), conn.cursor() as curs:
                    curs.execute(b"BEGIN", prepare=False)  # explicit: autocommit connections
                    curs.execute(b"SET LOCAL synchronous_commit = off", prepare=True)
                    for s in stored_events:
                        row = (s.originator_id, s.originator_version, s.topic, s.state)
                        curs.execute(self.sql_insert_snapshot, row, prepare=True)
                    curs.execute(b"COMMIT", prepare=False)
            except BaseException:
                conn.rollback()  # out of the failed pipeline before the pool takes it back
                raise
