"""A nerve-centre commit is a pipeline (``projections.pipeline``): its parts are built while a
writer thread sends the ones before, in one transaction with the position. A failure in
either thread, mid-commit, rolls everything back and is raised (no thread left running), and
a new runner resumes to the tables a clean catch-up makes.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from bench._events import fill
from domain.sukuma import Sukuma
from projections.nerve_centre import view as nerve_view
from projections.nerve_centre.view import NerveCentreView
from projections.registry import open_projections
from projections.runner import BatchRunner
from tests.integration.helpers import table_rows
from tests.integration.test_projection_resume import assert_views_equal_rebuild, tracked_position


def _fail(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("injected mid-commit")


@pytest.mark.parametrize(
    "where",
    [
        "shaped",  # built by the producer after daily flows, totals and cases were sent
        "write_occurred",  # sent by the writer thread after those
    ],
)
def test_a_failure_mid_commit_writes_nothing_and_a_new_runner_resumes_exactly(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    # Given a log, and the nerve centre's commit failing in one of its threads mid-way
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    datastore: PostgresDatastore = application.factory.datastore  # type: ignore[attr-defined]
    fill(application, 1500, seed=5, wards=3, batch_households=20)
    with monkeypatch.context() as patched:
        patched.setattr(nerve_view, where, _fail)
        runner = BatchRunner(
            recorder, application.name, open_projections(datastore, ["nerve_centre"])
        )
        # When it catches up in one window: the failure is raised
        with pytest.raises(RuntimeError, match="injected mid-commit"):
            runner.run_once()
    # Then nothing was written, not even the parts sent before the failure
    assert tracked_position(datastore) == 0
    for suffix in NerveCentreView.tables:
        assert table_rows(datastore, f"nerve_centre_{suffix}") == [], suffix
    # And no writer thread is left behind
    assert not [t for t in threading.enumerate() if t.name.endswith("-commit")]
    # And a new runner resumes to the tables a clean catch-up makes
    again = open_projections(datastore, ["nerve_centre"])
    BatchRunner(recorder, application.name, again).run_once()
    assert tracked_position(datastore) == recorder.max_notification_id()
    assert sum(assert_views_equal_rebuild(application).values()) > 0
