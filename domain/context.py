"""What every command carries besides its own values: who acted, when, and on which version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access.principal import Principal


@dataclass(frozen=True)
class CommandContext:
    """Who acted and when it happened in the field.

    ``expected_version`` is the caller's optimistic-concurrency claim (HTTP ``If-Match``);
    ``None`` applies the command to the current state. ``receipt`` is opaque to the domain:
    the event store records it in the same transaction as the events (idempotency keys).
    ``principal`` is whom the access policy checks; ``None`` is the system acting in-process
    (demo, scheduler), which the policy does not restrict.
    """

    actor: str
    occurred_at: datetime
    expected_version: int | None = None
    receipt: Any = None
    principal: Principal | None = None


@dataclass(frozen=True)
class Written:
    """The outcome of a command: the aggregate's new version and the log position to wait on."""

    id: UUID
    version: int
    position: int | None
