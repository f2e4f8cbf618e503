"""Solutions tracking and delivery chains: commands."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.access.area import Location
from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.delivery.model import Target
from domain.delivery.solution import RAG, STATUSES, Solution
from domain.delivery.taskteam import TaskTeam
from domain.delivery.teams import team_location
from domain.errors import InvalidCommand
from domain.warrooms.model import WarRoom


class SolutionCommands(ApplicationBase):
    def agree_solution(
        self,
        *,
        solution_id: UUID,
        body: tuple[str, UUID],
        problem: str,
        solution: str,
        plan: list[dict[str, Any]],
        target_id: UUID | None,
        ctx: CommandContext,
    ) -> Written:
        """A solution a war room or task team (``body``: ``warroom`` or ``taskteam``, id)
        agreed for a problem, with its action plan (steps with owners and dates)."""
        kind, body_id = body
        if target_id is not None:
            self.read(Target, target_id, ctx.principal)
        if kind == "warroom":
            room = self.read(WarRoom, body_id, ctx.principal)
            ward_id, team, team_code = room.ward_id, None, None
            at = Location.ward(ward_id)
        elif kind == "taskteam":
            owner = self.read(TaskTeam, body_id, ctx.principal)
            ward_id, team, team_code = None, owner.kind, owner.code
            at = team_location(owner.kind, owner.code)
        else:
            raise InvalidCommand("body", "a war room's or a task team's")
        content: dict[str, Any] = {"body": kind, "body_id": body_id, "problem": problem}
        return self._create(
            Solution,
            solution_id,
            ctx,
            content,
            lambda: [
                Solution(
                    id=solution_id,
                    ward_id=ward_id,
                    team=team,
                    team_code=team_code,
                    solution=solution,
                    plan=plan,
                    target_id=target_id,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                    **content,
                )
            ],
            action="agree",
            at=at,
        )

    def report_solution_progress(
        self,
        solution_id: UUID,
        progress: tuple[str, str, str],
        ctx: CommandContext,
    ) -> Written:
        """Progress on a solution: (status, RAG, evidence)."""
        status, rag, evidence = progress
        if status not in STATUSES:
            raise InvalidCommand("status", f"one of {', '.join(STATUSES)}")
        if rag not in RAG:
            raise InvalidCommand("rag", f"one of {', '.join(RAG)}")
        return self._change(
            Solution,
            solution_id,
            ctx,
            lambda s: s.report(
                status=status,
                rag=rag,
                evidence=evidence,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="report",
        )

    def add_chain_link(self, target_id: UUID, link: dict[str, str], ctx: CommandContext) -> Written:
        """A link of the target's delivery chain: ``link_id``, ``role`` (department, district
        office, war room, ...), ``body``, its named ``owner`` and the ``indicator`` showing
        whether it works."""
        return self._change(
            Target,
            target_id,
            ctx,
            lambda t: t.add_link(link, ctx.occurred_at, ctx.actor),
            action="chain",
        )

    def remove_chain_link(
        self, target_id: UUID, link_id: str, reason: str, ctx: CommandContext
    ) -> Written:
        return self._change(
            Target,
            target_id,
            ctx,
            lambda t: t.remove_link(link_id, reason, ctx.occurred_at, ctx.actor),
            action="chain",
        )
