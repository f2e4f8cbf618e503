"""``/metrics`` in Prometheus's text format (the ``prometheus-client`` library).

Two kinds of figures. What this process sees is counted as it happens: requests' latency by
route, commands (writes under /v1) by outcome, sign-ins refused by the throttle. What the
database knows is read at scrape time over the read pool, so every replica and process reports
the same: each projection's position, lag and heartbeat, the scheduler's last sweep, open
alerts by level, notification deliveries by outcome, sign-in keys throttled now.

With several API worker processes set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
before they start: the counters are then summed over the workers (prometheus-client's
multiprocess mode). Without it each worker reports only its own counters.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from typing import Any

import asyncpg
from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import ApiSettings
from projections.status import Liveness, read_liveness

REQUEST_SECONDS = Histogram(
    "sukuma_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
)
COMMANDS = Counter(
    "sukuma_commands_total",
    "Commands (POST/PUT/PATCH/DELETE under /v1) by outcome",
    ["outcome"],
)
LOGINS_THROTTLED = Counter("sukuma_login_throttled_total", "Sign-ins refused by the throttle (429)")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGN_IN = "/v1/auth/token"


def outcome(status: int) -> str:
    if status < 400:
        return "accepted"
    if status == 503:
        return "unavailable"
    return "rejected" if status < 500 else "error"


class MetricsMiddleware:
    """Times every HTTP request and counts commands (a plain ASGI middleware: no body copy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method, path = scope["method"], scope["path"]
            # The route's template, never the raw path: ids would make a series each.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)
            if method in WRITES and path.startswith("/v1/") and path != SIGN_IN:
                COMMANDS.labels(outcome(status)).inc()
            if path == SIGN_IN and status == 429:
                LOGINS_THROTTLED.inc()


class _Snapshot(Collector):
    """The figures read from the database for one scrape."""

    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


async def database_metrics(pool: asyncpg.Pool, settings: ApiSettings) -> list[Metric]:
    up = GaugeMetricFamily("sukuma_database_up", "1 when the database answered this scrape")
    try:
        live, rows = await asyncio.wait_for(_read(pool, settings), settings.ready_timeout_seconds)
    except Exception:  # the database is down or slow: say so, keep the process's own figures
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    return [up, *_projection_metrics(live), *rows]


async def _read(pool: asyncpg.Pool, settings: ApiSettings) -> tuple[Liveness, list[Metric]]:
    live = await read_liveness(pool)
    async with pool.acquire() as db:
        alerts = await db.fetch(
            "SELECT level, count(*) AS n FROM alerts_alerts WHERE status = 'open' GROUP BY level"
        )
        deliveries = await db.fetch(
            "SELECT channel, CASE WHEN ok THEN 'delivered' WHEN attempts = 0 THEN 'skipped'"
            " ELSE 'failed' END AS outcome, count(*) AS n FROM alert_deliveries GROUP BY 1, 2"
        )
        throttled = await db.fetch(
            "SELECT split_part(key, ':', 1) AS kind, count(*) AS n FROM ("
            " SELECT key FROM auth_login_failures"
            " WHERE failed_at > now() - make_interval(secs => $1::float8) GROUP BY key"
            " HAVING count(*) >= CASE WHEN key LIKE 'user:%' THEN $2::int ELSE $3::int END) k"
            " GROUP BY 1",
            float(settings.login_window_seconds),
            settings.login_max_failures_per_user,
            settings.login_max_failures_per_address,
        )
    open_alerts = GaugeMetricFamily("sukuma_alerts_open", "Open alerts by level", labels=["level"])
    for row in alerts:
        open_alerts.add_metric([str(row["level"])], row["n"])
    sent = CounterMetricFamily(
        "sukuma_notifications",
        "Alert notifications by channel and outcome (delivered, failed, skipped)",
        labels=["channel", "outcome"],
    )
    for row in deliveries:
        sent.add_metric([row["channel"], row["outcome"]], row["n"])
    keys = GaugeMetricFamily(
        "sukuma_login_throttled_keys",
        "Sign-in keys (user or address) at their failure limit in the window now",
        labels=["kind"],
    )
    for row in throttled:
        keys.add_metric([row["kind"]], row["n"])
    return live, [open_alerts, sent, keys]


def _projection_metrics(live: Liveness) -> list[Metric]:
    head = GaugeMetricFamily("sukuma_event_log_head", "Notification id of the newest event")
    head.add_metric([], live.head)
    position = GaugeMetricFamily(
        "sukuma_projection_position", "Last event a projection has applied", labels=["projection"]
    )
    lag = GaugeMetricFamily(
        "sukuma_projection_lag_events",
        "Events a projection is behind the log",
        labels=["projection"],
    )
    beat = GaugeMetricFamily(
        "sukuma_projection_heartbeat_age_seconds",
        "Seconds since a projection's projector last reported",
        labels=["projection"],
    )
    for name, p in live.projections.items():
        position.add_metric([name], p["position"])
        lag.add_metric([name], p["lag_events"])
        if p["heartbeat_age_seconds"] is not None:
            beat.add_metric([name], p["heartbeat_age_seconds"])
    out: list[Metric] = [head, position, lag, beat]
    if live.scheduler is not None:
        sweep = GaugeMetricFamily(
            "sukuma_scheduler_last_sweep_age_seconds", "Seconds since the last sweep ran"
        )
        sweep.add_metric([], live.scheduler["age_seconds"])
        out.append(sweep)
    return out


def process_registry() -> CollectorRegistry:
    """This process's counters, or every worker's in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


async def metrics(request: Request) -> Response:
    """Prometheus's text exposition of this process's and the database's figures."""
    settings: ApiSettings = request.app.state.settings
    snapshot = CollectorRegistry(auto_describe=False)
    pool: Any = getattr(request.app.state, "read_pool", None)
    snapshot.register(_Snapshot(await database_metrics(pool, settings)))
    body = generate_latest(process_registry()) + generate_latest(snapshot)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def install(api: FastAPI) -> None:
    """The middleware that times requests (``install_route`` mounts ``/metrics``)."""
    api.add_middleware(MetricsMiddleware)


def install_route(api: FastAPI) -> None:
    """Mount ``/metrics`` (unauthenticated, like the probes: counts only, no personal data)."""
    api.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
