"""What every Sukuma projection shares: a view that buffers a page and commits it with its position.

The library's ``ProjectionRunner`` calls ``process_event`` once per event and each call commits:
correct, but a few hundred events a second. Here handlers only *buffer* row changes in the view;
the view writes them all (a page, or the batching runner's window of pages) and the tracking
position in one transaction (``flush``). With
``autoflush`` on (the default) every event still commits on its own, so the stock runner works
unchanged and serves as the baseline the batching runner is measured against.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import chain
from string import Formatter
from typing import Any, ClassVar

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Composed, Identifier

from projections.pipeline import Part, send_parts

#: Column types a binary COPY takes straight from Python values.
_BINARY_COPY_TYPES = frozenset(
    {"text", "date", "bigint", "integer", "boolean", "uuid", "timestamp with time zone"}
    | {"text[]", "date[]", "bigint[]"}  # from Python lists of those
)

Rows = Iterable[Sequence[Any]]

# How long a pipelined commit's transaction may stay idle while the projector builds the
# next part (``commit``; for that transaction only, the session keeps the library's 5 s).
# The writer is usually far behind (over 293k events it waited 0.03-0.19 s in all, load 8-9),
# but a part can take seconds to build: the largest, the league's rows by occurred day, took
# 3.3-5.0 s over 293k events (load 3.5-9), so perhaps 15-20 s over the 1.18M-event log: past
# the library's 5 s. A minute is three times that, and still ends a stuck commit's
# transaction within one.
PIPELINE_IDLE_SECONDS = 60

# Page commits hold this advisory lock shared; swapping in a rebuilt view holds it exclusively.
SWAP_LOCK_KEY = 0x5355_4B55


class PositionMoved(Exception):
    """The view's stored position is not where this page started: another writer moved it."""


