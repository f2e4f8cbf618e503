"""The Device aggregate: an app token an administrator issues to a user's phone, and revokes.

Only the token's SHA-256 is recorded, never the token: a copy of the event log opens no
device. A token starts with its device's id (32 hex digits), so a request's token is looked up
by loading one aggregate (no view, no scan); the rest is a secret the API derives.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_id_in(token: str) -> UUID | None:
    """The device id a token names (its first 32 hex digits), if it names one."""
    try:
        return UUID(hex=token[:32]) if len(token) > 32 else None
    except ValueError:
        return None


class Device(SukumaAggregate):
    """Issued to a user (whose roles and scopes it acts with), then perhaps revoked."""

    class Issued(SukumaAggregate.Created):
        user_id: str
        label: str
        token_sha256: str

    class Revoked(SukumaAggregate.Event):
        reason: str

    @event(Issued)
    def __init__(
        self,
        *,
        id: UUID,
        user_id: str,
        label: str,
        token_sha256: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.user_id = user_id
        self.label = label
        self.token_sha256 = token_sha256
        self.revoked = False

    def opens_with(self, token: str) -> bool:
        """Whether the token is this device's and the device is still in use."""
        return not self.revoked and secrets.compare_digest(self.token_sha256, token_hash(token))

    def revoke(self, reason: str, occurred_at: datetime, actor: str) -> None:
        if self.revoked:
            raise RuleViolation("device-active", "the device's token is already revoked")
        self._revoked(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Revoked)
    def _revoked(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.revoked = True
