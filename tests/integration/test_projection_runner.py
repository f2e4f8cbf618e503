"""The runner a projector process runs: one projection by name, commits in windows of pages."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from bench._events import fill
from domain.sukuma import Sukuma
from projections.nerve_centre.view import Changes
from projections.registry import open_runner
from projections.runner import Progress


def tracked(datastore: PostgresDatastore, name: str) -> int:
    """The projection's stored position (its tables come from the migrations)."""
    with datastore.transaction(commit=False) as curs:
        curs.execute(f"SELECT max(notification_id) AS max FROM {name}_tracking")
        row = curs.fetchone()
    return int(row["max"] or 0) if row else 0


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


def test_the_nerve_centre_commits_at_the_end_of_each_recorded_day(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a log of field work recorded as it happened, over many days
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    fill(application, 300, seed=3, wards=3, batch_households=10, on_time=True)
    # When the nerve centre catches up in pages and windows spanning many days
    runner = open_runner(recorder, application.name, ["nerve_centre"], page_size=500)
    [projection] = runner.projections
    view = projection.view
    days_committed: list[set[date]] = []
    commit = view.commit

    def spy(changes: Changes, tracking: Tracking, *, after: int | None = None) -> None:
        days_committed.append(
            {group[-1] for touched in changes.snapshots.values() for group in touched}
        )
        commit(changes, tracking, after=after)

    monkeypatch.setattr(view, "commit", spy)
    runner.run_once()
    # Then each commit's snapshots are of one recorded day, and it reached the head
    assert len(days_committed) > 10
    assert all(len(days) <= 1 for days in days_committed)
    assert tracked(recorder.datastore, "nerve_centre") == recorder.max_notification_id()
