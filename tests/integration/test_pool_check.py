"""The event store's connections are checked before use only when one may have died unseen:
not on every command's load and append (two round trips a command), but after a quiet spell
or soon after a connection was found broken (adapters.pool_check)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from adapters.pool_check import IDLE_SECONDS, StaleConnectionCheck, check_when_stale
from domain.sukuma import Sukuma


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Checked:
    recorder: PostgresApplicationRecorder
    check: StaleConnectionCheck
    clock: FakeClock

    def read(self, times: int = 1, *, apart: float = 0.0) -> None:
        """Event-store reads, each taking a pooled connection."""
        for _ in range(times):
            self.clock.now += apart
            self.recorder.max_notification_id()


@pytest.fixture
def checked(application: Sukuma) -> Checked:
    """The application's event store, every pooled connection handed out once already."""
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    clock = FakeClock()
    checked = Checked(recorder, check_when_stale(recorder.datastore, clock), clock)
    checked.read(3 * recorder.datastore.pool.max_size)
    # Each connection checked once, when first handed out.
    assert 1 <= checked.check.pings <= recorder.datastore.pool.max_size
    return checked


def test_a_connection_used_a_moment_ago_is_not_checked_again(checked: Checked) -> None:
    pings = checked.check.pings
    checked.read(3 * checked.recorder.datastore.pool.max_size, apart=0.01)
    assert checked.check.pings == pings  # used moments ago: no round trip spent on a check

    checked.clock.now += IDLE_SECONDS
    checked.read()
    assert checked.check.pings == pings + 1  # idle a while: checked


def test_after_a_connection_is_found_broken_every_connection_is_checked(
    checked: Checked,
) -> None:
    pings = checked.check.pings
    with checked.recorder.datastore.pool.connection() as conn:  # it breaks while in use
        conn.close()
    checked.read(2, apart=0.01)
    assert checked.check.pings == pings + 2
