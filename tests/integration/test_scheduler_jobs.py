"""Every scheduled job runs: APScheduler awaits coroutine functions and calls anything else
in a thread, where an object's ``async def __call__`` would only make a coroutine and drop it
(the open-data release and the feedback SMS jobs did nothing in `sukuma serve`)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any, cast

from domain.sukuma import Sukuma
from scheduler.main import Sweeps, build_scheduler
from sukuma.settings import Settings


def test_every_job_is_a_plain_function_or_a_coroutine_function(
    settings: Settings, application: Sukuma
) -> None:
    settings = settings.model_copy(update={"sms_gateway_url": "http://127.0.0.1:9/sms"})
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    sweeper = SimpleNamespace(datastore=datastore, app=application)
    sweeps = Sweeps(cast(Any, sweeper))  # its jobs as the scheduler gets them (tracked)
    scheduler = build_scheduler(settings, sweeps)
    jobs = scheduler.get_jobs()
    assert {j.id for j in jobs} >= {"open-data-release", "feedback-sms"}
    for job in jobs:
        object_with_async_call = not inspect.isroutine(job.func) and (
            inspect.iscoroutinefunction(type(job.func).__call__)
        )
        assert not object_with_async_call, f"{job.name}: its coroutine would never be awaited"
