"""Tell subscribers of new and escalated alerts: signed JSON webhooks and email, in the
background, retried with backoff, and every delivery (or final failure) recorded.

A webhook's body is signed with HMAC-SHA256 over the exact bytes sent, keyed by the
subscriber's secret: ``X-Sukuma-Signature: sha256=<hex>``. Nothing here is on the sweep's
path: ``send`` queues the notices and returns, so a slow or failing endpoint never blocks it.

Each subscriber has a lane of its own, so an endpoint that hangs (each try ends at the
timeout) delays only its own notices; and once a notice to it has failed every try, its
next notices are recorded as skipped, untried, for ``pause_seconds``: a sweep's burst of
alerts never queues minutes of timeouts behind a dead endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from domain.access.locations import alert_location
from domain.access.policy import subscriber_sees
from scheduler.rules.config import Subscriber

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertNotice:
    kind: str  # "raised" or "escalated"
    alert_id: UUID
    rule: str
    subject: str
    level: int
    scope: dict[str, str | None]
    evidence: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {
            "event": f"alert.{self.kind}",
            "alert_id": str(self.alert_id),
            "rule": self.rule,
            "subject": self.subject,
            "level": self.level,
            "scope": self.scope,
            "evidence": self.evidence,
        }


def in_scope(subscriber: Subscriber, notice: AlertNotice) -> bool:
    """A subscriber hears of alerts at or above its level that a user with its scopes could
    read: the access policy decides, placing the alert as it places the stored one."""
    if notice.level < subscriber.min_level:
        return False
    return subscriber_sees(subscriber.scopes, "alert", alert_location(notice.scope))


def with_retries(
    attempt: Callable[[], str], attempts: int, backoff: float, sleep: Callable[[float], None]
) -> tuple[int, bool, str]:
    """Try up to ``attempts`` times, ``backoff`` seconds apart and doubling: (tries, ok,
    the answer or the last failure)."""
    detail = ""
    for n in range(1, attempts + 1):
        try:
            return n, True, attempt()
        except Exception as exc:  # any failure is retried, then recorded
            detail = f"{type(exc).__name__}: {exc}"
            if n < attempts:
                sleep(backoff * 2 ** (n - 1))
    return attempts, False, detail


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Delivery:
    alert_id: UUID
    subscriber: str
    channel: str
    kind: str
    level: int
    attempts: int
    ok: bool
    detail: str


class DeliveryLog:
    """Deliveries in ``alert_deliveries`` (an operations log, not a view of the event log;
    created by adapters.migrations)."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self.table = Identifier(datastore.schema, "alert_deliveries")

    def record(self, d: Delivery) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "INSERT INTO {0} (alert_id, subscriber, channel, kind, level, attempts, ok, "
                    "detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                ).format(self.table),
                (d.alert_id, d.subscriber, d.channel, d.kind, d.level, d.attempts, d.ok, d.detail),
            )


