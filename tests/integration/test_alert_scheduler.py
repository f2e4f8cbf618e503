"""Only one scheduler acts at a time: two sweeping at once raise each alert once."""

from __future__ import annotations

import asyncio
import time

import httpx

from domain.alerts.model import Alert, alert_id
from domain.errors import NotFoundError
from domain.sukuma import Sukuma
from scheduler.main import run_until
from scheduler.rules.config import load_rules_file
from scheduler.summary import Summary
from scheduler.sweeper import Sweeper
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.integration.alerting import alerting, at_once
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need, post_ok, referral


async def overdue_referrals(client: httpx.AsyncClient, ward_id: str, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        household_id = await household(client, ward_id)
        ids.append(await referral(client, household_id, await need(client, household_id)))
    return ids


def raised_once(app: Sukuma, referral_ids: list[str]) -> bool:
    """Every referral's EW-01 alert exists with exactly one event (Raised)."""
    return all(app.get(Alert, alert_id("EW-01", r)).version == 1 for r in referral_ids)


async def test_a_sweep_is_skipped_while_another_scheduler_holds_the_lock(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    await overdue_referrals(client, ward_id, 1)
    clock.advance(days=8)
    ew = alerting(application, clock)
    ew.project()

    with ew.sweeper._lock() as acquired:
        other = ew.sweeper.run()

    assert acquired
    assert other.skipped
    assert ew.sweeper.run().raised["EW-01"] == 1


async def test_two_replicas_sweeping_at_once_raise_each_alert_once(
    client: httpx.AsyncClient,
    application: Sukuma,
    settings: Settings,
    clock: Clock,
    ward_id: str,
) -> None:
    referral_ids = await overdue_referrals(client, ward_id, 5)
    clock.advance(days=8)
    alerting(application, clock).project()
    assert settings.database_url is not None
    replica = build_application(settings, settings.database_url)
    sweepers = [Sweeper(app, load_rules_file(), clock) for app in (application, replica)]
    summaries: list[Summary] = []

    try:
        at_once(
            lambda: summaries.append(sweepers[0].run()),
            lambda: summaries.append(sweepers[1].run()),
        )
    finally:
        replica.close()

    assert sum(s.raised["EW-01"] for s in summaries) == 5
    assert raised_once(application, referral_ids)


async def test_two_schedulers_on_their_schedule_raise_each_alert_once(
    client: httpx.AsyncClient,
    application: Sukuma,
    settings: Settings,
    clock: Clock,
    ward_id: str,
) -> None:
    referral_ids = await overdue_referrals(client, ward_id, 3)
    clock.advance(days=8)
    alerting(application, clock).project()
    assert settings.database_url is not None
    replica = build_application(settings, settings.database_url)
    fast = settings.model_copy(update={"sweep_interval_seconds": 1})
    stop = asyncio.Event()
    schedulers = [
        asyncio.create_task(run_until(fast, Sweeper(app, load_rules_file(), clock), stop))
        for app in (application, replica)
    ]
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            if await asyncio.to_thread(_all_raised, application, referral_ids):
                break
        await asyncio.sleep(2.5)  # more sweeps by both: still nothing new
    finally:
        stop.set()
        await asyncio.gather(*schedulers)
        replica.close()

    assert raised_once(application, referral_ids)


def _all_raised(app: Sukuma, referral_ids: list[str]) -> bool:
    try:
        return raised_once(app, referral_ids)
    except NotFoundError:
        return False


async def test_incremental_sweeps_leave_nothing_for_a_full_sweep_to_do(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    ew = alerting(application, clock)
    referral_ids = await overdue_referrals(client, ward_id, 4)
    ew.sweep()  # the first sweep of each rule is full, and leaves its mark
    clock.advance(days=8)
    ew.sweep()  # incremental: the ack_by dates passed meanwhile
    for referral_id in referral_ids[:2]:
        await post_ok(client, f"/v1/referrals/{referral_id}/acknowledge", {})
    clock.advance(days=1)
    incremental = ew.sweep()  # incremental: two clocks stopped

    assert incremental.resolved["EW-01"] == 2
    full = ew.sweeper.run(full=True)
    assert full.total() == {"raised": 0, "escalated": 0, "resolved": 0, "failed": 0}
