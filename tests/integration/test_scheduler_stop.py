"""Stopping a process mid-sweep (``sukuma serve``'s scheduler thread): the sweep ends after the
subject in hand, the thread is gone before the application's pool closes, nothing is logged
as failed, and the next sweep does what was left."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from domain.escalation import overdue_from
from domain.sukuma import Sukuma
from scheduler.main import SchedulerThread
from scheduler.rules.config import load_rules_file
from scheduler.sweeper import Sweeper
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.integration.alerting import alerting
from tests.integration.conftest import Clock
from tests.integration.test_alert_scheduler import overdue_referrals

REFERRALS = 4


async def test_stopping_mid_sweep_waits_for_the_subject_in_hand_and_leaves_the_rest(
    client: httpx.AsyncClient,
    application: Sukuma,
    settings: Settings,
    clock: Clock,
    ward_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    referral_ids = await overdue_referrals(client, ward_id, REFERRALS)
    ack_by = date.fromisoformat(
        (await client.get(f"/v1/referrals/{referral_ids[0]}")).json()["ack_by"]
    )
    clock.now = overdue_from(ack_by) + timedelta(days=40)
    alerting(application, clock).project()
    assert settings.database_url is not None
    replica = build_application(settings, settings.database_url)  # the process's own, closed below
    sweeper = Sweeper(replica, load_rules_file(), clock)
    ladder = replica.follow_escalation_ladder
    entered, calls = threading.Event(), []

    def slow_ladder(*args: Any, **kwargs: Any) -> Any:
        # The first referral is in hand when the stop comes: it finishes, no other starts.
        calls.append(args)
        entered.set()
        deadline = time.monotonic() + 10
        while not sweeper.stopping.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        return ladder(*args, **kwargs)

    replica.follow_escalation_ladder = slow_ladder  # type: ignore[method-assign]
    scheduler = SchedulerThread(settings, sweeper)
    caplog.set_level(logging.INFO)
    try:
        scheduler.start()
        assert entered.wait(60), "the first sweep never reached the referrals"
        started = time.monotonic()
        scheduler.stop(timeout=30)
        stopped_in = time.monotonic() - started
    finally:
        replica.close()

    assert not scheduler.is_alive()
    assert stopped_in < 10
    assert scheduler.failed is None
    assert len(calls) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert "stopped early" in caplog.text
    # What the stopped sweep left is done by the next one.
    later = Sweeper(application, load_rules_file(), clock).run()
    assert later.escalated["referrals"] == REFERRALS - 1
