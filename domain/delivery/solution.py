"""The Solution aggregate: a solution agreed for a problem by a war room or a task team, its
action plan, and the progress reported on it (as the OSTP solution-implementation tracker
keeps them): a status with its evidence and a RAG (red, amber, green) each time.

A solution lives where its body does (a ward, or a team's area), so every scope above sees
it: what a war room is doing about a problem is visible up the ladder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation

STATUSES: Final = ("agreed", "in_progress", "implemented", "stalled", "abandoned")
RAG: Final = ("red", "amber", "green")
#: No progress after these.
CLOSED: Final = frozenset({"implemented", "abandoned"})


class Solution(SukumaAggregate):
    class Agreed(SukumaAggregate.Created):
        body: str
        body_id: UUID
        ward_id: str | None
        team: str | None
        team_code: str | None
        problem: str
        solution: str
        plan: list[dict[str, Any]]
        target_id: UUID | None

    class ProgressReported(SukumaAggregate.Event):
        status: str
        rag: str
        evidence: str

    @event(Agreed)
    def __init__(
        self,
        *,
        id: UUID,
        body: str,
        body_id: UUID,
        ward_id: str | None,
        team: str | None,
        team_code: str | None,
        problem: str,
        solution: str,
        plan: list[dict[str, Any]],
        target_id: UUID | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.body = body
        self.body_id = body_id
        self.ward_id = ward_id
        self.team = team
        self.team_code = team_code
        self.status = "agreed"

    def report(
        self, *, status: str, rag: str, evidence: str, occurred_at: datetime, actor: str
    ) -> None:
        """Progress on the solution, with the evidence for it."""
        if self.status in CLOSED:
            raise RuleViolation("solution-closed", f"the solution is {self.status} already")
        self._progress_reported(
            status=status, rag=rag, evidence=evidence, occurred_at=occurred_at, actor=actor
        )

    @event(ProgressReported)
    def _progress_reported(
        self, status: str, rag: str, evidence: str, occurred_at: datetime, actor: str
    ) -> None:
        self.status = status
