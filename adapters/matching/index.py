"""The matcher's index in PostgreSQL: blind blocking keys and sealed cards (``DuplicateIndex``).

``matcher_keys`` holds (key, household) for each blocking key of a household's members;
``matcher_cards`` one sealed card per household with its ward. Neither is in the event log:
both are derived, re-written whenever a household's profile is recorded, and deleted when its
personal data is erased. Finding candidates is one query for a whole batch (each key's block
capped at ``BLOCK_LIMIT`` households, so a common surname never floods a batch), then each
pair is scored in memory (``adapters.matching.batches``, ``adapters.matching.scoring``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, Final
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from adapters.data_keys import DataKeyStore
from adapters.idempotency import tried
from adapters.insert_cursors import Along
from adapters.matching.batches import (
    Block,
    score_batch,
    score_in_worker,
    scoring_worker,
    wanted_of,
)
from adapters.matching.cards import Carded, CardKeys
from adapters.matching.scoring import RULE_VERSION
from domain.duplicates.ports import IndexEntry, Match

#: The matcher's own data key (wrapped by the master key in the data-keys table).
MATCHER_KEY_ID: Final = uuid.UUID("6d61f7c8-2b1a-4e0f-8a55-0d75706c6963")
#: At most this many households are read per blocking key.
BLOCK_LIMIT: Final = 200


class PostgresDuplicateIndex:
    rule_version = RULE_VERSION

    def __init__(
        self, datastore: PostgresDatastore, keys: CardKeys | Callable[[], CardKeys]
    ) -> None:
        self.datastore = datastore
        self._keys = keys
        self._lock = threading.Lock()
        s = Identifier(datastore.schema)
        k, c = Identifier("matcher_keys"), Identifier("matcher_cards")
        # Each card read by its household's key (a LATERAL subquery; OFFSET 0 keeps it one):
        # joined plainly, the planner hashed the whole cards table for every batch while the
        # index had no statistics yet (an import's growing one).
        self.sql_block = SQL(
            "SELECT q.key, uuid_send(b.household_id) AS household, c.ward_id, c.card "
            "FROM unnest(%b::bigint[]) AS q(key) "
            "CROSS JOIN LATERAL (SELECT household_id FROM {0}.{1} k WHERE k.key = q.key "
            "LIMIT {3}) b CROSS JOIN LATERAL (SELECT ward_id, card FROM {0}.{2} "
            "WHERE household_id = b.household_id OFFSET 0) c"
        ).format(s, k, c, BLOCK_LIMIT)
        # Each household's keys found through its index, one household at a time (LATERAL;
        # OFFSET 0 keeps the planner from joining the two otherwise), then deleted by row:
        # ``household_id = ANY(...)`` was planned as a scan of the whole table while it had
        # no statistics yet (an import's growing index: each batch read every key row).
        self.sql_forget_keys = SQL(
            "DELETE FROM {0}.{1} WHERE ctid = ANY(ARRAY(SELECT k.ctid "
            "FROM unnest(%b::uuid[]) AS g(id) CROSS JOIN LATERAL "
            "(SELECT ctid FROM {0}.{1} WHERE household_id = g.id OFFSET 0) k))"
        ).format(s, k)
        self.sql_forget_cards = SQL("DELETE FROM {0}.{1} WHERE household_id = ANY(%s)").format(s, c)
        # Arrays, not COPY and a statement per card: a write is then one pipeline, one round
        # trip (an import's writer waits on each of its round trips while both cores work).
        # Every array is sent in binary (``%b``): psycopg's text dump quotes each element
        # after a regular expression's look (about a quarter of an import writer's CPU).
        self.sql_insert_keys = SQL(
            "INSERT INTO {0}.{1} (key, household_id) SELECT * FROM unnest(%b::bigint[], %b::uuid[])"
        ).format(s, k)
        # The cards' rows are written first, in household order: they lock the households,
        # so two writers of one household's keys take turns.
        self.sql_upsert_cards = SQL(
            "INSERT INTO {0}.{1} (household_id, ward_id, card, version) "
            "SELECT * FROM unnest(%b::uuid[], %b::text[], %b::bytea[], %b::bigint[]) "
            "ON CONFLICT (household_id) DO UPDATE SET ward_id = EXCLUDED.ward_id, "
            "card = EXCLUDED.card, version = EXCLUDED.version"
        ).format(s, c)
        self.sql_begin, self.sql_commit = SQL("BEGIN"), SQL("COMMIT")
        t = Identifier("matcher_tracking")
        self.sql_position = SQL(
            "SELECT notification_id FROM {0}.{1} WHERE application_name = %s"
        ).format(s, t)
        # Never back: two processes catching up at once may finish in either order.
        self.sql_track = SQL(
            "INSERT INTO {0}.{1} (application_name, notification_id) VALUES (%s, %s) "
            "ON CONFLICT (application_name) DO UPDATE SET notification_id = "
            "greatest({0}.{1}.notification_id, EXCLUDED.notification_id)"
        ).format(s, t)
        # An import batch's index written in its append's transaction (``along``) moves the
        # position past the append only if it stood right before it: the append's ids are
        # consecutive (drawn under the events table's lock), the last one ``currval``.
        self.sql_track_along = SQL(
            "INSERT INTO {0}.{1} (application_name, notification_id) "
            "SELECT %(name)s, a.last FROM (SELECT currval(pg_get_serial_sequence(%(events)s, "
            "'notification_id')) AS last) a WHERE coalesce((SELECT notification_id FROM {0}.{1} "
            "WHERE application_name = %(name)s), 0) = a.last - %(appended)s "
            "ON CONFLICT (application_name) DO UPDATE SET notification_id = "
            "greatest({0}.{1}.notification_id, EXCLUDED.notification_id) "
            "RETURNING notification_id"
        ).format(s, t)
        self.sql_versions = SQL(
            "SELECT household_id, version FROM {0}.{1} WHERE household_id = ANY(%s)"
        ).format(s, c)

    @classmethod
    def over(cls, datastore: PostgresDatastore, data_keys: DataKeyStore) -> PostgresDuplicateIndex:
        """The index with the matcher's key from the data-key store, created on first use (so
        a process that never matches writes nothing)."""

        def load() -> CardKeys:
            secret = data_keys.key_or_create(MATCHER_KEY_ID, None)
            if not isinstance(secret, bytes):
                raise RuntimeError("the duplicate matcher's key has been destroyed")
            return CardKeys(secret)

        return cls(datastore, load)

    @property
    def keys(self) -> CardKeys:
        if not isinstance(self._keys, CardKeys):
            with self._lock:
                if not isinstance(self._keys, CardKeys):
                    self._keys = self._keys()
        return self._keys

    # ---- finding ----------------------------------------------------------------------------

    @tried  # in a profile's command, as its other reads
    def read_block(self, keys: Iterable[int]) -> Block:
        """The indexed households sharing any of ``keys``, their cards still sealed."""
        block = Block([], [], [], [])
        wanted = sorted(set(keys))
        if not wanted:
            return block
        # One statement, in its own implicit transaction: one round trip, not three.
        with self.datastore.cursor() as curs:
            curs.execute(self.sql_block, (wanted,), binary=True)  # and read in binary
            for row in curs.fetchall():
                block.keys.append(row["key"])
                block.households.append(row["household"])
                block.wards.append(row["ward_id"])
                block.cards.append(row["card"])
        return block

    def carded(self, entries: Sequence[IndexEntry]) -> list[IndexEntry]:
        keys = self.keys
        return [
            replace(e, profile=None, card=keys.carded(e.household_id, e.profile)) for e in entries
        ]

    def matches(self, entries: Sequence[IndexEntry]) -> list[Match]:
        batch = wanted_of(self.keys, entries)
        return score_batch(self.keys, batch, self.read_block(k for w in batch for k in w.keys))

    def matches_many(self, batches: Iterable[Sequence[IndexEntry]]) -> Iterator[list[Match]]:
        """``matches`` of each batch, in order, against the index as it stands (none of these
        households is indexed meanwhile, as in ``bench.duplicates``): a worker process
        opens and scores each batch's block while the next one is read, so the database's
        work and the scoring run on two cores at once. The same matches as ``matches``."""
        with scoring_worker(self.keys) as worker:
            pending: Future[list[Match]] | None = None
            for entries in batches:
                batch = wanted_of(self.keys, entries)
                rows = self.read_block(k for w in batch for k in w.keys)
                scored = worker.submit(score_in_worker, batch, rows)
                if pending is not None:
                    yield pending.result()
                pending = scored
            if pending is not None:
                yield pending.result()

    # ---- keeping the index ------------------------------------------------------------------

    def record(
        self,
        entries: Sequence[IndexEntry],
        *,
        forget: Sequence[UUID] = (),
        position: tuple[str, int] | None = None,
    ) -> None:
        if not entries and not forget and position is None:
            return
        rows = self._rows(entries)
        with self.datastore.get_connection() as conn:
            try:
                # ``record``'s transaction sent whole in one pipeline (BEGIN to COMMIT: the
                # connection is in autocommit mode; after an error the server skips the rest).
                with conn.pipeline(), conn.cursor() as curs:
                    curs.execute(self.sql_begin, prepare=False)
                    self._write(curs, *rows, forget)
                    if position is not None:
                        curs.execute(self.sql_track, position, prepare=True)
                    curs.execute(self.sql_commit, prepare=False)
            except BaseException:
                conn.rollback()  # out of the aborted pipeline before the pool takes it back
                raise

    def along(self, entries: Sequence[IndexEntry], application_name: str) -> Along:
        """``record``'s statements, to be sent in the transaction of the append that records
        these households (``SukumaRecorder.insert_columns``), the position moved past that
        append if it stood right before it. Its answer: the position moved to, or ``None``
        (not moved: a catch-up indexes what lies between). The cards are made here, so a
        failure to make them fails before the append is sent."""
        rows = self._rows(entries)

        def send(
            conn: Connection[DictRow], sequence: str, events: int
        ) -> Callable[[], Callable[[], Any]]:
            # The cards and keys before the append's table lock (the cards' rows, in
            # household order, lock the households: two writers of one take turns, and
            # neither holds the table meanwhile); the position after its events.
            with conn.cursor() as curs:
                self._write(curs, *rows, ())

            def track() -> Callable[[], Any]:
                tracked = conn.cursor()  # its own: read once the append's pipeline has run
                params = {"name": application_name, "events": sequence, "appended": events}
                tracked.execute(self.sql_track_along, params, prepare=True)

                def moved() -> int | None:
                    with tracked:
                        row = tracked.fetchone()
                    return None if row is None else int(row["notification_id"])

                return moved

            return track

        return send

    def _rows(
        self, entries: Sequence[IndexEntry]
    ) -> tuple[list[IndexEntry], list[Carded], list[tuple[int, UUID]]]:
        """The entries to write (a household given twice as its last entry, as upserts in
        turn left it; in household order), their cards and their keys."""
        latest = {e.household_id: e for e in entries}
        ordered = [latest[h] for h in sorted(latest)]
        cards = [self._carded(e) for e in ordered]
        keys = [
            (key, e.household_id) for e, c in zip(ordered, cards, strict=True) for key in c.keys
        ]
        return ordered, cards, keys

    def _write(
        self,
        curs: Cursor[DictRow],
        ordered: Sequence[IndexEntry],
        cards: Sequence[Carded],
        keys: Sequence[tuple[int, UUID]],
        forget: Sequence[UUID],
    ) -> None:
        """The cards upserted, the households' old keys (and ``forget``'s) deleted, their
        new keys inserted: sent on ``curs`` in the caller's transaction and pipeline."""
        gone = [*(e.household_id for e in ordered), *forget]
        if ordered:
            columns = (
                [e.household_id for e in ordered],
                [e.ward_id for e in ordered],
                [c.sealed for c in cards],
                [e.version for e in ordered],
            )
            curs.execute(self.sql_upsert_cards, columns, prepare=True)
        curs.execute(self.sql_forget_keys, (gone,), prepare=True)
        if forget:
            curs.execute(self.sql_forget_cards, (list(forget),))
        if keys:
            curs.execute(
                self.sql_insert_keys, ([k for k, _ in keys], [h for _, h in keys]), prepare=True
            )

    def _carded(self, entry: IndexEntry) -> Carded:
        if isinstance(entry.card, Carded):  # made ahead (an import's worker)
            return entry.card
        return self.keys.carded(entry.household_id, entry.profile)

    def position(self, application_name: str) -> int:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql_position, (application_name,))
            row = curs.fetchone()
        return int(row["notification_id"]) if row else 0

    def stale(self, versions: Mapping[UUID, int]) -> set[UUID]:
        if not versions:
            return set()
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql_versions, (list(versions),))
            indexed = {row["household_id"]: row["version"] for row in curs.fetchall()}
        return {h for h, v in versions.items() if (indexed.get(h) or 0) < v}

    def forget(self, household_id: UUID) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.sql_forget_keys, ([household_id],))
            curs.execute(self.sql_forget_cards, ([household_id],))
