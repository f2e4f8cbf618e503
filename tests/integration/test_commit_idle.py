"""A window's commit only writes: its rows are shaped before the transaction opens.

The library closes a connection idle in a transaction for longer than its
``idle_in_transaction_session_timeout`` (5 s by default). A view that sorted or built a large
window's rows between the statements of its commit left the server waiting that long (the
full ``bench.catchup`` at 100 pages a window: the field-activity projector's sort of its
visits), the connection was closed and the projector stopped. Here the views' connections
time out after a quarter of a second, far below what shaping such a window takes. The nerve
centre's commit is a pipeline (``projections.pipeline``): its writer waits in the transaction
while the next part is built, under a bound of that transaction's own (``BufferedView.commit``),
and the session's timeout holds again after it.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from adapters.database import parse_database_url
from bench._events import fill
from domain.households.model import Household
from domain.sukuma import Sukuma
from projections.nerve_centre import view as nerve_view
from projections.registry import PROJECTIONS, open_projections, table_names
from projections.runner import BatchRunner
from sukuma.settings import Settings
from tests.integration.helpers import table_rows

IDLE_TIMEOUT_SECONDS = 0.25
VISITS = 250_000  # sorting them takes about 3x the timeout on the build machine


def impatient_datastore(url: str) -> PostgresDatastore:
    """The views' connections, closed by the server after ``IDLE_TIMEOUT_SECONDS`` idle in a
    transaction (set per session by the library, as its 5 s default is)."""
    params = parse_database_url(url)
    return PostgresDatastore(
        dbname=params.dbname,
        host=params.host,
        port=params.port,
        user=params.user,
        password=params.password,
        schema=params.schema or "public",
        idle_in_transaction_session_timeout=IDLE_TIMEOUT_SECONDS,
    )


def test_a_large_field_activity_window_commits_under_a_short_idle_timeout(
    settings: Settings,
) -> None:
    # Given the field-activity projector over connections that time out idle in a transaction
    assert settings.database_url is not None
    datastore = impatient_datastore(settings.database_url)
    try:
        [projection] = open_projections(datastore, ["field_activity"])
        projection.view.autoflush = False  # as the batching runner runs it
        # And a window of a quarter of a million visits, handled as the runner handles them
        recorded = datetime(2025, 6, 1, 12, tzinfo=UTC)
        workers = [f"fw-{n}" for n in range(40)]
        visit: Any = Household.VisitRecorded  # built as the log's decoder builds it
        for position in range(1, VISITS + 1):
            occurred = recorded - timedelta(days=position % 300)
            event = visit(
                originator_id=uuid.uuid4(),
                originator_version=2,
                timestamp=recorded,
                occurred_at=occurred,
                actor="fieldworker",
                visit_id=f"v{position}",
                field_worker_id=workers[position % len(workers)],
                outcome="visited",
                days_skipped_meal_last_7=None,
                note=None,
            )
            projection.apply(event, position)
        # When the window commits
        projection.view.flush(Tracking("Sukuma", VISITS))
        # Then every visit is written, with the position
        assert projection.view.max_tracking_id("Sukuma") == VISITS
        assert len(table_rows(datastore, "field_activity_visits")) == VISITS
    finally:
        datastore.close()


def test_every_view_commits_a_whole_log_in_one_window_under_a_short_idle_timeout(
    application: Sukuma, settings: Settings
) -> None:
    # Given a log, and every view over connections that time out idle in a transaction
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    fill(application, 3000, seed=11, wards=3, batch_households=20)
    head = recorder.max_notification_id()
    assert settings.database_url is not None
    datastore = impatient_datastore(settings.database_url)
    try:
        # When each catches up in one window (one page: the whole log)
        projections = open_projections(datastore)
        BatchRunner(recorder, application.name, projections, page_size=100_000).run_once()
        # Then each reached the head
        assert {p.name: p.view.max_tracking_id(application.name) for p in projections} == {
            name: head for name in PROJECTIONS
        }
        # And its tables are as a page-at-a-time catch-up makes them (small pages, commits)
        rebuilt = open_projections(recorder.datastore, table_prefix="rebuild_")
        BatchRunner(recorder, application.name, rebuilt, page_size=97, commit_pages=1).run_once()
        for name in PROJECTIONS:
            for table in table_names(name)[1:]:
                live = table_rows(recorder.datastore, table)
                assert live == table_rows(recorder.datastore, f"rebuild_{table}"), table
    finally:
        datastore.close()


def test_a_pipelined_commit_waits_for_a_slow_part_and_keeps_the_session_timeout(
    application: Sukuma, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the nerve centre over connections that time out idle in a transaction, and one
    # part of its commit (the league's rows) built slowly while the writer waits for it
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    fill(application, 1500, seed=3, wards=3, batch_households=20)
    built = nerve_view.shaped

    def slowly(*args: Any) -> Any:
        time.sleep(4 * IDLE_TIMEOUT_SECONDS)
        return built(*args)

    monkeypatch.setattr(nerve_view, "shaped", slowly)
    assert settings.database_url is not None
    datastore = impatient_datastore(settings.database_url)
    try:
        # When it catches up in one window
        projections = open_projections(datastore, ["nerve_centre"])
        BatchRunner(recorder, application.name, projections).run_once()
        # Then the commit went through (its transaction's own bound: PIPELINE_IDLE_SECONDS)
        assert projections[0].view.max_tracking_id(application.name) == (
            recorder.max_notification_id()
        )
        # And the session's timeout is as it was once the transaction ended
        with datastore.transaction(commit=False) as curs:
            curs.execute("SHOW idle_in_transaction_session_timeout")
            row = curs.fetchone()
        assert row is not None
        assert row["idle_in_transaction_session_timeout"] == "250ms"
    finally:
        datastore.close()
