"""The scheduler role: APScheduler (asyncio) running the early-warning sweep on its schedule.

Every replica may run it; the sweep's PostgreSQL advisory lock lets one act at a time.
``sukuma scheduler`` runs it as its own process, ``sukuma serve`` in a thread of the API's.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from psycopg.sql import SQL, Identifier

from domain.sukuma import Sukuma
from projections.liveness import Failures, RetryPolicy, WorkerGaveUp, discard_broken_connections
from projections.open_data.release import Publisher
from scheduler.config import SchedulerSettings
from scheduler.feedback_sms import FeedbackSms, Gateway
from scheduler.notify import DeliveryLog, Notifier
from scheduler.open_data import PublishOpenData
from scheduler.rules.config import load_rules_file
from scheduler.summary import Summary
from scheduler.sweeper import Sweeper

log = logging.getLogger(__name__)
RETRY_JOB = "early-warning-sweep-retry"
STOP_GRACE_SECONDS = 20  # a stop waits this long for the jobs in flight


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_sweeper(
    settings: SchedulerSettings, application: Sukuma, clock: Callable[[], datetime] = utc_now
) -> Sweeper:
    """The sweeper with the rules file and notifications from settings."""
    config = load_rules_file(settings.rules_file, application.catalogue())
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
        pause_seconds=settings.notify_pause_seconds,
    )
    return Sweeper(application, config, clock, notifier)


class Sweeps:
    """The sweep job: a failed sweep is logged and retried with backoff (sooner than the
    schedule, so a database back from an outage is swept at once); each sweep that runs
    records a heartbeat (/readyz shows the last one). Past the retry policy's bounds the
    scheduler stops with ``failed`` set, for its process to exit non-zero."""

    def __init__(self, sweeper: Sweeper, retry: RetryPolicy | None = None) -> None:
        self.sweeper = sweeper
        self.failures = Failures(retry or RetryPolicy(), "scheduler")
        self.failed: WorkerGaveUp | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.stop: asyncio.Event | None = None
        self.running: set[asyncio.Task[object]] = set()

    @contextmanager
    def _in_flight(self) -> Iterator[None]:
        task = asyncio.current_task()
        assert task is not None
        self.running.add(task)
        try:
            yield
        finally:
            self.running.discard(task)

    def track(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """The job, known while it runs: a stop waits for it before the scheduler shuts down
        (which cancels jobs in flight, while their threads go on using the pool)."""

        async def tracked() -> None:
            with self._in_flight():
                await job()

        return tracked

    async def finished(self, timeout: float = STOP_GRACE_SECONDS) -> None:
        """Wait (bounded) for the jobs in flight."""
        if self.running:
            await asyncio.wait(set(self.running), timeout=timeout)

    async def sweep(self, full: bool = False) -> None:
        with self._in_flight():
            await self._sweep_and_retry(full)

    async def _sweep_and_retry(self, full: bool) -> None:
        try:
            summary = await asyncio.to_thread(self._sweep, full)
        except Exception as exc:
            try:
                delay = self.failures.record(exc)
            except WorkerGaveUp as gave_up:
                self.failed = gave_up
                if self.stop is not None:
                    self.stop.set()
                return
            if self.scheduler is not None:
                self.scheduler.add_job(
                    self.sweep,
                    DateTrigger(utc_now() + timedelta(seconds=delay), timezone=UTC),
                    kwargs={"full": full},
                    id=RETRY_JOB,
                    name="early-warning sweep (retry)",
                    replace_existing=True,
                )
            return
        self.failures.recovered()
        if summary.skipped:
            log.debug("sweep skipped: another scheduler is sweeping")
        else:
            log.info(
                "early-warning%s sweep%s: %s",
                " full" if full else "",
                " (stopped early: the rest next time)" if summary.stopped else "",
                summary.total(),
            )

    def _sweep(self, full: bool) -> Summary:
        datastore = self.sweeper.datastore
        if self.failures.count:  # idle connections may have died with the server
            discard_broken_connections(datastore.pool)
        summary = self.sweeper.run(full=full)
        beat = SQL(
            "INSERT INTO {0}.sukuma_heartbeats (worker, beat_at, detail) VALUES (%s, now(), %s)"
            " ON CONFLICT (worker) DO UPDATE SET beat_at = excluded.beat_at,"
            " detail = excluded.detail"
        ).format(Identifier(datastore.schema))
        with datastore.transaction(commit=True) as curs:
            detail = "skipped" if summary.skipped else ("full" if full else "sweep")
            curs.execute(beat, ("scheduler", detail))
        return summary


def build_scheduler(settings: SchedulerSettings, sweeps: Sweeps) -> AsyncIOScheduler:
    """Every job registered here, with a stable id (a restart replaces, never duplicates)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    sweeps.scheduler = scheduler
    trigger = (
        CronTrigger.from_crontab(settings.sweep_cron, timezone=UTC)
        if settings.sweep_cron
        else IntervalTrigger(seconds=settings.sweep_interval_seconds, timezone=UTC)
    )
    scheduler.add_job(
        sweeps.sweep,
        trigger,
        id="early-warning-sweep",
        name="early-warning sweep",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=settings.sweep_interval_seconds,
        next_run_time=utc_now(),  # a first sweep at start
    )
    scheduler.add_job(
        sweeps.sweep,
        CronTrigger.from_crontab(settings.sweep_full_cron, timezone=UTC),
        kwargs={"full": True},
        id="early-warning-full-sweep",
        name="early-warning full reconciliation",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=3600,
    )
    publisher = Publisher(
        sweeps.sweeper.datastore, settings.open_data_k, settings.open_data_grace_days
    )
    scheduler.add_job(
        # Tracked, a coroutine function: APScheduler awaits those, and calls any other
        # callable (an instance with an async __call__) in a thread, where it would never run.
        sweeps.track(PublishOpenData(publisher, utc_now).__call__),
        CronTrigger.from_crontab("15 * * * *", timezone=UTC),
        id="open-data-release",
        name="open-data monthly release",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=3600,
        next_run_time=utc_now(),  # at start too: a month closed while nothing ran
    )
    if settings.sms_gateway_url:
        scheduler.add_job(
            sweeps.track(feedback_sms(settings, sweeps.sweeper.app).__call__),
            IntervalTrigger(minutes=5, timezone=UTC),
            id="feedback-sms",
            name="feedback codes by SMS",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=600,
        )
    return scheduler


