"""The projections' log reader waits out a moment with no free pooled connection, as the
library's own reads do: the event store's pool gives up after a fraction of a second (for
the API's quick 503s), and a catch-up page must not fail on a busy moment."""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder

from domain.sukuma import Sukuma
from projections.decoding import EventLogReader
from tests.integration.helpers import every_connection_held


def test_a_moment_without_a_free_connection_is_waited_out(application: Sukuma) -> None:
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    reader = EventLogReader(recorder, application.name)
    assert reader.head() == 0  # the pool is open
    # When the reader asks while every connection is held a little longer than one wait,
    with every_connection_held(recorder.datastore.pool):
        # it gets its answer once one is free
        assert reader.head() == 0
