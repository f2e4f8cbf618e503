"""Results and Delivery commands: define priorities, agree targets, revise and rate them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.access.area import Area
from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.delivery.indicators import check_indicator
from domain.delivery.model import Priority, Target
from domain.delivery.rating import PROBLEM_LEVELS, RATINGS, check_scale
from domain.delivery.teams import TEAM_AREA, check_team, team_location
from domain.delivery.trajectory import checked, linear
from domain.errors import InvalidCommand
from domain.reference.geography import geography


def _inside_team_area(team: str, team_code: str, level: str, code: str) -> None:
    """A target's area must be the team's or lie inside it."""
    if not geography().is_valid_scope(level, code):
        raise InvalidCommand("code", f"unknown {level} {code!r} (see GET /v1/geography)")
    team_level = TEAM_AREA[team]
    area = Area(
        province=team_level == "province",
        districts=frozenset({team_code}) if team_level == "district" else frozenset(),
        municipalities=frozenset({team_code}) if team_level == "municipality" else frozenset(),
    )
    if not area.contains(level, code):
        raise InvalidCommand("code", f"{level} {code} is outside the {team} {team_code}'s area")


class DeliveryCommands(ApplicationBase):
    def define_priority(
        self,
        *,
        priority_id: UUID,
        title: str,
        description: str | None,
        team: str,
        team_code: str,
        ctx: CommandContext,
    ) -> Written:
        """A task team's new priority (its id chosen by the client: a retry is a no-op)."""
        check_team(team, team_code)
        content = {"title": title, "description": description, "team": team, "team_code": team_code}
        return self._create(
            Priority,
            priority_id,
            ctx,
            content,
            lambda: [
                Priority(
                    id=priority_id,
                    title=title,
                    description=description,
                    team=team,
                    team_code=team_code,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="define",
            at=team_location(team, team_code),
        )

    def set_target(
        self,
        *,
        target_id: UUID,
        priority_id: UUID,
        indicator: str,
        area: tuple[str, str],
        baseline: tuple[float, date],
        target: tuple[float, date],
        points: list[dict[str, Any]] | None,
        ctx: CommandContext,
    ) -> Written:
        """Agree a target of a priority: ``area`` is (level, code), ``baseline`` and
        ``target`` (value, date); without ``points`` the trajectory is a straight line."""
        priority = self.read(Priority, priority_id, ctx.principal)
        check_indicator(indicator)
        level, code = area
        _inside_team_area(priority.team, priority.team_code, level, code)
        (baseline_value, baseline_on), (target_value, due_on) = baseline, target
        trajectory = (
            linear(baseline_value, baseline_on, target_value, due_on)
            if points is None
            else checked(points, baseline_on, target_value, due_on)
        )
        content: dict[str, Any] = {
            "priority_id": priority_id,
            "indicator": indicator,
            "level": level,
            "code": code,
            "baseline_value": baseline_value,
            "baseline_on": baseline_on,
            "target_value": target_value,
            "due_on": due_on,
        }
        return self._create(
            Target,
            target_id,
            ctx,
            content,
            lambda: [
                Target(
                    id=target_id,
                    team=priority.team,
                    team_code=priority.team_code,
                    points=trajectory,
                    shape="linear" if points is None else "set",
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                    **content,
                )
            ],
            action="set",
            at=team_location(priority.team, priority.team_code),
        )

    def revise_trajectory(
        self, target_id: UUID, points: list[dict[str, Any]], reason: str, ctx: CommandContext
    ) -> Written:
        """A new trajectory for a target (same baseline, target and date); the old is kept."""

        def command(target: Target) -> None:
            revised = checked(points, target.baseline_on, target.target_value, target.due_on)
            target.revise_trajectory(revised, reason, ctx.occurred_at, ctx.actor)

        return self._change(Target, target_id, ctx, command, action="revise")

    def rate_target(
        self,
        *,
        target_id: UUID,
        month: date,
        rating: int,
        problem_level: int,
        reason: str,
        proposed_rating: int | None,
        ctx: CommandContext,
    ) -> Written:
        """Record the likelihood of delivery (1 red .. 4 green) and the problem-solving level
        (1 nudge .. 4 crisis) judged for a month, beside the rating the gap suggested."""
        check_scale(rating, "rating", RATINGS)
        check_scale(problem_level, "problem_level", PROBLEM_LEVELS)
        return self._change(
            Target,
            target_id,
            ctx,
            lambda t: t.rate(
                month=month,
                rating=rating,
                problem_level=problem_level,
                reason=reason,
                proposed_rating=proposed_rating,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="rate",
        )
