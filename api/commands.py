"""Runs one command for a route: idempotency, occurred-at window, context, response shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError
from fastapi.responses import JSONResponse

from adapters.event_store import (
    IdempotencyReceipt,
    StoredReceipt,
    SukumaRecorder,
    erased_fingerprint,
)
from api.errors import IdempotencyKeyReused
from domain.access.principal import Principal
from domain.application import ConcurrencyExhausted
from domain.context import CommandContext, Written
from domain.errors import InvalidCommand, VersionConflict
from domain.sukuma import Sukuma

# Phones' clocks drift: a few minutes ahead is not "the future".
CLOCK_SKEW = timedelta(minutes=5)


def written_response(
    status_code: int,
    aggregate_id: UUID,
    version: int | None,
    position: int | None,
    extra: dict[str, Any],
    location: str | None,
) -> JSONResponse:
    headers = {}
    if version is not None:
        headers["ETag"] = f'"{version}"'
    if location:
        headers["Location"] = location
    content = {"id": str(aggregate_id), "version": version, "position": position, **extra}
    return JSONResponse(status_code=status_code, content=content, headers=headers)


@dataclass
class CommandRunner:
    application: Sukuma
    actor: str
    expected_version: int | None
    idempotency_key: str | None
    fingerprint: str
    window: timedelta
    clock: Callable[[], datetime]
    principal: Principal | None = None
    #: Set when the answer was replayed from a stored receipt (offline sync's ``duplicate``).
    replayed: bool = False

    def occurred(self, occurred_at: datetime | None) -> datetime:
        """When it happened in the field: defaults to now; refuses the future and the too old."""
        now = self.clock()
        if occurred_at is None:
            return now
        if occurred_at > now + CLOCK_SKEW:
            raise InvalidCommand("occurred_at", "is in the future")
        if occurred_at < now - self.window:
            raise InvalidCommand(
                "occurred_at",
                f"is older than the {self.window.days}-day window for API submissions",
            )
        return occurred_at

    def run(
        self,
        aggregate_id: UUID,
        occurred_at: datetime | None,
        action: Callable[[CommandContext], Written],
        *,
        status_code: int = 200,
        extra: dict[str, Any] | None = None,
        location: str | None = None,
    ) -> JSONResponse:
        extra = extra or {}
        replay = self._replay()
        if replay is not None:
            self.replayed = True
            return replay
        receipt = None
        if self.idempotency_key is not None:
            receipt = IdempotencyReceipt(
                key=self.idempotency_key,
                actor=self.actor,
                fingerprint=self.fingerprint,
                status_code=status_code,
                aggregate_id=aggregate_id,
                body={"extra": extra, "location": location},
            )
        ctx = CommandContext(
            actor=self.actor,
            occurred_at=self.occurred(occurred_at),
            expected_version=self.expected_version,
            receipt=receipt,
            principal=self.principal,
        )
        try:
            written = action(ctx)
        except (RecordConflictError, ConcurrencyExhausted, VersionConflict):
            # A concurrent request with the same key may have won the race: answer as it did
            # (with If-Match the loser's conflict arrives as a stale version).
            replay = self._replay()
            if replay is not None:
                self.replayed = True
                return replay
            raise
        return written_response(
            status_code, written.id, written.version, written.position, extra, location
        )

    def _replay(self) -> JSONResponse | None:
        if self.idempotency_key is None:
            return None
        recorder = self.application.recorder
        if not isinstance(recorder, SukumaRecorder):
            return None  # in-memory persistence (unit tests): no receipts
        stored: StoredReceipt | None = recorder.find_receipt(self.actor, self.idempotency_key)
        if stored is None:
            return None
        # An erased household's receipts keep only the route: a retry there still replays.
        if stored.fingerprint not in (self.fingerprint, erased_fingerprint(self.fingerprint)):
            raise IdempotencyKeyReused
        return written_response(
            stored.status_code,
            stored.aggregate_id,
            stored.version,
            stored.position,
            stored.body.get("extra", {}),
            stored.body.get("location"),
        )
