"""Per-household data keys: random AES-256 keys, stored wrapped by the master key, cached.

A key row belongs to one aggregate (a household, or a referral of that household) and names
its household, so erasure destroys every key of the household at once. A destroyed key leaves
a tombstone (``wrapped_key`` NULL): it is never created again, nor is a key for a new aggregate
of that household (a referral made after the erasure gets a tombstone), so personal data
written after an erasure is not stored at all. Keys are cached per process (bounded, with a
short lifetime, so a key erased by another process is forgotten here soon after; the erasure
event itself blanks the aggregate's personal state on replay).

The master key can be replaced (``sukuma keys rotate``): while a rotation is under way the
store also opens keys wrapped by the previous master key, and wraps new ones with the current.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Sequence
from typing import Final, Literal
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from adapters.idempotency import tried
from adapters.key_scrubbing import KeyScrubber

NONCE_BYTES: Final = 12
#: The key a destroyed data key reads as.
Erased = Literal["erased"]
ERASED_KEY: Final[Erased] = "erased"


def key_encryption_key(master_key: str) -> bytes:
    """The AES-256 key that wraps data keys, derived from the configured master key."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"sukuma data-key wrapping"
    ).derive(master_key.encode())


def destroy_keys_sql(schema: str, table: str) -> tuple[Composed, Composed]:
    """Tombstone a household's keys: the named aggregates' (household, referrals) and any
    other row of the household (its alerts'), whose ids the second statement returns.
    Parameters: ``household`` and ``ids`` (both included)."""
    t = Identifier(schema), Identifier(table)
    return (
        SQL(
            "INSERT INTO {0}.{1} (aggregate_id, household_id, erased_at) "
            "SELECT id, %(household)s, now() FROM unnest(%(ids)s::uuid[]) AS id "
            "ON CONFLICT (aggregate_id) DO UPDATE SET wrapped_key = NULL, erased_at = now()"
        ).format(*t),
        SQL(
            "UPDATE {0}.{1} SET wrapped_key = NULL, erased_at = now() "
            "WHERE household_id = %(household)s AND wrapped_key IS NOT NULL "
            "RETURNING aggregate_id"
        ).format(*t),
    )