def feedback_sms(settings: SchedulerSettings, application: Sukuma) -> FeedbackSms:
    """The job that sends delivered referrals' feedback codes through the SMS gateway."""
    assert settings.sms_gateway_url is not None
    secret = settings.sms_gateway_secret
    gateway = Gateway(
        url=settings.sms_gateway_url,
        secret=secret.get_secret_value() if secret else "",
        attempts=settings.notify_attempts,
        backoff_seconds=settings.notify_backoff_seconds,
        timeout_seconds=settings.notify_timeout_seconds,
    )
    return FeedbackSms(
        application,
        gateway,
        code_secret=settings.secret_key.get_secret_value(),
        code_days=settings.feedback_code_days,
        clock=utc_now,
    )


async def run_until(
    settings: SchedulerSettings,
    sweeper: Sweeper,
    stop: asyncio.Event,
    retry: RetryPolicy | None = None,
) -> None:
    """Run the scheduler on the current event loop until ``stop`` is set; ``WorkerGaveUp``
    when sweeps kept failing past the retry policy's bounds."""
    sweeps = Sweeps(sweeper, retry)
    sweeps.stop = stop
    scheduler = build_scheduler(settings, sweeps)
    scheduler.start()
    try:
        await stop.wait()
    finally:
        sweeper.stop()  # a sweep in flight ends after the subject in hand
        await sweeps.finished()
        scheduler.shutdown(wait=False)
    if sweeps.failed is not None:
        raise sweeps.failed


class SchedulerThread(threading.Thread):
    """The scheduler on its own event loop in a thread (single-node ``sukuma serve``).

    ``on_death`` is called if it gives up (``failed`` says why), for the process to stop."""

    def __init__(
        self,
        settings: SchedulerSettings,
        sweeper: Sweeper,
        on_death: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.settings, self.sweeper, self.on_death = settings, sweeper, on_death
        self.loop = asyncio.new_event_loop()
        self.stopping = asyncio.Event()
        self.failed: BaseException | None = None

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            try:
                self.loop.run_until_complete(run_until(self.settings, self.sweeper, self.stopping))
            finally:
                # As asyncio.run does: the jobs' threads finish before the process goes on to
                # close the application's pool under them.
                self.loop.run_until_complete(self.loop.shutdown_default_executor())
        except BaseException as exc:
            self.failed = exc
            log.critical("the scheduler thread stopped", exc_info=exc)
            if self.on_death is not None:
                self.on_death()

    def stop(self, timeout: float = 30) -> None:
        """Stop the schedule and wait (bounded) for the jobs in flight: a sweep ends after the
        subject in hand."""
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.join(timeout=timeout)
        if self.is_alive():
            log.warning("the scheduler's jobs did not finish within %g s", timeout)
