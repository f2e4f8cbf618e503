"""Issue 15.1: a lost connection never leaves the views silently stale.

The projector reconnects and catches up after its connections are cut; /readyz reports each
projection's lag and liveness and answers 503 (with the reasons) when the views are stale.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from datetime import UTC, datetime
from functools import partial

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from projections.liveness import RetryPolicy, WorkerGaveUp
from sukuma.projector import ProjectorThread
from sukuma.settings import Settings
from sukuma.wiring import build_projector
from tests.integration.conftest import BROAD_SCOPES, add_user

BASE_URL = "http://sukuma.test"


def cut_connections(url: str) -> int:
    """Terminate every other backend of this database (what a failover does to a client)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


def wait_until(condition: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_the_projector_reconnects_and_catches_up_after_its_connections_are_cut(
    application: Sukuma, settings: Settings
) -> None:
    assert settings.database_url is not None
    runner = build_projector(application)
    died = threading.Event()
    thread = ProjectorThread(runner, poll_seconds=0.5, on_death=died.set)
    thread.start()
    try:
        add_user(application, "before", (Role.ANALYST,), BROAD_SCOPES)
        head = lambda: application.recorder.max_notification_id() or 0  # noqa: E731
        caught_up = lambda: all(runner.position(p) >= head() for p in runner.projections)  # noqa: E731
        assert wait_until(caught_up)
        assert cut_connections(settings.database_url) >= 1  # the LISTEN connection among them
        add_user(application, "after", (Role.ANALYST,), BROAD_SCOPES)
        assert wait_until(caught_up), "the views stayed behind after the connection was lost"
        assert thread.is_alive() and not died.is_set()
    finally:
        thread.stop()


def test_a_projector_that_gives_up_stops_the_process(application: Sukuma) -> None:
    """In ``sukuma serve`` a projector thread that gives up sends SIGTERM to its process
    (uvicorn then shuts down, and serve exits 1), rather than dying silently."""
    runner = build_projector(application)

    def broken(*_: object) -> int:
        raise ValueError("a bug in a projection")

    runner.run_once = broken  # type: ignore[method-assign]
    retry = RetryPolicy(first_delay=0.01, max_other_failures=2)
    runner.run_forever = partial(type(runner).run_forever, runner, retry=retry)  # type: ignore[method-assign]
    terminated = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: terminated.set())
    try:
        thread = ProjectorThread(runner, poll_seconds=0.1)  # the default: stop the process
        thread.start()
        assert terminated.wait(10), "the projector thread failed silently"
        thread.join(5)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert isinstance(thread.failed, WorkerGaveUp) and not thread.is_alive()


async def test_readyz_reports_lag_and_liveness_and_503_when_stale(
    api: FastAPI, application: Sukuma
) -> None:
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        add_user(application, "tester", tuple(Role), BROAD_SCOPES)
        # Behind, and no projector has ever reported: dead, not ready.
        stale = await http.get("/readyz")
        assert stale.status_code == 503
        assert any("projector dead" in r for r in stale.json()["reasons"])

        build_projector(application).run_once()
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.json()
        body = ready.json()
        assert set(body["projections"]) == {
            "nerve_centre",
            "early_warning",
            "alerts",
            "war_rooms",
            "conflicts",
            "caseloads",
            "duplicates",
            "open_data",
            "delivery",
            "field_activity",
            "field_capture",
            "names",
        }
        assert all(p["lag_events"] == 0 for p in body["projections"].values())
        assert all(p["heartbeat_at"] for p in body["projections"].values())

        # A projector that beat recently but is further behind than the bound: not ready.
        api.state.settings = api.state.settings.model_copy(update={"ready_max_lag_events": 0})
        add_user(application, "another", (Role.ANALYST,), BROAD_SCOPES)
        behind = await http.get("/readyz")
        assert behind.status_code == 503
        assert any("events behind (bound 0)" in r for r in behind.json()["reasons"])


class Unreachable:
    """A read pool whose server refuses connections."""

    def acquire(self) -> object:
        raise OSError("connection refused")


class Hanging:
    """A read pool whose server never answers (a network partition)."""

    def acquire(self) -> object:
        return self

    async def __aenter__(self) -> None:
        await asyncio.sleep(3600)

    async def __aexit__(self, *_: object) -> None:
        return None


@pytest.mark.parametrize("pool", [Unreachable(), Hanging()], ids=["refused", "hanging"])
async def test_readyz_answers_503_quickly_when_the_database_is_unreachable(
    api: FastAPI, pool: object
) -> None:
    api.state.read_pool, kept = pool, api.state.read_pool
    try:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            started = datetime.now(UTC)
            answer = await http.get("/readyz")
            metrics = await http.get("/metrics")
        assert answer.status_code == 503
        assert answer.json()["reasons"][0].startswith("database:")
        assert "sukuma_database_up 0.0" in metrics.text
        assert (datetime.now(UTC) - started).total_seconds() < 6  # two 2 s timeouts at most
    finally:
        api.state.read_pool = kept


async def test_metrics_in_prometheus_format(
    api: FastAPI, client: httpx.AsyncClient, application: Sukuma
) -> None:
    build_projector(application).run_once()
    refused = await client.post("/v1/referrals", json={})
    assert refused.status_code in (400, 422)
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    for line in (
        "sukuma_database_up 1.0",
        'sukuma_projection_lag_events{projection="nerve_centre"} 0.0',
        'sukuma_projection_position{projection="alerts"}',
        'sukuma_commands_total{outcome="rejected"}',
        "sukuma_http_request_duration_seconds_bucket",
        "sukuma_event_log_head",
        "sukuma_login_throttled_total",
    ):
        assert line in text, line
    assert "# TYPE sukuma_alerts_open gauge" in text
    assert "sukuma_notifications" in text  # no deliveries yet: its HELP only
