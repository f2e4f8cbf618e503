"""Priorities and their targets: what a task team has committed to deliver, and by when.

A ``Priority`` is owned by a task team (an LTT, DTT or the PTT, by its area). Each ``Target``
of it sets one indicator for one area inside the team's area: a baseline, a target value and
date, and a trajectory, the monthly points expected on the way. Revising the trajectory adds a
revision and keeps the ones before it; a rating records, for a month, the likelihood of
delivery a person judged (with the reason) beside the one the gap to trajectory suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation


class Priority(SukumaAggregate):
    """A priority of a task team: a title and what it is about."""

    class Defined(SukumaAggregate.Created):
        title: str
        description: str | None
        team: str
        team_code: str

    class NoteWritten(SukumaAggregate.Event):
        month: date
        text: str

    @event(Defined)
    def __init__(
        self,
        *,
        id: UUID,
        title: str,
        description: str | None,
        team: str,
        team_code: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.title = title
        self.description = description
        self.team = team
        self.team_code = team_code

    def write_note(self, month: date, text: str, occurred_at: datetime, actor: str) -> None:
        """The month's delivery note (the routine between stocktakes); a later one of the same
        month supersedes it, and both stay in the record."""
        if month.day != 1:
            raise RuleViolation("note-month", "a note is for a month, named by its first day")
        if month > occurred_at.date():
            raise RuleViolation("note-not-ahead", "a month's note cannot come before it begins")
        self._note_written(month=month, text=text, occurred_at=occurred_at, actor=actor)

    @event(NoteWritten)
    def _note_written(self, month: date, text: str, occurred_at: datetime, actor: str) -> None:
        pass  # a record only: the priority's state does not change


@dataclass
class Rating:
    month: date
    rating: int
    problem_level: int
    proposed_rating: int | None


class Target(SukumaAggregate):
    """One indicator's target for one area, with its trajectory's revisions and ratings."""

    class Agreed(SukumaAggregate.Created):
        priority_id: UUID
        team: str
        team_code: str
        indicator: str
        level: str
        code: str
        baseline_value: float
        baseline_on: date
        target_value: float
        due_on: date
        points: list[dict[str, Any]]
        shape: str

    class TrajectoryRevised(SukumaAggregate.Event):
        revision: int
        points: list[dict[str, Any]]
        reason: str

    class ChainLinkAdded(SukumaAggregate.Event):
        link_id: str
        role: str
        body: str
        owner: str
        indicator: str

    class ChainLinkRemoved(SukumaAggregate.Event):
        link_id: str
        reason: str

    class LikelihoodRated(SukumaAggregate.Event):
        month: date
        rating: int
        problem_level: int
        reason: str
        proposed_rating: int | None

    @event(Agreed)
    def __init__(
        self,
        *,
        id: UUID,
        priority_id: UUID,
        team: str,
        team_code: str,
        indicator: str,
        level: str,
        code: str,
        baseline_value: float,
        baseline_on: date,
        target_value: float,
        due_on: date,
        points: list[dict[str, Any]],
        shape: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.priority_id = priority_id
        self.team = team
        self.team_code = team_code
        self.indicator = indicator
        self.level = level
        self.code = code
        self.baseline_value = baseline_value
        self.baseline_on = baseline_on
        self.target_value = target_value
        self.due_on = due_on
        self.trajectories: list[list[dict[str, Any]]] = [points]
        self.ratings: list[Rating] = []
        self.chain: set[str] = set()  # its delivery chain's links, by id

    @property
    def points(self) -> list[dict[str, Any]]:
        """The current trajectory (the latest revision)."""
        return self.trajectories[-1]

    def revise_trajectory(
        self, points: list[dict[str, Any]], reason: str, occurred_at: datetime, actor: str
    ) -> None:
        """Replace the trajectory from now on; the earlier ones stay in the record."""
        if points == self.points:
            raise RuleViolation("trajectory-changed", "the revision is the current trajectory")
        self._trajectory_revised(
            revision=len(self.trajectories),
            points=points,
            reason=reason,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(TrajectoryRevised)
    def _trajectory_revised(
        self,
        revision: int,
        points: list[dict[str, Any]],
        reason: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.trajectories.append(points)

    def rate(
        self,
        *,
        month: date,
        rating: int,
        problem_level: int,
        reason: str,
        proposed_rating: int | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record the likelihood of delivery judged for ``month`` (a later rating of the same
        month supersedes an earlier one, which stays in the record)."""
        if month.day != 1:
            raise RuleViolation("rating-month", "a rating is for a month, named by its first day")
        if month > occurred_at.date():
            raise RuleViolation("rating-not-ahead", "a month cannot be rated before it begins")
        self._likelihood_rated(
            month=month,
            rating=rating,
            problem_level=problem_level,
            reason=reason,
            proposed_rating=proposed_rating,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(LikelihoodRated)
    def _likelihood_rated(
        self,
        month: date,
        rating: int,
        problem_level: int,
        reason: str,
        proposed_rating: int | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.ratings.append(Rating(month, rating, problem_level, proposed_rating))

    def add_link(self, link: dict[str, str], occurred_at: datetime, actor: str) -> None:
        """A link of the delivery chain (role, body, named owner, indicator)."""
        if link["link_id"] in self.chain:
            raise RuleViolation("chain-link-unique", f"link {link['link_id']} is in the chain")
        self._chain_link_added(**link, occurred_at=occurred_at, actor=actor)

    @event(ChainLinkAdded)
    def _chain_link_added(
        self,
        link_id: str,
        role: str,
        body: str,
        owner: str,
        indicator: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.chain.add(link_id)

    def remove_link(self, link_id: str, reason: str, occurred_at: datetime, actor: str) -> None:
        if link_id not in self.chain:
            raise RuleViolation("chain-link-exists", f"link {link_id} is not in the chain")
        self._chain_link_removed(
            link_id=link_id, reason=reason, occurred_at=occurred_at, actor=actor
        )

    @event(ChainLinkRemoved)
    def _chain_link_removed(
        self, link_id: str, reason: str, occurred_at: datetime, actor: str
    ) -> None:
        self.chain.discard(link_id)
