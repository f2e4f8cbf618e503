"""Background workers' retry policy: back off on a lost database, give up loudly."""

from __future__ import annotations

import psycopg
import pytest

from projections.liveness import Failures, RetryPolicy, WorkerGaveUp


def test_lost_connections_back_off_up_to_the_cap_and_reset_on_recovery() -> None:
    failures = Failures(RetryPolicy(first_delay=0.5, max_delay=4.0), "projector")
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    assert [failures.record(lost) for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    failures.recovered()
    assert failures.record(lost) == 0.5


def test_other_errors_are_retried_a_few_times_then_given_up() -> None:
    failures = Failures(RetryPolicy(first_delay=0, max_other_failures=2), "projector")
    failures.record(ValueError("bug"))
    failures.record(ValueError("bug"))
    with pytest.raises(WorkerGaveUp):
        failures.record(ValueError("bug"))


def test_a_database_gone_for_longer_than_the_bound_is_given_up() -> None:
    failures = Failures(RetryPolicy(give_up_seconds=0.0), "scheduler")
    failures.record(psycopg.OperationalError("refused"))  # the first failure starts the clock
    with pytest.raises(WorkerGaveUp):
        failures.record(psycopg.OperationalError("refused"))