class Notifier:
    def __init__(
        self,
        subscribers: Sequence[Subscriber],
        *,
        deliveries: DeliveryLog | None = None,
        smtp_host: str | None = None,
        smtp_port: int = 25,
        sender: str = "sukuma@localhost",
        attempts: int = 4,
        backoff_seconds: float = 2.0,
        timeout_seconds: float = 10.0,
        pause_seconds: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.subscribers = list(subscribers)
        self.deliveries = deliveries
        self.smtp_host, self.smtp_port, self.sender = smtp_host, smtp_port, sender
        self.attempts, self.backoff, self.timeout = attempts, backoff_seconds, timeout_seconds
        self.pause, self.sleep = pause_seconds, sleep
        # (subscriber, channel) whose last notice failed every try: until when (monotonic)
        # its notices are skipped, and why. Each key is touched only by its subscriber's lane.
        self.paused: dict[tuple[str, str], tuple[float, str]] = {}
        # One lane (a single thread) per subscriber: its notices arrive in the order raised
        # (an escalation never before its alert's raising, even while that one is retried),
        # and a failing endpoint delays only its own lane.
        self.lanes: dict[str, ThreadPoolExecutor] = {}
        self.pending: list[Future[None]] = []

    def send(self, notices: Sequence[AlertNotice]) -> None:
        """Queue the notices for their subscribers; returns at once."""
        self.pending = [f for f in self.pending if not f.done()]
        for notice in notices:
            for subscriber in self.subscribers:
                if in_scope(subscriber, notice):
                    lane = self._lane(subscriber)
                    self.pending.append(lane.submit(self._deliver, subscriber, notice))

    def drain(self, timeout: float | None = None) -> None:
        """Wait for queued deliveries (tests, and a clean shutdown)."""
        wait(self.pending, timeout=timeout)
        self.pending = [f for f in self.pending if not f.done()]

    def close(self) -> None:
        for lane in self.lanes.values():
            lane.shutdown(wait=True)

    def _lane(self, subscriber: Subscriber) -> ThreadPoolExecutor:
        lane = self.lanes.get(subscriber.name)
        if lane is None:
            lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"notify-{subscriber.name}")
            self.lanes[subscriber.name] = lane
        return lane

    def _deliver(self, subscriber: Subscriber, notice: AlertNotice) -> None:
        channels: list[tuple[str, Callable[[], str]]] = []
        if subscriber.webhook_url:
            channels.append(("webhook", lambda: self._post(subscriber, notice)))
        if subscriber.email and self.smtp_host:
            channels.append(("email", lambda: self._mail(subscriber, notice)))
        for channel, attempt in channels:
            delivery = self._unless_paused((subscriber.name, channel), attempt)
            outcome = Delivery(
                notice.alert_id, subscriber.name, channel, notice.kind, notice.level, *delivery
            )
            if not outcome.ok:
                log.warning(
                    "%s to %s not delivered (%d attempts): %s",
                    channel,
                    subscriber.name,
                    outcome.attempts,
                    outcome.detail,
                )
            if self.deliveries is not None:
                self.deliveries.record(outcome)

    def _unless_paused(
        self, key: tuple[str, str], attempt: Callable[[], str]
    ) -> tuple[int, bool, str]:
        """Tried with retries; or, while the last notice on this channel failed every try
        less than ``pause_seconds`` ago, skipped untried (0 attempts)."""
        until, why = self.paused.get(key, (0.0, ""))
        if time.monotonic() < until:
            return 0, False, f"skipped: the endpoint failed its last notice ({why})"
        attempts, ok, detail = self._retry(attempt)
        if ok:
            self.paused.pop(key, None)
        else:
            self.paused[key] = (time.monotonic() + self.pause, detail)
        return attempts, ok, detail

    def _retry(self, attempt: Callable[[], str]) -> tuple[int, bool, str]:
        return with_retries(attempt, self.attempts, self.backoff, self.sleep)

    def _post(self, subscriber: Subscriber, notice: AlertNotice) -> str:
        assert subscriber.webhook_url is not None
        body = json.dumps(notice.payload(), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "X-Sukuma-Event": f"alert.{notice.kind}"}
        if subscriber.webhook_secret:
            headers["X-Sukuma-Signature"] = sign(subscriber.webhook_secret, body)
        request = urllib.request.Request(
            subscriber.webhook_url, data=body, headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return f"HTTP {response.status}"

    def _mail(self, subscriber: Subscriber, notice: AlertNotice) -> str:
        assert subscriber.email is not None and self.smtp_host is not None
        message = EmailMessage()
        message["From"], message["To"] = self.sender, subscriber.email
        message["Subject"] = (
            f"[Sukuma] {notice.rule} level {notice.level} {notice.kind}: {notice.subject}"
        )
        message.set_content(json.dumps(notice.payload(), indent=2, sort_keys=True))
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
        return "sent"
