"""The runner a projector process runs: one projection by name, commits in windows of pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from bench._events import fill
from domain.sukuma import Sukuma
from projections.nerve_centre.view import Changes, NerveCentreView
from projections.registry import open_projections, open_runner
from projections.runner import BatchRunner, Progress
from tests.integration.helpers import table_rows


def tracked(datastore: PostgresDatastore, name: str) -> int:
    """The projection's stored position (its tables come from the migrations)."""
    with datastore.transaction(commit=False) as curs:
        curs.execute(f"SELECT max(notification_id) AS max FROM {name}_tracking")
        row = curs.fetchone()
    return int(row["max"] or 0) if row else 0


def filled(application: Sukuma, events: int, seed: int) -> tuple[PostgresApplicationRecorder, int]:
    """The application's recorder once ``events`` are in its log, and the log's head."""
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    fill(application, events, seed=seed, wards=3, batch_households=10)
    return recorder, recorder.max_notification_id() or 0


def test_a_runner_opened_by_name_runs_that_projection_alone(application: Sukuma) -> None:
    # Given a log
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    fill(application, 300, seed=3, wards=3, batch_households=10)
    head = recorder.max_notification_id()
    # When the alerts projection's runner catches up
    runner = open_runner(recorder, application.name, ["alerts"], page_size=50, commit_pages=2)
    runner.run_once()
    # Then it reached the head, and no other projection moved
    assert [p.name for p in runner.projections] == ["alerts"]
    assert tracked(recorder.datastore, "alerts") == head
    assert tracked(recorder.datastore, "nerve_centre") == 0


def test_a_stopped_runner_commits_the_pages_it_handled(application: Sukuma) -> None:
    # Given a log of many pages and a runner committing every 3 pages of 20 events
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    fill(application, 400, seed=5, wards=3, batch_households=10)
    head = recorder.max_notification_id() or 0
    runner = open_runner(recorder, application.name, ["nerve_centre"], page_size=20, commit_pages=3)
    pages: list[int] = []

    def stop_after_four_pages(progress: Progress) -> None:
        pages.append(progress.position)
        if len(pages) == 4:
            runner.stop()

    # When it is stopped mid-window (after 4 pages: one window committed, one begun)
    runner.run_once(stop_after_four_pages)
    # Then the pages handled so far are committed, not only the full window
    assert tracked(recorder.datastore, "nerve_centre") == pages[3] < head
    # And a fresh runner goes on from there to the head
    open_runner(recorder, application.name, ["nerve_centre"], page_size=20).run_once()
    assert tracked(recorder.datastore, "nerve_centre") == head


