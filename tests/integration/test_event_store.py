"""The event store's recorder: each command's events and receipt stand or fall together."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg import pq

from adapters.database import parse_database_url
from adapters.event_store import LockedFlushRecorder, SukumaRecorder
from adapters.idempotency import IdempotencyReceipt
from domain.context import CommandContext, Written
from domain.errors import VersionConflict
from domain.households.model import Household
from domain.sukuma import Sukuma


def _recorder(application: Sukuma) -> SukumaRecorder:
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    return recorder


def _register(
    application: Sukuma, household_id: uuid.UUID, ward_id: str, ctx: CommandContext
) -> None:
    application.register_household(
        household_id=household_id,
        ward_id=ward_id,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx,
    )


def _visit(application: Sukuma, household_id: uuid.UUID, ctx: CommandContext) -> Written:
    return application.record_visit(
        household_id=household_id,
        visit_id=uuid.uuid4(),
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=None,
        note=None,
        ctx=ctx,
    )


def test_concurrent_commands_each_get_their_own_positions_and_receipts(
    application: Sukuma, ward_id: str
) -> None:
    now = datetime.now(UTC)
    households = [uuid.uuid4() for _ in range(100)]
    for household_id in households:
        ctx = CommandContext(actor="setup", occurred_at=now)
        _register(application, household_id, ward_id, ctx)

    def visit(n: int) -> Written:
        household_id = households[n % len(households)]
        receipt = IdempotencyReceipt(f"key-{n}", "worker", f"fp-{n}", 201, household_id)
        ctx = CommandContext(actor="worker", occurred_at=now, receipt=receipt)
        return _visit(application, household_id, ctx)

    with ThreadPoolExecutor(max_workers=16) as pool:
        written = list(pool.map(visit, range(200)))

    positions = [w.position for w in written]
    assert len(set(positions)) == 200 and None not in positions
    recorder = _recorder(application)
    for n, w in enumerate(written):
        stored = recorder.find_receipt("worker", f"key-{n}")
        assert stored is not None and (stored.position, stored.version) == (w.position, w.version)
    # Writers sharing households (two per household) all landed; none overwrote another.
    visits = sum(len(application.get(Household, h).visits) for h in households)
    assert visits == 200
    # The log holds every event once and nothing else. Not necessarily gapless: the two
    # writers of a household can race, and the loser's rolled-back insert has used up its
    # sequence values (PostgreSQL sequences are not transactional); it retries and lands.
    ids = [n.id for n in application.recorder.select_notifications(1, 10_000)]
    assert (
        len(ids) == len(set(ids)) == sum(application.get(Household, h).version for h in households)
    )
    assert set(positions) <= set(ids)


def test_an_append_that_conflicts_writes_neither_its_events_nor_its_receipt(
    application: Sukuma,
) -> None:
    # Given an aggregate at version 1
    recorder = _recorder(application)
    aggregate_id = uuid.uuid4()
    recorder.insert_events([StoredEvent(aggregate_id, 1, "tests:Made", b"{}")])
    # When a command appends version 1 again (and a new aggregate beside it), with a receipt
    other_id = uuid.uuid4()
    events = [
        StoredEvent(other_id, 1, "tests:Made", b"{}"),
        StoredEvent(aggregate_id, 1, "tests:Changed", b"{}"),
    ]
    receipt = IdempotencyReceipt("late", "worker", "route:request", 201, aggregate_id)
    with pytest.raises(IntegrityError):
        recorder.insert_events(events, receipt=receipt)
    # Then nothing of it is stored
    assert recorder.find_receipt("worker", "late") is None
    assert list(recorder.select_events(other_id)) == []
    assert [e.topic for e in recorder.select_events(aggregate_id)] == ["tests:Made"]
    assert recorder.max_notification_id() == 1


def test_racing_commands_on_one_version_one_wins_the_losers_write_nothing(
    application: Sukuma, ward_id: str
) -> None:
    # Given a household at version 1
    now = datetime.now(UTC)
    household_id = uuid.uuid4()
    setup = CommandContext(actor="setup", occurred_at=now)
    _register(application, household_id, ward_id, setup)
    head = application.recorder.max_notification_id()
    racers = 8
    start = threading.Barrier(racers)

    # When several commands expecting version 1 (If-Match), each with its own key, race
    def visit(n: int) -> Written | VersionConflict:
        receipt = IdempotencyReceipt(
            f"race-{n}-{household_id}", "worker", "route:request", 201, household_id
        )
        ctx = CommandContext(actor="worker", occurred_at=now, expected_version=1, receipt=receipt)
        start.wait()
        try:
            return _visit(application, household_id, ctx)
        except VersionConflict as conflict:
            return conflict

    with ThreadPoolExecutor(max_workers=racers) as pool:
        outcomes = list(pool.map(visit, range(racers)))

    # Then one wins; every other is the API's 412, and wrote neither events nor a receipt
    won = [n for n, outcome in enumerate(outcomes) if isinstance(outcome, Written)]
    assert len(won) == 1
    assert application.recorder.max_notification_id() == (head or 0) + 1
    assert len(application.get(Household, household_id).visits) == 1
    receipts = [
        _recorder(application).find_receipt("worker", f"race-{n}-{household_id}")
        for n in range(racers)
    ]
    assert [n for n, stored in enumerate(receipts) if stored is not None] == won


def test_a_receipt_commits_with_its_events_and_names_the_last_position(
    application: Sukuma,
) -> None:
    recorder = _recorder(application)
    aggregate_id, other_id = uuid.uuid4(), uuid.uuid4()
    events = [
        StoredEvent(aggregate_id, 1, "tests:Made", b"{}"),
        StoredEvent(aggregate_id, 2, "tests:Changed", b"{}"),
        StoredEvent(other_id, 1, "tests:Made", b"{}"),
    ]
    receipt = IdempotencyReceipt("k", "worker", "route:request", 201, aggregate_id, {"a": 1})

    ids = recorder.insert_events(events, receipt=receipt)

    assert ids == [1, 2, 3]
    stored = recorder.find_receipt("worker", "k")
    assert stored is not None
    assert (stored.version, stored.position, stored.body) == (2, 3, {"a": 1})


@pytest.mark.parametrize("recorder_class", [SukumaRecorder, LockedFlushRecorder])
def test_an_append_is_one_round_trip_so_the_table_lock_never_waits_on_this_process(
    fresh_db_url: str, tmp_path: Path, recorder_class: type[SukumaRecorder]
) -> None:
    # Given a recorder on a pool of one connection, traced (libpq's own protocol trace)
    params = parse_database_url(fresh_db_url)
    datastore = PostgresDatastore(
        params.dbname, params.host, params.port, params.user, params.password
    )
    recorder = recorder_class(datastore, events_table_name=f"{Sukuma.name}_events")
    aggregate_id = uuid.uuid4()

    def append(version: int) -> None:
        receipt = IdempotencyReceipt(f"k{version}", "worker", "r:q", 201, aggregate_id)
        event = StoredEvent(aggregate_id, version, "tests:Changed", b"{}")
        recorder.insert_events([event], receipt=receipt)

    append(1)  # statements prepared, types registered
    trace = tmp_path / "libpq.trace"
    with trace.open("w") as out:
        with datastore.get_connection() as conn:
            conn.pgconn.trace(out.fileno())
            conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        # When a command's events and receipt are appended
        append(2)
        with datastore.get_connection() as conn:
            conn.pgconn.untrace()

    # Then the client waited for the server once: BEGIN to COMMIT (and the WAL flush after
    # it, unless the commit flushes under the lock) were sent together (each Sync, or simple
    # Query, is a wait for the server's answer)
    sent = [line.split("\t") for line in trace.read_text().splitlines()]
    waits = [m[2].split(" ")[0] for m in sent if m[0] == "F" and m[2].split(" ")[0] in WAITS]
    assert waits == ["Sync"]
    assert recorder.find_receipt("worker", "k2") is not None
    assert recorder.max_notification_id() == 2
    datastore.close()


def test_a_connection_inserts_events_with_one_cursor_kept_while_it_is_open(
    fresh_db_url: str,
) -> None:
    """A cursor per connection for the events' array (its dumpers made once), not per
    append; one whose connection was lost is let go."""
    params = parse_database_url(fresh_db_url)
    datastore = PostgresDatastore(
        params.dbname, params.host, params.port, params.user, params.password
    )  # a pool of one connection
    recorder = SukumaRecorder(datastore, events_table_name=f"{Sukuma.name}_events")
    aggregate_id = uuid.uuid4()

    def append(version: int) -> list[int]:
        event = StoredEvent(aggregate_id, version, "tests:Changed", b"{}")
        return list(recorder.insert_events([event]) or [])

    assert [append(v) for v in (1, 2, 3)] == [[1], [2], [3]]
    assert len(recorder.insert_cursors) == 1

    with datastore.get_connection() as conn:
        conn.close()  # lost: the pool opens another
    assert append(4) == [4]
    assert len(recorder.insert_cursors) == 1
    assert recorder.max_notification_id() == 4
    datastore.close()


#: The frontend messages after which libpq waits for the server's answer.
WAITS = ("Sync", "Query")


def test_an_append_stores_the_same_rows_as_the_librarys_insert_in_its_order(
    fresh_db_url: str,
) -> None:
    """The events go as four plain arrays (not the library's composite array): each row as
    the library's own insert would store it (any byte, any text), and positions drawn in the
    append's order, as its answer and the log say."""
    params = parse_database_url(fresh_db_url)
    datastore = PostgresDatastore(
        params.dbname, params.host, params.port, params.user, params.password
    )
    recorder = SukumaRecorder(datastore, events_table_name=f"{Sukuma.name}_events")
    library = LockedFlushRecorder(datastore, events_table_name=f"{Sukuma.name}_events")
    ours, theirs = uuid.uuid4(), uuid.uuid4()

    def events(aggregate_id: uuid.UUID) -> list[StoredEvent]:
        return [
            StoredEvent(aggregate_id, 1, "tests:Made", bytes(range(256))),
            StoredEvent(aggregate_id, 2, "tests:Named Ünïcode ✓", b""),
            StoredEvent(aggregate_id, 3, 'tests:Quoted "{a,b}" \\ NULL', b'{"x": "\\u0000"}'),
        ]

    positions = recorder.insert_events(events(ours))
    library.insert_events(events(theirs), receipt=None)  # its own insert: no receipt, no flush
    assert positions == [1, 2, 3]
    assert recorder.select_events(ours) == events(ours)
    stored_theirs = recorder.select_events(theirs)
    assert [(e.topic, e.state) for e in stored_theirs] == [(e.topic, e.state) for e in events(ours)]
    logged = recorder.select_notifications(1, 10)
    assert [(n.id, n.originator_id, n.originator_version) for n in logged[:3]] == [
        (1, ours, 1),
        (2, ours, 2),
        (3, ours, 3),
    ]
    with pytest.raises(IntegrityError):  # an aggregate's version once, as ever
        recorder.insert_events(events(ours)[:1])
    datastore.close()
