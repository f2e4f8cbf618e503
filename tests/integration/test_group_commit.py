"""Concurrent commands share appends (adapters.group_commit) yet each stands alone in the log."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from adapters.event_store import IdempotencyReceipt, SukumaRecorder
from domain.context import CommandContext, Written
from domain.households.model import Household
from domain.sukuma import Sukuma


def test_concurrent_commands_each_get_their_own_positions_and_receipts(
    application: Sukuma, ward_id: str
) -> None:
    now = datetime.now(UTC)
    households = [uuid.uuid4() for _ in range(100)]
    for household_id in households:
        ctx = CommandContext(actor="setup", occurred_at=now)
        application.register_household(
            household_id=household_id,
            ward_id=ward_id,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=ctx,
        )

    def visit(n: int) -> Written:
        household_id = households[n % len(households)]
        receipt = IdempotencyReceipt(f"key-{n}", "worker", f"fp-{n}", 201, household_id)
        ctx = CommandContext(actor="worker", occurred_at=now, receipt=receipt)
        return application.record_visit(
            household_id=household_id,
            visit_id=uuid.uuid4(),
            field_worker_id=None,
            outcome="met_household",
            days_skipped_meal_last_7=None,
            note=None,
            ctx=ctx,
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        written = list(pool.map(visit, range(200)))

    positions = [w.position for w in written]
    assert len(set(positions)) == 200 and None not in positions
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    for n, w in enumerate(written):
        stored = recorder.find_receipt("worker", f"key-{n}")
        assert stored is not None and (stored.position, stored.version) == (w.position, w.version)
    # Writers sharing households (two per household) all landed; none overwrote another.
    visits = sum(len(application.get(Household, h).visits) for h in households)
    assert visits == 200
    # The log is gapless and in commit order.
    ids = [n.id for n in application.recorder.select_notifications(1, 10_000)]
    assert ids == list(range(1, len(ids) + 1))
