"""The Stocktake aggregate: a task team's meeting over its priorities (oss-domain.md §6.1).

A stocktake arrives at a shared view of progress and commits to next steps: for each priority
reviewed, the rating agreed (1 red .. 4 green) and the problem-solving level (1 nudge .. 4
crisis) with the reason, the decisions, and actions with an owner and a date. Actions are done
later, once each; one past its date is an early warning (EW-14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation


@dataclass
class StocktakeAction:
    action_id: str
    owner: str
    due_on: date
    done: bool = False


class Stocktake(SukumaAggregate):
    """One stocktake of a task team, with what it reviewed and agreed."""

    class Held(SukumaAggregate.Created):
        team_id: UUID
        team: str
        team_code: str
        held_on: date
        attendee_member_ids: list[str]
        reviews: list[dict[str, Any]]

    class ActionDone(SukumaAggregate.Event):
        action_id: str
        note: str | None

    @event(Held)
    def __init__(
        self,
        *,
        id: UUID,
        team_id: UUID,
        team: str,
        team_code: str,
        held_on: date,
        attendee_member_ids: list[str],
        reviews: list[dict[str, Any]],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.team_id = team_id
        self.team = team
        self.team_code = team_code
        self.held_on = held_on
        self.actions = {
            a["action_id"]: StocktakeAction(
                a["action_id"], a["owner"], date.fromisoformat(a["due_on"])
            )
            for review in reviews
            for a in review["actions"]
        }

    def complete_action(
        self, action_id: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        action = self.actions.get(action_id)
        if action is None:
            raise RuleViolation("action-item-exists", f"action {action_id} was not agreed here")
        if action.done:
            raise RuleViolation("action-item-done-once", f"action {action_id} is already done")
        self._action_done(action_id=action_id, note=note, occurred_at=occurred_at, actor=actor)

    @event(ActionDone)
    def _action_done(
        self, action_id: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.actions[action_id].done = True
