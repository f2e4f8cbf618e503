"""The projections' log reader waits out a moment with no free pooled connection, as the
library's own reads do: the event store's pool gives up after a fraction of a second (for
the API's quick 503s), and a catch-up page must not fail on a busy moment."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

from eventsourcing.postgres import PostgresApplicationRecorder

from domain.sukuma import Sukuma
from projections.decoding import EventLogReader


def test_a_moment_without_a_free_connection_is_waited_out(application: Sukuma) -> None:
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    pool = recorder.datastore.pool
    reader = EventLogReader(recorder, application.name)
    assert reader.head() == 0  # the pool is open
    taken = threading.Event()

    def hold_every_connection() -> None:
        # Every connection the pool may open, held a little longer than one wait for one
        with ExitStack() as stack:
            for _ in range(pool.max_size):
                stack.enter_context(pool.connection())
            taken.set()
            time.sleep(pool.timeout * 1.5)

    holder = threading.Thread(target=hold_every_connection)
    holder.start()
    try:
        assert taken.wait(10)
        # When the reader asks meanwhile, it gets its answer once one is free
        assert reader.head() == 0
    finally:
        holder.join()
