"""Subscribers hear of new and escalated alerts: signed webhooks (retried) and email; a
failing endpoint never blocks a sweep, and every delivery is recorded."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from domain.sukuma import Sukuma
from scheduler.notify import DeliveryLog, Notifier, sign
from scheduler.rules.config import RulesFile, Subscriber, load_rules_file
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need, referral

SECRET = "shared-secret"


class Hooks:
    """A webhook receiver on 127.0.0.1 that fails its first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hooks.failures > 0:
                    hooks.failures -= 1
                    self.send_response(500)
                else:
                    hooks.received.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Hanging:
    """A webhook receiver that accepts every connection and never answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hook"
        self.held: list[socket.socket] = []
        self.closed = threading.Event()
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.held.append(connection)  # open, unread, unanswered

    def close(self) -> None:
        self.closed.set()
        self.accepting.join()
        self.server.close()
        for connection in self.held:
            connection.close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    receiver = Hooks(failures=1)
    yield receiver
    receiver.close()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    receiver = Hanging()
    yield receiver
    receiver.close()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    with socket.socket() as probe:  # a free port (the controller cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def config_with(*subscribers: Subscriber) -> RulesFile:
    return load_rules_file().model_copy(update={"subscribers": list(subscribers)})


def notifier(app: Sukuma, config: RulesFile, smtp_port: int | None = None) -> Notifier:
    return Notifier(
        config.subscribers,
        deliveries=DeliveryLog(app.factory.datastore),  # type: ignore[attr-defined]
        smtp_host="127.0.0.1" if smtp_port else None,
        smtp_port=smtp_port or 25,
        attempts=3,
        backoff_seconds=0.05,
        timeout_seconds=2,
    )


def deliveries(ew: Alerting) -> list[dict[str, Any]]:
    with ew.app.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute("SELECT * FROM alert_deliveries ORDER BY id")
        return [dict(r) for r in curs.fetchall()]


async def overdue(client: httpx.AsyncClient, ward_id: str, clock: Clock) -> str:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    clock.advance(days=8)
    return referral_id


async def test_new_and_escalated_alerts_reach_a_signed_webhook_after_a_retry(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str, hooks: Hooks
) -> None:
    config = config_with(
        Subscriber(
            name="ward room", scope=f"ward:{ward_id}", webhook_url=hooks.url, webhook_secret=SECRET
        ),
        Subscriber(name="DTT", scope="district:DC22", min_level=3, webhook_url=hooks.url),
    )
    ew = alerting(application, clock, config, notifier(application, config))
    referral_id = await overdue(client, ward_id, clock)

    ew.sweep("EW-01")
    clock.advance(days=3)
    ew.sweep()
    assert ew.sweeper.notifier is not None
    ew.sweeper.notifier.drain(timeout=10)

    events = [json.loads(body) for _, body in hooks.received]
    assert [(e["event"], e["level"]) for e in events] == [
        ("alert.raised", 1),
        ("alert.escalated", 2),
    ]
    assert events[0]["subject"] == referral_id
    for headers, body in hooks.received:
        assert headers["X-Sukuma-Signature"] == sign(SECRET, body)
    recorded = deliveries(ew)
    assert [(d["channel"], d["ok"], d["attempts"]) for d in recorded] == [
        ("webhook", True, 2),
        ("webhook", True, 1),
    ]


async def test_a_failing_endpoint_never_blocks_the_sweep_and_is_recorded(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str, hooks: Hooks
) -> None:
    hooks.failures = 100
    config = config_with(Subscriber(name="broken", scope="province:KZN", webhook_url=hooks.url))
    slow = notifier(application, config)
    slow.backoff = 0.5  # 3 attempts: 1.5 s of backoff
    ew = alerting(application, clock, config, slow)
    await overdue(client, ward_id, clock)
    ew.project()

    started = time.monotonic()
    summary = ew.sweeper.run(["EW-01"])
    swept_in = time.monotonic() - started
    slow.drain(timeout=10)

    assert summary.raised["EW-01"] == 1
    assert swept_in < 1.0
    [failed] = deliveries(ew)
    assert (failed["ok"], failed["attempts"]) == (False, 3)
    assert "500" in failed["detail"]


async def test_alerts_are_emailed_to_subscribers(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    inbox: tuple[Inbox, int],
) -> None:
    handler, port = inbox
    config = config_with(Subscriber(name="LTT", scope="municipality:KZN225", email="ltt@x.test"))
    ew = alerting(application, clock, config, notifier(application, config, smtp_port=port))
    referral_id = await overdue(client, ward_id, clock)

    ew.sweep("EW-01")
    assert ew.sweeper.notifier is not None
    ew.sweeper.notifier.drain(timeout=10)

    [raw] = handler.messages
    message = message_from_bytes(raw)
    assert message["To"] == "ltt@x.test"
    assert "EW-01" in message["Subject"]
    assert referral_id in message.get_payload()
    assert [(d["channel"], d["ok"]) for d in deliveries(ew)] == [("email", True)]


async def test_a_hanging_receiver_stalls_neither_the_sweep_nor_other_notices(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    hooks: Hooks,
    hanging: Hanging,
) -> None:
    hooks.failures = 0
    config = config_with(
        Subscriber(name="hangs", scope="province:KZN", webhook_url=hanging.url),
        Subscriber(name="answers", scope="province:KZN", webhook_url=hooks.url),
    )
    slow = notifier(application, config)
    slow.timeout, slow.attempts = 0.5, 2  # a notice to the hanging receiver: 2 tries of 0.5 s
    ew = alerting(application, clock, config, slow)
    for _ in range(3):
        household_id = await household(client, ward_id)
        await referral(client, household_id, await need(client, household_id))
    clock.advance(days=8)
    ew.project()

    started = time.monotonic()
    summary = ew.sweeper.run(["EW-01"])
    swept_in = time.monotonic() - started
    while len(hooks.received) < 3 and time.monotonic() - started < 10:
        time.sleep(0.01)
    answered_in = time.monotonic() - started
    slow.drain(timeout=10)
    drained_in = time.monotonic() - started

    assert summary.raised["EW-01"] == 3
    assert swept_in < 1.0
    # The other subscriber heard of all three before the first try at the hanging one ended.
    assert len(hooks.received) == 3 and answered_in < 0.5, answered_in
    recorded = [(d["subscriber"], d["ok"], d["attempts"]) for d in deliveries(ew)]
    assert sorted(recorded) == [
        ("answers", True, 1),
        ("answers", True, 1),
        ("answers", True, 1),
        ("hangs", False, 0),  # skipped: no more minutes of timeouts after the first notice
        ("hangs", False, 0),
        ("hangs", False, 2),
    ]
    assert "timed out" in next(d["detail"] for d in deliveries(ew) if d["attempts"] == 2)
    assert drained_in < 3.0  # one notice's tries (1 s and a backoff), not three notices'
    assert len(hanging.held) == 2

    metrics = (await client.get("/metrics")).text
    for outcome, count in (("delivered", 3), ("failed", 1), ("skipped", 2)):
        line = f'sukuma_notifications_total{{channel="webhook",outcome="{outcome}"}} {count}.0'
        assert line in metrics.splitlines(), outcome
