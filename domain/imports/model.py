"""A register file brought in by bulk import: who imported which file, and what came of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate


class RegisterImport(SukumaAggregate):
    """One aggregate per file (its id derived from the file's sha256); each run appends."""

    class Started(SukumaAggregate.Created):
        sha256: str
        filename: str

    class ImportRecorded(SukumaAggregate.Event):
        filename: str
        counts: dict[str, int]
        wards: list[str]

    @event(Started)
    def __init__(
        self, *, id: UUID, sha256: str, filename: str, occurred_at: datetime, actor: str
    ) -> None:
        self.sha256 = sha256
        self.runs: list[dict[str, Any]] = []

    def record(
        self,
        *,
        filename: str,
        counts: dict[str, int],
        wards: list[str],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record one real run of the file (a dry run writes nothing, so is not recorded)."""
        self._record(
            filename=filename,
            counts=dict(counts),
            wards=sorted(wards),
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(ImportRecorded)
    def _record(
        self,
        filename: str,
        counts: dict[str, int],
        wards: list[str],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.runs.append({"actor": actor, "filename": filename, "counts": counts})
