"""Copies of one keyed request take turns, across threads, processes and replicas.

The first copy of an ``(actor, Idempotency-Key)`` to arrive takes a PostgreSQL advisory lock
on it and holds it while its command runs; its answer is committed before the lock goes
(a success's receipt with its events, by ``SukumaRecorder``; a refusal's here). Every other
copy waits for the lock (bounded), then finds that receipt and replays it, so no copy can meet
the half-done state of another and answer differently (a "409, already acknowledged" beside
the first's 200).

A session lock, not a transaction one: the connection holding it is idle (not idle *in a
transaction*, which the library's pool ends after a few seconds) while the command runs on
other connections, and a crashed process's lock goes with its connection. Waiters poll with
``pg_try_advisory_lock`` rather than block in ``pg_advisory_lock``, so only the holder keeps
a pooled connection: a burst of copies cannot take the pool the holder's command needs.

The holders' connections come on top of the event store's pool size: the gate grows the pool
by one connection per holder it allows. The API runs at most as many blocking calls at once
as the pool had connections (``api.main``), each taking one at a time, so with the holders'
own they never wait for one another. Borrowed from the commands' share instead, a burst of
keyed commands (200 phones' submissions) held half the pool idle under their locks while
twice as many calls queued for the rest, and under load waited past the pool's tries: 503.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

#: Two-key advisory locks ("Su"), apart from the one-key ones other modules take.
LOCK_CLASS = 0x5375
#: How often a waiting copy looks again whether the first has finished.
POLL_SECONDS = 0.02
#: As the library's own retry of its reads and appends (``eventsourcing.postgres``).
CONNECT_ATTEMPTS, CONNECT_RETRY_SECONDS = 10, 0.2
#: A read a command makes on the event store's pool beside the library's own (a data key,
#: the matcher's block), tried as those are: one busy moment of the pool (a try waits
#: ``SUKUMA_WRITE_POOL_TIMEOUT``) answered the whole command 503.
tried = retry(
    (InterfaceError, OperationalError), max_attempts=CONNECT_ATTEMPTS, wait=CONNECT_RETRY_SECONDS
)


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


class GateBusy(TimeoutError):
    """This process already runs as many keyed commands as its pool allows."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"too many keyed commands in progress here after {waited:g}s")
        self.waited = waited


class KeyInFlight(Exception):
    """The first request with this key was still running when the wait ran out."""

    def __init__(self, waited: float) -> None:
        super().__init__(
            f"a request with this Idempotency-Key is still in progress after {waited:g}s"
        )
        self.waited = waited


@dataclass(frozen=True)
class StoredReceipt:
    """A recorded answer: a command's result (``version``, ``position``) or its refusal."""

    fingerprint: str
    status_code: int
    body: dict[str, Any]
    aggregate_id: UUID
    version: int | None
    position: int | None


@dataclass(frozen=True)
class Refusal:
    """A command's refusal, kept so that a retry gets the same answer."""

    actor: str
    key: str
    fingerprint: str
    aggregate_id: UUID
    status_code: int
    content: Any
    headers: dict[str, str]


def lock_key(actor: str, key: str) -> int:
    """A stable signed 32-bit hash of ``(actor, key)`` (a collision only makes two wait)."""
    digest = hashlib.sha256(f"{actor}\n{key}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


class Claim:
    """Held while the first copy runs: the receipt found when the lock was taken, if any."""

    def __init__(
        self, gate: IdempotencyGate, conn: Connection[DictRow], found: StoredReceipt | None
    ):
        self.gate, self.conn, self.receipt = gate, conn, found

    def refused(self, refusal: Refusal) -> None:
        """Record the refusal (committed before the lock is released)."""
        row = (
            refusal.actor,
            refusal.key,
            refusal.fingerprint,
            refusal.status_code,
            Jsonb({"refusal": refusal.content, "headers": refusal.headers}),
            refusal.aggregate_id,
        )
        self.conn.execute(self.gate.sql_insert_refusal, row)


class IdempotencyGate:
    """Serialises the copies of a keyed request on the receipts' database."""

    def __init__(self, datastore: PostgresDatastore, receipts_table_name: str) -> None:
        self.datastore = datastore
        # A holder keeps a pooled connection while its command takes others from the same
        # pool: at most half as many holders as the pool's connections, each with a
        # connection of its own added to the pool (see the module's docstring).
        pool = datastore.pool
        self.max_holders = max(1, pool.max_size // 2)
        self.holders = threading.BoundedSemaphore(self.max_holders)
        pool.resize(pool.min_size, pool.max_size + self.max_holders)
        table = Identifier(datastore.schema), Identifier(receipts_table_name)
        self.sql_select = SQL(
            "SELECT fingerprint, status_code, body, aggregate_id, version, position "
            "FROM {0}.{1} WHERE actor = %s AND key = %s"
        ).format(*table)
        self.sql_insert_refusal = SQL(
            "INSERT INTO {0}.{1} (actor, key, fingerprint, status_code, body, aggregate_id)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
        ).format(*table)

    def find(self, conn: Connection[DictRow], actor: str, key: str) -> StoredReceipt | None:
        row = conn.execute(self.sql_select, (actor, key)).fetchone()
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

    @contextmanager
    def claim(self, actor: str, key: str, wait: float) -> Iterator[Claim]:
        """Hold ``(actor, key)``; wait at most ``wait`` seconds for an earlier copy to finish
        (``KeyInFlight`` after that). A lost or busy database is tried as the library tries
        its own reads (``CONNECT_ATTEMPTS``), then its error goes on (a 503)."""
        lock = (LOCK_CLASS, lock_key(actor, key))
        deadline = time.monotonic() + wait
        failures = 0
        while True:
            if not self.holders.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise GateBusy(wait)
            held, pause = False, POLL_SECONDS
            try:
                with self.datastore.get_connection() as conn:
                    taken = conn.execute("SELECT pg_try_advisory_lock(%s, %s) AS taken", lock)
                    if _one(taken.fetchone()):
                        held = True
                        try:
                            yield Claim(self, conn, self.find(conn, actor, key))
                        finally:
                            _unlock(conn, lock)
                        return
            except (OperationalError, InterfaceError):
                failures += 1
                if held or failures >= CONNECT_ATTEMPTS:
                    raise
                pause = CONNECT_RETRY_SECONDS
            finally:
                self.holders.release()
            if pause == POLL_SECONDS and time.monotonic() >= deadline:
                raise KeyInFlight(wait)  # (not taken: a copy holds it)
            time.sleep(pause)


def _one(row: DictRow | None) -> bool:
    return bool(row and row["taken"])


def _unlock(conn: Connection[DictRow], lock: tuple[int, int]) -> None:
    try:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
    except (psycopg.Error, PersistenceError):
        # Lost with its connection (the server dropped the lock with the session); closed,
        # the pool discards it rather than lend out a session that might still hold it.
        conn.close()