class BufferedView(PostgresTrackingRecorder):
    """A Postgres view whose writes are buffered per page and committed with the tracking row."""

    #: the suffixes of the view's tables (``<prefix>_<suffix>``; created by adapters.migrations)
    tables: ClassVar[tuple[str, ...]] = ()
    #: whether ``commit`` builds the next of its ``parts`` while the last is sent
    pipelined: ClassVar[bool] = False

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.prefix = self.tracking_table_name.removesuffix("_tracking")
        self.autoflush = True
        self._copy_types: dict[tuple[str, tuple[str, ...]], list[str] | None] = {}
        self._filled: set[str] = set()  # tables seen holding rows (``empty``)
        self.names = {suffix: f"{self.prefix}_{suffix}" for suffix in self.tables}
        for name in self.names.values():
            self.check_identifier_length(name)
        self.reset()

    def table(self, suffix: str) -> Composed:
        return SQL("{0}.{1}").format(
            Identifier(self.datastore.schema), Identifier(self.names[suffix])
        )

    def sql(self, template: str, **extra: Composable) -> Composed:
        """Expand ``{t_<suffix>}`` into qualified table names, ``{ix_<name>}`` into index names."""
        names: dict[str, Composable] = {}
        for _, field, _, _ in Formatter().parse(template):
            if field and field.startswith("t_"):
                names[field] = self.table(field[2:])
            elif field and field.startswith("ix_"):
                names[field] = Identifier(f"{self.prefix}_{field[3:]}")
        return SQL(template).format(**names, **extra)

    def stage(
        self,
        curs: Cursor[DictRow],
        suffix: str,
        columns: Sequence[str],
        rows: Rows,
        *,
        binary: bool = False,
    ) -> Composed:
        """COPY rows into a session-local staging twin of a table; returns the twin's name.

        One COPY and one set-based statement per table per page, instead of one statement per
        row: the difference between a few thousand and tens of thousands of events a second.
        ``binary``: the rows hold the columns' own Python types (``date`` for a date, never
        its text), so COPY sends them as they are, with no text to format here or parse there.
        """
        stage = Identifier(f"stage_{self.names[suffix]}")
        curs.execute(
            SQL("CREATE TEMP TABLE IF NOT EXISTS {0} (LIKE {1}) ON COMMIT DELETE ROWS").format(
                stage, self.table(suffix)
            )
        )
        types = self._column_types(curs, suffix, columns) if binary else None
        _copy(curs, SQL("{0}").format(stage), columns, rows, types)
        return SQL("{0}").format(stage)

    def copy(
        self,
        curs: Cursor[DictRow],
        suffix: str,
        columns: Sequence[str],
        rows: Rows,
        *,
        binary: bool = False,
    ) -> None:
        """COPY rows straight into a table (as text, or binary as ``stage``'s)."""
        types = self._column_types(curs, suffix, columns) if binary else None
        _copy(curs, self.table(suffix), columns, rows, types)

    def add_deltas(
        self,
        curs: Cursor[DictRow],
        table: str,
        insert: str,
        key: Sequence[str],
        source: str,
        stage: Composed,
    ) -> None:
        """Add the deltas ``insert`` (an ``INSERT ... SELECT``, its ``(*key, value)`` rows
        unique by ``key``) to a table of running totals, and delete the totals it brought to
        zero (read again from ``source``, aliased ``s``): a row exists exactly while its
        total is not zero, however the log was paged."""
        # Only the number of totals now zero comes back (usually none: no second statement).
        curs.execute(
            self.sql(
                f"WITH added AS ({insert} ON CONFLICT ({', '.join(key)}) "
                f"DO UPDATE SET value = {{t_{table}}}.value + EXCLUDED.value RETURNING value) "
                "SELECT count(*) AS zeros FROM added WHERE value = 0",
                stage=stage,
            )
        )
        counted = curs.fetchone()
        if counted and counted["zeros"]:
            # A statement cannot see its own upsert's rows: delete them in a second one.
            match = " AND ".join(f"t.{c} = s.{c}" for c in key)
            curs.execute(
                self.sql(
                    f"DELETE FROM {{t_{table}}} t USING {source} WHERE {match} AND t.value = 0",
                    stage=stage,
                )
            )

    def empty(self, curs: Cursor[DictRow]) -> set[str]:
        """The suffixes of the view's tables that hold no row (one probe each). A table seen
        holding rows is not probed again: a view's writes into a table that holds rows are
        right whatever it holds, so only "empty" must be fresh (and, at the head of the log,
        commits then pay no probe)."""
        unknown = [t for t in self.tables if t not in self._filled]
        if not unknown:
            return set()
        probes = SQL(", ").join(
            SQL("NOT EXISTS (SELECT FROM {0}) AS {1}").format(self.table(t), Identifier(t))
            for t in unknown
        )
        curs.execute(SQL("SELECT {0}").format(probes))
        row = curs.fetchone()
        empty = {t for t in unknown if row and row[t]}
        self._filled.update(set(unknown) - empty)
        return empty

    def may_be_empty(self, tables: Iterable[str]) -> bool:
        """Whether any of these tables (suffixes) is not yet known to hold rows (``empty``
        would probe it)."""
        return not self._filled.issuperset(tables)

    def _column_types(
        self, curs: Cursor[DictRow], suffix: str, columns: Sequence[str]
    ) -> list[str] | None:
        """The columns' types if a binary COPY takes them all from Python values as they are;
        ``None`` (text COPY) if any is JSON, whose values arrive as text."""
        key = suffix, tuple(columns)
        if key not in self._copy_types:
            types = self.column_types(curs, suffix, columns)
            binary = all(t in _BINARY_COPY_TYPES for t in types)
            self._copy_types[key] = types if binary else None
        return self._copy_types[key]

    def column_types(self, curs: Cursor[DictRow], suffix: str, columns: Sequence[str]) -> list[str]:
        """The SQL types of a table's columns, as the catalogue has them (the migrations')."""
        curs.execute(
            "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (self.table(suffix).as_string(curs),),
        )
        found = {row["attname"]: row["type"] for row in curs.fetchall()}
        return [found[c] for c in columns]

    @abstractmethod
    def reset(self) -> None:
        """Forget buffered changes (after a flush, or after a failed one)."""

    @abstractmethod
    def take(self) -> Any:
        """The buffered changes, detached from the buffers (which start afresh) and shaped
        as ``write`` sends them: every row built, sorted and grouped here.

        Detached means copied out of the projection's cached rows, so the changes can be
        written from another thread while the projection goes on changing those rows. Shaped
        here because ``take`` runs before the commit's transaction opens: a window's rows
        shaped inside it (a sort of a million visits) left the server idle in the
        transaction past the library's ``idle_in_transaction_session_timeout`` (5 s), which
        closed the connection and stopped the projector.
        """

    @abstractmethod
    def write(self, curs: Cursor[DictRow], changes: Any) -> None:
        """Send changes from ``take`` (inside the commit's transaction): statements and
        COPYs of rows already shaped, no per-row work between them."""

    def staged(self) -> int:
        """About how many rows the buffered changes hold: a batching runner commits once
        they pass its ``commit_rows``, so a window's memory is bounded by what it holds, not
        by how many pages it spans (0: bounded by pages alone)."""
        return 0

    def flush(self, tracking: Tracking, *, after: int | None = None) -> None:
        """Commit the buffered changes with the position (see ``commit``)."""
        try:
            changes = self.take()
        finally:
            self.reset()
        self.commit(changes, tracking, after=after)

    def commit(self, changes: Any, tracking: Tracking, *, after: int | None = None) -> None:
        """Write changes and the position in one transaction: exactly once.

        ``after`` is the position the page started from: if the stored position is another
        (a rebuild was swapped in meanwhile), nothing is written and ``PositionMoved`` raised.
        A ``pipelined`` view's parts are built while the ones before are sent (``parts``),
        the first before the transaction opens.
        """
        parts = iter(self.parts(changes)) if self.pipelined else None
        first = next(parts, None) if parts else None
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock_shared(%s)", (SWAP_LOCK_KEY,))
            if after is not None:
                curs.execute(self.max_tracking_id_statement, (tracking.application_name,))
                row = curs.fetchone()
                stored = (row["max"] if row else None) or 0
                if stored != after:
                    raise PositionMoved(f"{self.tracking_table_name}: {stored} != {after}")
            if parts is None:
                self.write(curs, changes)
            elif first is not None:
                # The writer waits for a part while it is built: bounded, for this transaction
                # only, by PIPELINE_IDLE_SECONDS, not the library's 5 s (see that bound).
                curs.execute(
                    "SELECT set_config('idle_in_transaction_session_timeout', CASE WHEN "
                    "current_setting('idle_in_transaction_session_timeout') = '0' THEN '0' "
                    "ELSE %s END, true)",
                    (f"{PIPELINE_IDLE_SECONDS * 1000:.0f}",),
                )
                send_parts(curs, chain([first], parts), name=f"{self.prefix}-commit")
            self._insert_tracking(curs, tracking)

    def parts(self, changes: Any) -> Iterator[Part]:
        """A ``pipelined`` view's commit: each part built as it is yielded (in this thread),
        then sent by a writer thread in the commit's transaction while the next is built."""
        yield partial(self.write, changes=changes)

    def tracked(self, tracking: Tracking) -> None:
        """Called after each event; commits at once unless a batching runner flushes pages."""
        if self.autoflush:
            self.flush(tracking)


