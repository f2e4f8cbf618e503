"""Stocktake and routine commands: hold a task team's stocktake over its priorities (rating
the targets reviewed as agreed there), complete its actions, write a priority's monthly note."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.delivery.model import Priority, Target
from domain.delivery.rating import PROBLEM_LEVELS, RATINGS, check_scale
from domain.delivery.stocktake import Stocktake
from domain.delivery.taskteam import TaskTeam
from domain.delivery.teams import team_location
from domain.delivery.trajectory import month_of
from domain.errors import InvalidCommand, RuleViolation


class StocktakeCommands(ApplicationBase):
    def hold_stocktake(
        self,
        *,
        stocktake_id: UUID,
        team_id: UUID,
        attendee_member_ids: list[str],
        reviews: list[dict[str, Any]],
        suggested: dict[str, int | None],
        ctx: CommandContext,
    ) -> Written:
        """Record a stocktake: ``reviews`` as ``Stocktake.Held`` keeps them; each reviewed
        target is rated for the month as agreed, ``suggested`` beside it (by target id)."""
        team = self.read(TaskTeam, team_id, ctx.principal)
        strangers = [m for m in attendee_member_ids if not team.is_seated(m)]
        if strangers:
            raise RuleViolation(
                "attendance-seated-members", f"not seated in this task team: {', '.join(strangers)}"
            )
        self._check_reviews(team, reviews)
        month = month_of(ctx.occurred_at.date())

        def build() -> list[Aggregate]:
            targets = []
            for review in reviews:
                if review["target_id"] is None:
                    continue
                target = self.get(Target, UUID(review["target_id"]))
                target.rate(
                    month=month,
                    rating=review["rating"],
                    problem_level=review["problem_level"],
                    reason=review["reason"],
                    proposed_rating=suggested.get(review["target_id"]),
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
                targets.append(target)
            stocktake = Stocktake(
                id=stocktake_id,
                team_id=team_id,
                team=team.kind,
                team_code=team.code,
                held_on=ctx.occurred_at.date(),
                attendee_member_ids=attendee_member_ids,
                reviews=reviews,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )
            return [stocktake, *targets]

        return self._create(
            Stocktake,
            stocktake_id,
            ctx,
            {"team_id": team_id, "reviews": reviews},
            build,
            action="hold",
            at=team_location(team.kind, team.code),
        )

    def _check_reviews(self, team: TaskTeam, reviews: list[dict[str, Any]]) -> None:
        """Each review is of one of the team's priorities (once), and of one of its targets."""
        if not reviews:
            raise InvalidCommand("reviews", "a stocktake reviews at least one priority")
        seen: set[str] = set()
        for n, review in enumerate(reviews):
            field = f"reviews.{n}"
            check_scale(review["rating"], f"{field}.rating", RATINGS)
            check_scale(review["problem_level"], f"{field}.problem_level", PROBLEM_LEVELS)
            priority = self.get(Priority, UUID(review["priority_id"]))
            if (priority.team, priority.team_code) != (team.kind, team.code):
                raise InvalidCommand(f"{field}.priority_id", "not a priority of this task team")
            key = f"{review['priority_id']}:{review['target_id']}"
            if key in seen:
                raise InvalidCommand(field, "each priority (and target) is reviewed once")
            seen.add(key)
            target_id = review["target_id"]
            if target_id is not None and self.get(Target, UUID(target_id)).priority_id != (
                priority.id
            ):
                raise InvalidCommand(f"{field}.target_id", "not a target of this priority")

    def complete_stocktake_action(
        self, stocktake_id: UUID, action_id: str, note: str | None, ctx: CommandContext
    ) -> Written:
        return self._change(
            Stocktake,
            stocktake_id,
            ctx,
            lambda s: s.complete_action(action_id, note, ctx.occurred_at, ctx.actor),
            action="action",
        )

    def write_priority_note(
        self, priority_id: UUID, month: date, text: str, ctx: CommandContext
    ) -> Written:
        """The month's delivery note on a priority."""
        return self._change(
            Priority,
            priority_id,
            ctx,
            lambda p: p.write_note(month_of(month), text, ctx.occurred_at, ctx.actor),
            action="note",
        )
