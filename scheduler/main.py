"""The scheduler role: APScheduler (asyncio) running the early-warning sweep on its schedule.

Every replica may run it; the sweep's PostgreSQL advisory lock lets one act at a time.
``sukuma scheduler`` runs it as its own process, ``sukuma serve`` in a thread of the API's.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from domain.sukuma import Sukuma
from scheduler.config import SchedulerSettings
from scheduler.jobs import sweep
from scheduler.notify import DeliveryLog, Notifier
from scheduler.rules.config import load_rules_file
from scheduler.sweeper import Sweeper


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_sweeper(
    settings: SchedulerSettings, application: Sukuma, clock: Callable[[], datetime] = utc_now
) -> Sweeper:
    """The sweeper with the rules file and notifications from settings."""
    config = load_rules_file(settings.rules_file)
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    notifier = Notifier(
        config.subscribers,
        deliveries=DeliveryLog(datastore),
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        sender=settings.smtp_sender,
        attempts=settings.notify_attempts,
        backoff_seconds=settings.notify_backoff_seconds,
        timeout_seconds=settings.notify_timeout_seconds,
    )
    return Sweeper(application, config, clock, notifier)


def build_scheduler(settings: SchedulerSettings, sweeper: Sweeper) -> AsyncIOScheduler:
    """Every job registered here, with a stable id (a restart replaces, never duplicates)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    trigger = (
        CronTrigger.from_crontab(settings.sweep_cron, timezone=UTC)
        if settings.sweep_cron
        else IntervalTrigger(seconds=settings.sweep_interval_seconds, timezone=UTC)
    )
    scheduler.add_job(
        sweep.sweep,
        trigger,
        args=[sweeper],
        id="early-warning-sweep",
        name="early-warning sweep",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=settings.sweep_interval_seconds,
        next_run_time=utc_now(),  # a first sweep at start
    )
    scheduler.add_job(
        sweep.sweep,
        CronTrigger.from_crontab(settings.sweep_full_cron, timezone=UTC),
        args=[sweeper],
        kwargs={"full": True},
        id="early-warning-full-sweep",
        name="early-warning full reconciliation",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=3600,
    )
    return scheduler


async def run_until(settings: SchedulerSettings, sweeper: Sweeper, stop: asyncio.Event) -> None:
    """Run the scheduler on the current event loop until ``stop`` is set."""
    scheduler = build_scheduler(settings, sweeper)
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)


class SchedulerThread(threading.Thread):
    """The scheduler on its own event loop in a thread (single-node ``sukuma serve``)."""

    def __init__(self, settings: SchedulerSettings, sweeper: Sweeper) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.settings, self.sweeper = settings, sweeper
        self.loop = asyncio.new_event_loop()
        self.stopping = asyncio.Event()

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(run_until(self.settings, self.sweeper, self.stopping))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stopping.set)