class BufferedProjection(Projection[BufferedView]):
    """A projection over a ``BufferedView``: handlers buffer, then the position is tracked."""

    #: Fields of an event class that no handler reads: the batching runner's reader leaves
    #: them out (the stock runner's events keep them).
    unused_fields: ClassVar[dict[type, frozenset[str]]] = {}

    def __init__(self, view: BufferedView) -> None:
        super().__init__(view)
        self.handle  # noqa: B018 (binding it once completes the library's deferred registrations)
        # Each event class's handler, bound once: the dispatch wrapper's work per event (a
        # new closure, a weak-keyed cache's lookup) was 8% of early warning's handling.
        self._handlers: dict[type, Callable[[Any], None]] = {}
        self.position = 0  # of the event being handled

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """The library's seam (the stock runner): each event is a page of its own."""
        self.apply(domain_event, tracking.notification_id)
        if self.view.autoflush:
            self.settle()
        self.view.tracked(tracking)

    def apply(self, domain_event: Any, position: int) -> None:
        """Handle one event of a page (the batching runner calls this, then ``settle``)."""
        self.position = position
        handler = self._handlers.get(type(domain_event))
        if handler is None:
            handler = self._handlers[type(domain_event)] = self._handler(type(domain_event))
        handler(domain_event)

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Events this projection does not use only advance its position."""

    def handles(self, event_class: type) -> bool:
        """Whether events of this class reach a handler (the others need not be decoded)."""
        dispatcher = self._dispatcher()
        return bool(dispatcher.dispatch(event_class) is not dispatcher.dispatch(object))

    def handled_modules(self) -> frozenset[str]:
        """The modules of the event classes with a handler here. Every handled class has its
        own handler (none is handled through a base class: ``tests/unit/test_handled_modules``),
        so an event of a topic in another module reaches no handler, and the reader need not
        import that module to learn so."""
        return frozenset(c.__module__ for c in self._dispatcher().registry if c is not object)

    def _handler(self, event_class: type) -> Callable[[Any], None]:
        """The handler of ``event_class``'s events, bound to this projection (as the
        ``handle`` wrapper calls it)."""
        handler: Callable[[Any], None] = self._dispatcher().dispatch(event_class).__get__(self)
        return handler

    def _dispatcher(self) -> Any:
        """The ``handle`` method's registry (of the class that defines it last)."""
        method = next(vars(c)["handle"] for c in type(self).__mro__ if "handle" in vars(c))
        return method.dispatcher

    def prefetch(self, events: Sequence[Any]) -> None:
        """Load, in one query, the stored rows a page of events will change."""

    def settle(self) -> None:
        """Called once a page's events are handled, before the page is flushed."""

    def forget(self) -> None:
        """Drop cached rows (a failed page may have changed them without committing)."""

    def cache_full(self) -> bool:
        """Whether to ``forget`` before the next page (once no page is being committed)."""
        return False


def _copy(
    curs: Cursor[DictRow], target: Composed, columns: Sequence[str], rows: Rows, types: Any
) -> None:
    """COPY rows into ``target``: binary given the columns' types, else as text."""
    cols = SQL(", ").join(map(Identifier, columns))
    if types is None:
        statement = SQL("COPY {0} ({1}) FROM STDIN").format(target, cols)
    else:
        statement = SQL("COPY {0} ({1}) FROM STDIN (FORMAT BINARY)").format(target, cols)
    with curs.copy(statement) as copy:
        if types is not None:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)