class KeyWrapper:
    """Wraps data keys with the current master key; opens them with it or a previous one.

    Each wrap is AES-GCM under a key derived from a master key, bound to the aggregate's id
    (a wrapped key copied to another row does not open).
    """

    def __init__(self, master_key: str, previous: Sequence[str] = ()) -> None:
        self._keks = [AESGCM(key_encryption_key(k)) for k in (master_key, *previous)]

    def wrap(self, aggregate_id: UUID, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._keks[0].encrypt(nonce, key, aggregate_id.bytes)

    def unwrap(self, aggregate_id: UUID, wrapped: bytes) -> tuple[bytes, int]:
        """The data key and which master key opened it (0: the current one).

        Raises ``InvalidTag`` if none does (a wrong master key, or a tampered row).
        """
        wrapped = bytes(wrapped)
        nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        for index, kek in enumerate(self._keks):
            try:
                return kek.decrypt(nonce, sealed, aggregate_id.bytes), index
            except InvalidTag:
                continue
        raise InvalidTag


class DataKeyStore:
    """Finds, creates and caches the data key of an aggregate."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        table: str,
        master_key: str,
        *,
        previous_master_keys: Sequence[str] = (),
        cache_size: int = 50_000,
        cache_seconds: float = 60.0,
    ) -> None:
        self.datastore = datastore
        self._wrapper = KeyWrapper(master_key, previous_master_keys)
        self._cache: OrderedDict[UUID, tuple[float, bytes | Erased]] = OrderedDict()
        self._lock = threading.Lock()
        #: The entry last found or remembered, read without the lock: the events of one
        #: aggregate are sealed one after another (an imported household's five), each
        #: asking for its key. Replaced under the lock; forgetting any key drops it.
        self._last: tuple[UUID, float, bytes | Erased] | None = None
        self.cache_size = cache_size
        self.cache_seconds = cache_seconds
        # Erased keys' old row versions stay in the table's file until it is rewritten.
        self.scrubber = KeyScrubber(datastore, table)
        t = Identifier(datastore.schema), Identifier(table)
        # A new aggregate of an erased household (a referral made after the erasure) gets a
        # tombstone, not a live key: the household's row is locked (FOR SHARE) so an erasure
        # committing meanwhile is seen, and the check and the insert are one statement.
        self.sql_insert = SQL(
            "WITH household AS (SELECT wrapped_key IS NULL AS erased FROM {0}.{1} "
            "WHERE aggregate_id = %(household)s FOR SHARE), "
            "erased AS (SELECT coalesce((SELECT erased FROM household), false) AS yes) "
            "INSERT INTO {0}.{1} (aggregate_id, household_id, wrapped_key, erased_at) "
            "SELECT %(id)s, %(household)s, "
            "CASE WHEN erased.yes THEN NULL ELSE %(wrapped)s::bytea END, "
            "CASE WHEN erased.yes THEN now() END FROM erased "
            "ON CONFLICT (aggregate_id) DO NOTHING RETURNING wrapped_key"
        ).format(*t)
        self.sql_select = SQL("SELECT wrapped_key FROM {0}.{1} WHERE aggregate_id = %s").format(*t)
        # Many new households' keys at once (an import's batch): one insert of two arrays
        # sent in binary (``%b``), which keeps any row already there (a resumed run's, a
        # tombstone). A COPY into a staging table and an insert from it, in a transaction,
        # were four round trips and a row formatted in Python per key (about 15 us of CPU
        # an imported household, against 6).
        self.sql_insert_many = SQL(
            "INSERT INTO {0}.{1} (aggregate_id, household_id, wrapped_key) "
            "SELECT id, id, wrapped FROM unnest(%b::uuid[], %b::bytea[]) AS new(id, wrapped) "
            "ORDER BY id ON CONFLICT (aggregate_id) DO NOTHING RETURNING aggregate_id"
        ).format(*t)
        self.sql_select_many = SQL(
            "SELECT aggregate_id, wrapped_key FROM {0}.{1} WHERE aggregate_id = ANY(%s)"
        ).format(*t)
        self.sql_select_erased = SQL(
            "SELECT aggregate_id FROM {0}.{1} WHERE aggregate_id = ANY(%s) AND wrapped_key IS NULL"
        ).format(*t)

    def _unwrap(self, aggregate_id: UUID, wrapped: bytes | None) -> bytes | Erased:
        if wrapped is None:
            return ERASED_KEY
        return self._wrapper.unwrap(aggregate_id, wrapped)[0]

    # ---- lookups -----------------------------------------------------------------------------

    @tried
    def key(self, aggregate_id: UUID) -> bytes | Erased | None:
        """The aggregate's key, ``"erased"`` once destroyed, ``None`` if it never had one."""
        cached = self._cached(aggregate_id)
        if cached is not None:
            return cached
        # One statement in its own implicit transaction: one round trip (BEGIN and ROLLBACK
        # around it were two more, on every load of a sealed aggregate whose key is not cached).
        with self.datastore.cursor() as curs:
            curs.execute(self.sql_select, (aggregate_id,), prepare=True)
            row = curs.fetchone()
        if row is None:
            return None
        return self._remember(aggregate_id, self._unwrap(aggregate_id, row["wrapped_key"]))

    def opened(self, aggregate_id: UUID, wrapped: bytes | None) -> bytes | Erased:
        """A key whose row was read with other data (a list's one query), opened here:
        ``"erased"`` for a tombstone. Raises ``InvalidTag`` if no master key opens it."""
        return self._unwrap(aggregate_id, wrapped)

    def prime(self, aggregate_id: UUID, wrapped: bytes | None) -> None:
        """A key's row read with the aggregate's records (its load's one statement): opened
        and cached unless cached already; one no master key opens is left to ``key`` (which
        raises when the key is needed, as before)."""
        if self._cached(aggregate_id) is None:
            with contextlib.suppress(InvalidTag):
                self._remember(aggregate_id, self._unwrap(aggregate_id, wrapped))

    def erased_among(self, aggregate_ids: Collection[UUID]) -> set[UUID]:
        """Which of these aggregates' keys are destroyed (one query: a list page's rows; no
        explicit transaction, whose BEGIN and ROLLBACK would be two more round trips)."""
        with self.datastore.cursor() as curs:
            curs.execute(self.sql_select_erased, (list(aggregate_ids),))
            return {row["aggregate_id"] for row in curs.fetchall()}

    def key_or_create(self, aggregate_id: UUID, household_id: UUID | None) -> bytes | Erased:
        """The aggregate's key, created now if it has none (concurrent creators agree on one).

        If the household it belongs to was erased, the new row is a tombstone: ``"erased"``.
        """
        # The cache first: ``key``'s retries wrap only its query (each sealed event asks).
        found: bytes | Erased | None = self._cached(aggregate_id) or self.key(aggregate_id)
        if found is not None:
            return found
        new = AESGCM.generate_key(bit_length=256)
        params = {
            "id": aggregate_id,
            "household": household_id,
            "wrapped": self._wrapper.wrap(aggregate_id, new),
        }
        inserted: DictRow | None = self._insert(params)
        if inserted is not None:
            if inserted["wrapped_key"] is None:
                return self._remember(aggregate_id, ERASED_KEY)
            return self._remember(aggregate_id, new)
        # Another writer created it first (or erased it): a new statement sees its row.
        found = self.key(aggregate_id)
        assert found is not None, "a key row that conflicted must exist"
        return found

    @tried
    def _insert(self, params: dict[str, object]) -> DictRow | None:
        """The new key's row, or ``None`` if one was there (a retry after a lost commit too:
        the caller then reads the row that stands). One statement, its own transaction."""
        with self.datastore.cursor() as curs:
            curs.execute(self.sql_insert, params)
            return curs.fetchone()

    def create_household_keys(self, household_ids: Sequence[UUID]) -> None:
        """Make sure each household has its own key, in one statement (its own transaction)
        for all of them, and cache them: the event store then seals their events without a
        look-up each. A household that has a key already (a re-run) keeps it, an erased one
        its tombstone."""
        missing = [h for h in dict.fromkeys(household_ids) if self._cached(h) is None]
        if not missing:
            return
        new = {h: AESGCM.generate_key(bit_length=256) for h in missing}
        wrapped = [self._wrapper.wrap(h, key) for h, key in new.items()]
        with self.datastore.cursor() as curs:
            curs.execute(self.sql_insert_many, (missing, wrapped), prepare=True, binary=True)
            inserted = {row["aggregate_id"] for row in curs.fetchall()}
            existing = [h for h in missing if h not in inserted]
            if existing:
                curs.execute(self.sql_select_many, (existing,))
                found = {row["aggregate_id"]: row["wrapped_key"] for row in curs.fetchall()}
        for household_id in inserted:
            self._remember(household_id, new[household_id])
        for household_id in existing:
            self._remember(household_id, self._unwrap(household_id, found[household_id]))

    def erased(self, *aggregate_ids: UUID) -> None:
        """After an erasure's commit: forget the keys, and rewrite the table soon."""
        self.forget(*aggregate_ids)
        self.scrubber.scrub_soon()

    def forget(self, *aggregate_ids: UUID) -> None:
        """Drop cached keys (erasure calls this before the tombstones commit)."""
        with self._lock:
            self._last = None
            for aggregate_id in aggregate_ids:
                self._cache.pop(aggregate_id, None)

    # ---- the cache ---------------------------------------------------------------------------

    def _cached(self, aggregate_id: UUID) -> bytes | Erased | None:
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0] == aggregate_id and time.monotonic() <= last[1]:
            return last[2]  # the most recently used already: nothing to move
        with self._lock:
            entry = self._cache.get(aggregate_id)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._cache[aggregate_id]
                return None
            self._cache.move_to_end(aggregate_id)
            self._last = (aggregate_id, *entry)
            return entry[1]

    def _remember(self, aggregate_id: UUID, key: bytes | Erased) -> bytes | Erased:
        with self._lock:
            expires = time.monotonic() + self.cache_seconds
            self._cache[aggregate_id] = (expires, key)
            self._cache.move_to_end(aggregate_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            # The newest is evicted only by a cache of no size (which keeps none).
            self._last = (aggregate_id, expires, key) if self.cache_size > 0 else None
        return key
