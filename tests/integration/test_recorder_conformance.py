"""The library's own recorder conformance suites, run against our recorders on PostgreSQL.

``SukumaRecorder`` stays a custom recorder only while it passes eventsourcing's
``ApplicationRecorderTestCase`` and ``NonInterleavingNotificationIDsBaseCase``: once as the
application uses it for appends without a receipt (the library's own ``insert_events``), and
once with a receipt on every append, so the suites also cover the transaction that keeps
receipts beside their events. The projections' views are the library's tracking recorder
plus tables: ``TrackingRecorderTestCase`` runs against each of them.

The suites are unittest ``TestCase``s; each test gets its own database (``fresh_db_url``), its
schema made by the migrations, as in production (no recorder creates tables).
The suites' base classes are reached through their module, so pytest collects only the
concrete classes below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests import persistence as conformance

from adapters.database import parse_database_url
from adapters.event_store import SukumaRecorder
from adapters.idempotency import IdempotencyReceipt
from domain.sukuma import Sukuma
from projections.base import BufferedView
from projections.registry import PROJECTIONS

#: The application's events table (the library names it after the application).
EVENTS_TABLE = f"{Sukuma.name}_events"


class OnFreshDatabase:
    """A datastore on this test's own database, closed when the test ends."""

    datastore: PostgresDatastore

    @pytest.fixture(autouse=True)
    def _datastore(self, fresh_db_url: str) -> Any:
        params = parse_database_url(fresh_db_url)
        self.datastore = PostgresDatastore(
            params.dbname, params.host, params.port, params.user, params.password
        )
        yield
        self.datastore.close()

    def sized_pool(self, size: int) -> None:
        """As the library's own Postgres tests do for their concurrent cases."""
        self.datastore.pool.open()
        self.datastore.pool.resize(size, size)


class ReceiptOnEveryAppend(SukumaRecorder):
    """Each append carries an idempotency receipt, as a command with ``Idempotency-Key`` does."""

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        receipt: IdempotencyReceipt | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if receipt is None:
            aggregate_id = stored_events[0].originator_id if stored_events else uuid4()
            receipt = IdempotencyReceipt(
                key=uuid4().hex,
                actor="conformance",
                fingerprint="route:request",
                status_code=201,
                aggregate_id=UUID(str(aggregate_id)),
            )
        return super().insert_events(stored_events, receipt=receipt, **kwargs)


class TestSukumaRecorder(OnFreshDatabase, conformance.ApplicationRecorderTestCase[SukumaRecorder]):
    recorder_class: type[SukumaRecorder] = SukumaRecorder

    def create_recorder(self) -> SukumaRecorder:
        return self.recorder_class(self.datastore, events_table_name=EVENTS_TABLE)

    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:
        self.sized_pool(12)  # ten writers and two readers
        super().test_concurrent_no_conflicts(initial_position)

    def test_concurrent_throughput(self) -> None:
        self.sized_pool(10)
        super().test_concurrent_throughput()

    def test_insert_subscribe(self) -> None:
        self.sized_pool(2)  # the subscription listens on a connection of its own
        super().optional_test_insert_subscribe()


class TestSukumaRecorderWithReceipts(TestSukumaRecorder):
    recorder_class = ReceiptOnEveryAppend


class TestSukumaRecorderNonInterleaving(
    OnFreshDatabase, conformance.NonInterleavingNotificationIDsBaseCase
):
    recorder_class: type[SukumaRecorder] = SukumaRecorder

    def create_recorder(self) -> SukumaRecorder:
        self.sized_pool(2)  # two writers race
        return self.recorder_class(self.datastore, events_table_name=EVENTS_TABLE)


class TestSukumaRecorderNonInterleavingWithReceipts(TestSukumaRecorderNonInterleaving):
    recorder_class = ReceiptOnEveryAppend


class ViewTracking(OnFreshDatabase):
    """The conformance suite's recorder: one projection's view, its tables created."""

    view_class: type[BufferedView]
    name: str

    def create_recorder(self) -> BufferedView:
        return self.view_class(self.datastore, tracking_table_name=f"{self.name}_tracking")


# One suite per registered projection, so a view added later is covered too.
for _name, (_, _view_class) in PROJECTIONS.items():
    _suite = f"TestTracking_{_name}"
    globals()[_suite] = type(
        _suite,
        (ViewTracking, conformance.TrackingRecorderTestCase),
        {"view_class": _view_class, "name": _name},
    )