def test_the_nerve_centre_commits_many_recorded_days_at_once_as_a_day_at_a_time(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a log of field work recorded as it happened, over many days
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    datastore = recorder.datastore
    fill(application, 300, seed=3, wards=3, batch_households=10, on_time=True)
    head = recorder.max_notification_id()
    # When the nerve centre catches up in one window spanning all those days
    runner = open_runner(recorder, application.name, ["nerve_centre"], page_size=100_000)
    [projection] = runner.projections
    view = projection.view
    days_committed: list[set[date]] = []
    commit = view.commit

    def spy(changes: Changes, tracking: Tracking, *, after: int | None = None) -> None:
        made = changes.snapshots.rows.values()
        days_committed.append({row[-3] for rows in made for row in rows})
        commit(changes, tracking, after=after)

    monkeypatch.setattr(view, "commit", spy)
    runner.run_once()
    # Then one commit holds the snapshots of every day (no commit per recorded day)
    assert len(days_committed) == 1
    assert len(days_committed[0]) > 10
    assert tracked(datastore, "nerve_centre") == head
    # And every table is as a catch-up's committing every page of 7 events, days cut
    # mid-way, restarted half way (a new process: its snapshotted groups loaded again)
    rebuilt = open_projections(datastore, ["nerve_centre"], table_prefix="rebuild_")
    pages: list[int] = []

    def stop_half_way(progress: Progress) -> None:
        pages.append(progress.position)
        if len(pages) == 20:
            first.stop()

    first = BatchRunner(recorder, application.name, rebuilt, page_size=7, commit_pages=1)
    first.run_once(stop_half_way)
    assert 0 < tracked(datastore, "rebuild_nerve_centre") < (head or 0)
    again = open_projections(datastore, ["nerve_centre"], table_prefix="rebuild_")
    BatchRunner(recorder, application.name, again, page_size=7, commit_pages=1).run_once()
    assert tracked(datastore, "rebuild_nerve_centre") == head
    for suffix in NerveCentreView.tables:
        live = table_rows(datastore, f"nerve_centre_{suffix}")
        assert live == table_rows(datastore, f"rebuild_nerve_centre_{suffix}"), suffix
    snapshots = table_rows(datastore, "nerve_centre_area_counts_snapshots")
    assert len({row[2] for row in snapshots}) > 10


def test_a_window_commits_once_its_view_holds_commit_rows_staged_rows(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a log of many pages
    recorder, head = filled(application, 400, seed=5)
    datastore = recorder.datastore
    # When the nerve centre catches up with windows bounded by staged rows, not pages
    runner = open_runner(
        recorder,
        application.name,
        ["nerve_centre"],
        page_size=20,
        commit_pages=10_000,
        commit_rows=300,
    )
    [projection] = runner.projections
    view = projection.view
    staged_at_commit: list[int] = []
    flush = view.flush

    def spy(tracking: Tracking, *, after: int | None = None) -> None:
        staged_at_commit.append(view.staged())
        flush(tracking, after=after)

    monkeypatch.setattr(view, "flush", spy)
    runner.run_once()
    # Then it committed whenever its view held 300 rows or more (and once at the head)
    assert tracked(datastore, "nerve_centre") == head
    assert len(staged_at_commit) > 2
    assert all(staged >= 300 for staged in staged_at_commit[:-1])
    # And each window but the last held more than one page (a page stages fewer than 300)
    assert len(staged_at_commit) < head // 20
    # And every table is as one window over the whole log makes it
    rebuilt = open_projections(datastore, ["nerve_centre"], table_prefix="rebuild_")
    BatchRunner(recorder, application.name, rebuilt, page_size=100_000).run_once()
    for suffix in NerveCentreView.tables:
        live = table_rows(datastore, f"nerve_centre_{suffix}")
        assert live == table_rows(datastore, f"rebuild_nerve_centre_{suffix}"), suffix


def test_a_statement_views_window_is_bounded_by_its_staged_statements(
    application: Sukuma,
) -> None:
    # Given a log, and the names view (a statement staged per household registered...)
    recorder, head = filled(application, 300, seed=3)
    runner = open_runner(
        recorder, application.name, ["names"], page_size=50, commit_pages=10_000, commit_rows=1
    )
    positions: list[int] = []
    [projection] = runner.projections
    commit = projection.view.commit

    def spy(changes: Any, tracking: Tracking, *, after: int | None = None) -> None:
        positions.append(tracking.notification_id)
        commit(changes, tracking, after=after)

    projection.view.commit = spy  # type: ignore[method-assign]
    # When it catches up with a window of at most one staged statement
    runner.run_once()
    # Then it committed after each page that staged any (not once over the whole log)
    assert positions[-1] == head
    assert len(positions) > 1
    assert positions == sorted(set(positions))


# The statement views, and caseloads (its rows COPYed into an empty table too)
STATEMENT_VIEWS = ["open_data", "names", "field_capture", "duplicates", "conflicts", "caseloads"]


def test_views_copy_long_runs_into_empty_tables_as_upserts_would_write_them(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a log of many households, and the statement views catching up from zero in one
    # window (their long Upsert runs go into tables that hold no row yet)
    recorder, head = filled(application, 1500, seed=11)
    datastore = recorder.datastore
    runner = open_runner(recorder, application.name, STATEMENT_VIEWS, page_size=100_000)
    copied: list[str] = []
    for projection in runner.projections:
        view = projection.view
        monkeypatch.setattr(
            view,
            "copy",
            lambda curs, suffix, *args, _copy=view.copy, _view=view, **kw: (
                copied.append(_view.names[suffix]),
                _copy(curs, suffix, *args, **kw),
            ),
        )
    runner.run_once()
    # Then those runs were COPYed...
    copies = {"open_data_facts", "open_data_households", "open_data_referrals"}
    assert {*copies, "caseloads_households"} <= set(copied)
    # ...and every table is as upserts a page at a time (7 events, no COPY) leave it
    rebuilt = open_projections(datastore, STATEMENT_VIEWS, table_prefix="rebuild_")
    BatchRunner(recorder, application.name, rebuilt, page_size=7, commit_pages=1).run_once()
    for projection in rebuilt:
        for name in projection.view.names.values():
            live = name.removeprefix("rebuild_")
            assert table_rows(datastore, live) == table_rows(datastore, name), live
        assert tracked(datastore, projection.view.prefix) == head
