"""Statement views: a view whose changes are rows for a few statements, written in order.

Most views change a row or two an event (register a household, mark a referral ended):
their handlers append ``(kind, parameters)`` and a commit sends the lot, in one pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, ClassVar

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

#: A statement view's changes as written: runs of one kind's parameters, in order.
Runs = list[tuple[str, list[tuple[Any, ...]]]]
#: The rows a kind's change reads or writes, given its parameters: ``(table suffix, index of
#: the row's key among them)`` for one row, or a function naming them (several rows).
RowKeys = tuple[str, int] | Callable[[tuple[Any, ...]], Iterable[Hashable]]


@dataclass(frozen=True)
class Upsert:
    """Rows inserted into one table, a long run of them in a few statements (each column sent
    as an array and unnested) rather than a statement a row: PostgreSQL's work a row was most of a
    statement view's catch-up (a demo log's facts, households and referrals).

    A run leaves what its rows one at a time would: each key's first row, with the
    ``update`` columns of its last (a stored row keeps its other columns); without
    ``update`` a stored or earlier row stands (``DO NOTHING``).
    """

    table: str  # the table's suffix
    columns: tuple[str, ...]  # in the order of a change's parameters
    key: tuple[str, ...]  # the conflict target (a unique key)
    update: tuple[str, ...] = ()

    def statement(self, types: Sequence[str] | None = None) -> str:
        """The statement (``{t_<table>}`` still to expand): a row's, or given the columns' SQL
        types, a run's (each column an array)."""
        if types is None:
            rows = "VALUES (" + ", ".join(["%s"] * len(self.columns)) + ")"
        elif any(t.endswith("[]") for t in types):
            raise ValueError(f"{self.table}: unnest would flatten an array column")
        else:
            # Binary (``%b``): arrays sent as text were quoted element by element (a regex
            # each), most of the client's work of a run, and parsed again by the server.
            rows = "SELECT * FROM unnest(" + ", ".join(f"%b::{t}[]" for t in types) + ")"
        action = "NOTHING"
        if self.update:
            action = "UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in self.update)
        return (
            f"INSERT INTO {{t_{self.table}}} ({', '.join(self.columns)}) {rows} "
            f"ON CONFLICT ({', '.join(self.key)}) DO {action}"
        )

    def arrays(self, rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
        """A run's rows merged by key (see the class), as one array a column (one upsert
        may not touch a row twice). Each key's first and last row are found by dicts built
        in C (a loop a row in Python was most of open data's ``take``)."""
        key = itemgetter(*[self.columns.index(c) for c in self.key])
        keys = list(map(key, rows))
        count = len(keys)
        first = dict(zip(reversed(keys), range(count - 1, -1, -1), strict=True))  # earliest wins
        if len(first) == count:  # no key twice (facts, a catch-up's first rows)
            return [list(column) for column in zip(*rows, strict=True)]
        last = dict(zip(keys, range(count), strict=True))  # the latest wins
        updates = [self.columns.index(c) for c in self.update]
        merged = []
        for i in sorted(first.values()):  # in the order keys first came
            j = last[keys[i]]
            if i == j or not updates:
                merged.append(rows[i])
                continue
            row, later = list(rows[i]), rows[j]
            for u in updates:
                row[u] = later[u]
            merged.append(tuple(row))
        return [list(column) for column in zip(*merged, strict=True)]


#: The fewest rows of a run an ``Upsert`` sends as arrays (shorter runs: a statement a row).
UPSERT_RUN_ROWS = 64
#: The most rows an ``Upsert``'s statement sends: a run's keys are distinct once merged, so
#: its statements may split it. The client converts a statement's arrays before sending it,
#: while the server waits in the transaction: 77k facts at once took past the library's 5 s
#: idle_in_transaction_session_timeout on the loaded machine; chunks keep both sides busy.
UPSERT_CHUNK_ROWS = 5_000

PLACE = ("ward_id", "municipality", "district")
#: Where each household is now, in a ``households`` table of a view's own (by the areas of
#: the household's ``Registered`` and ``Moved`` events).
HOUSEHOLD_PLACE = Upsert(
    "households", ("household_id", *PLACE), key=("household_id",), update=PLACE
)


class StatementView(BufferedView):
    """A view whose buffered changes are rows for its ``statements`` (by kind), written in
    the order the events came (a page may create, change and end one row)."""

    #: kind -> SQL with ``{t_<suffix>}`` table names and ``%s`` parameters, or an ``Upsert``
    statements: ClassVar[dict[str, str | Upsert]] = {}
    #: kind -> the rows its statement reads or changes (``RowKeys``), for a kind whose
    #: statement touches no other row. A commit whose changes are all of such kinds is
    #: written in layers (see ``layered``).
    row_keys: ClassVar[dict[str, RowKeys]] = {}

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.upserts = {k: u for k, u in self.statements.items() if isinstance(u, Upsert)}
        self.composed = {
            kind: self.sql(sql if isinstance(sql, str) else sql.statement())
            for kind, sql in self.statements.items()
        }
        # the tables each kind's statement names (an Upsert's: its own)
        self.named = {
            kind: {sql.table}
            if isinstance(sql, Upsert)
            else {t for t in self.tables if f"{{t_{t}}}" in sql}
            for kind, sql in self.statements.items()
        }

    def reset(self) -> None:
        self.changes: list[tuple[str, tuple[Any, ...]]] = []

    def take(self) -> Runs:
        """Runs of one kind, in the order the events came (a catch-up's page registers and
        profiles households by the hundred)."""
        changes = self.changes
        if self.row_keys and all(kind in self.row_keys for kind, _ in changes):
            changes = layered(changes, self.row_keys)
        runs = groupby(changes, key=_kind)
        taken = self.shaped([(kind, [params for _, params in run]) for kind, run in runs])
        self.reset()
        return taken

    def shaped(self, runs: Runs) -> Runs:
        """A long run of an ``Upsert`` as arrays (kind ``<kind>[]``, a statement for each
        ``UPSERT_CHUNK_ROWS``); the others' rows as they are, for one prepared statement a
        row (a run of a few rows sent as arrays cost more: a statement planned each time)."""
        shaped: Runs = []
        for kind, rows in runs:
            upsert = self.upserts.get(kind)
            if upsert is None or len(rows) < UPSERT_RUN_ROWS:
                shaped.append((kind, rows))
                continue
            if f"{kind}[]" not in self.composed:  # once: the columns' types, from the catalogue
                with self.datastore.transaction(commit=False) as curs:
                    types = self.column_types(curs, upsert.table, upsert.columns)
                self.composed[f"{kind}[]"] = self.sql(upsert.statement(types))
            arrays = upsert.arrays(rows)
            chunks = range(0, len(arrays[0]), UPSERT_CHUNK_ROWS)
            shaped.append(
                (f"{kind}[]", [tuple(a[i : i + UPSERT_CHUNK_ROWS] for a in arrays) for i in chunks])
            )
        return shaped

    def staged(self) -> int:
        return len(self.changes)

    def write(self, curs: Cursor[DictRow], changes: Runs) -> None:
        """Each run in one ``executemany`` (an ``Upsert``'s long run: a statement a chunk), all
        in one pipeline: one round trip for the whole commit rather than one a run, and no Sync
        between them, so the server never waits idle in the transaction meanwhile.

        A long ``Upsert`` run into a table that holds no row yet (a catch-up from zero) is
        COPYed straight in instead: its keys are distinct once merged, so there is no
        conflict to resolve and no array to unnest (a COPY cannot run in a pipeline: the
        runs before and after it go in pipelines of their own)."""
        start = 0
        for i in sorted(self._into_empty(curs, changes)):
            self._send(curs, changes[start:i])
            kind, chunks = changes[i]
            upsert = self.upserts[kind.removesuffix("[]")]
            rows = (row for chunk in chunks for row in zip(*chunk, strict=True))
            self.copy(curs, upsert.table, upsert.columns, rows, binary=True)
            start = i + 1
        self._send(curs, changes[start:])

    def _send(self, curs: Cursor[DictRow], runs: Runs) -> None:
        if runs:
            with curs.connection.pipeline():
                for kind, rows in runs:
                    curs.executemany(self.composed[kind], rows)

    def _into_empty(self, curs: Cursor[DictRow], changes: Runs) -> set[int]:
        """The runs to COPY: a table's first long ``Upsert`` run, if the table holds no row
        and no statement of the commit before it names the table."""
        if not any(kind.endswith("[]") for kind, _ in changes):
            return set()  # (no probe: at the head of the log, commits hold short runs)
        empty = self.empty(curs)
        copied = set()
        for i, (kind, _) in enumerate(changes):
            named = self.named[kind.removesuffix("[]")]
            if kind.endswith("[]") and named <= empty:
                copied.add(i)
            empty -= named
        return copied


def layered(
    changes: list[tuple[str, tuple[Any, ...]]], row_keys: Mapping[str, RowKeys]
) -> list[tuple[str, tuple[Any, ...]]]:
    """The changes reordered into long runs of one kind, each row's changes still in order.

    Changes that touch no row in common commute when each statement touches only the rows
    its kind names (``RowKeys``): so a change goes in the layer after the last one holding a
    change of any of its rows (a row's first change in the first layer, its second in the
    next...), and a layer's changes are grouped by kind (in the order kinds first came), in
    log order within a kind. A catch-up's commit was about a statement a run, runs of a row
    or two (a household registered, profiled, moved), psycopg's work a statement most of the
    names and field capture projectors' CPU; in layers a kind's rows are one run.
    """
    last: dict[Hashable, int] = {}
    ranks: dict[str, int] = {}
    order = []
    for i, change in enumerate(changes):
        kind, params = change
        spec = row_keys[kind]
        keys = ((spec[0], params[spec[1]]),) if isinstance(spec, tuple) else tuple(spec(params))
        layer = max([last.get(key, -1) for key in keys], default=-1) + 1
        for key in keys:
            last[key] = layer
        order.append((layer, ranks.setdefault(kind, len(ranks)), i))
    order.sort()
    return [changes[i] for _, _, i in order]


def _kind(change: tuple[str, tuple[Any, ...]]) -> str:
    return change[0]
