"""Runs one command for a route: idempotency, occurred-at window, context, response shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import orjson
from eventsourcing.persistence import RecordConflictError
from fastapi import Request
from fastapi.responses import JSONResponse

from adapters.event_store import SukumaRecorder
from adapters.idempotency import IdempotencyReceipt, Refusal, StoredReceipt, erased_fingerprint
from api.errors import KEPT_REFUSALS, IdempotencyKeyReused, answer
from api.schemas.common import CommandBody
from domain.access.principal import Principal
from domain.context import CommandContext, Written
from domain.errors import InvalidCommand
from domain.sukuma import Sukuma

T = TypeVar("T")

# Phones' clocks drift: a few minutes ahead is not "the future".
CLOCK_SKEW = timedelta(minutes=5)


class WrittenResponse(JSONResponse):
    """A command's answer, rendered by orjson: the same bytes as ``JSONResponse``'s compact
    UTF-8 ``json.dumps`` for these bodies (strings, integers, null), in a fraction of its
    time, on every command."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


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
    return WrittenResponse(status_code=status_code, content=content, headers=headers)


def checked_occurred_at(occurred_at: datetime, now: datetime, window: timedelta) -> datetime:
    """``occurred_at`` if it lies within the backdating window before ``now`` (the pages'
    backdated forms apply the same rule)."""
    if occurred_at > now + CLOCK_SKEW:
        raise InvalidCommand("occurred_at", "is in the future")
    if occurred_at < now - window:
        raise InvalidCommand(
            "occurred_at", f"is older than the {window.days}-day window for API submissions"
        )
    return occurred_at


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
    request: Request | None = None
    #: Seconds a copy of a keyed request waits for the first copy's answer (then 409).
    idempotency_wait: float = 10.0
    #: Set when the answer came from a stored receipt (offline sync's ``duplicate``).
    replayed: bool = False

    def occurred(self, occurred_at: datetime | None) -> datetime:
        """When it happened in the field: defaults to now; refuses the future and the too old."""
        now = self.clock()
        return now if occurred_at is None else checked_occurred_at(occurred_at, now, self.window)

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
        """Run the command once per ``Idempotency-Key``: copies of a keyed request take turns
        (``adapters.idempotency``) and every copy after the first answers as the first did,
        its success or its refusal (``api.errors.KEPT_REFUSALS``)."""
        extra = extra or {}
        recorder = self.application.recorder
        key = self.idempotency_key
        if key is None or not isinstance(recorder, SukumaRecorder):
            # (In-memory persistence, in unit tests, keeps no receipts.)
            ctx = self._context(occurred_at, None)
            return self._answer(status_code, action(ctx), extra, location)
        with recorder.idempotency.claim(self.actor, key, self.idempotency_wait) as claim:
            if claim.receipt is not None:
                return self._replay(claim.receipt)
            receipt = IdempotencyReceipt(
                key=key,
                actor=self.actor,
                fingerprint=self.fingerprint,
                status_code=status_code,
                aggregate_id=aggregate_id,
                body={"extra": extra, "location": location},
            )
            try:
                written = action(self._context(occurred_at, receipt))
            except RecordConflictError:
                # A copy whose lock went with its lost connection won meanwhile: its answer.
                found = recorder.find_receipt(self.actor, key)
                if found is None:
                    raise
                return self._replay(found)
            except KEPT_REFUSALS as exc:
                refused = answer(self._request(), exc)
                claim.refused(self._refusal(aggregate_id, refused))
                return refused
            return self._answer(status_code, written, extra, location)

    def apply(
        self,
        aggregate_id: UUID,
        body: CommandBody,
        method: Callable[[UUID, T, CommandContext], Written],
        value: T,
    ) -> JSONResponse:
        """The route that names an object, one value from its body and the application's
        method for them: ``method(aggregate_id, value, ctx)``, run as ``run`` runs it."""
        return self.run(
            aggregate_id, body.occurred_at, lambda ctx: method(aggregate_id, value, ctx)
        )

    def _context(
        self, occurred_at: datetime | None, receipt: IdempotencyReceipt | None
    ) -> CommandContext:
        return CommandContext(
            actor=self.actor,
            occurred_at=self.occurred(occurred_at),
            expected_version=self.expected_version,
            receipt=receipt,
            principal=self.principal,
        )

    @staticmethod
    def _answer(
        status_code: int, written: Written, extra: dict[str, Any], location: str | None
    ) -> JSONResponse:
        return written_response(
            status_code, written.id, written.version, written.position, extra, location
        )

    def _request(self) -> Request:
        if self.request is None:
            raise RuntimeError("a keyed command needs its request (api.deps.command_runner)")
        return self.request

    def _refusal(self, aggregate_id: UUID, refused: JSONResponse) -> Refusal:
        assert self.idempotency_key is not None
        headers = {
            name: value
            for name, value in refused.headers.items()
            if name not in ("content-length", "content-type")
        }
        return Refusal(
            actor=self.actor,
            key=self.idempotency_key,
            fingerprint=self.fingerprint,
            aggregate_id=aggregate_id,
            status_code=refused.status_code,
            content=orjson.loads(bytes(refused.body)),
            headers=headers,
        )

    def _replay(self, stored: StoredReceipt) -> JSONResponse:
        self.replayed = True
        # An erased household's receipts keep only the route: a retry there still replays.
        if stored.fingerprint not in (self.fingerprint, erased_fingerprint(self.fingerprint)):
            raise IdempotencyKeyReused
        if "refusal" in stored.body:
            return JSONResponse(
                status_code=stored.status_code,
                content=stored.body["refusal"],
                headers=stored.body.get("headers") or {},
            )
        return written_response(
            stored.status_code,
            stored.aggregate_id,
            stored.version,
            stored.position,
            stored.body.get("extra", {}),
            stored.body.get("location"),
        )
