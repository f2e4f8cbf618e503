"""Event handlers of the delivery projection: task teams, priorities and targets, a row each.

Handlers use ``occurred_at`` and the events' own fields, never the clock, so a rebuild yields
the same rows.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.delivery.model import Priority, Target
from domain.delivery.solution import Solution
from domain.delivery.stocktake import Stocktake
from domain.delivery.taskteam import TaskTeam
from domain.delivery.teams import TEAM_AREA
from domain.reference.geography import geography
from projections.base import BufferedProjection
from projections.bodies import EMPTY, seated_change
from projections.delivery.view import DeliveryView

CACHE_LIMIT = 50_000


def team_scope(team: str, team_code: str) -> dict[str, str | None]:
    """The scoping columns of a team's rows: its municipality and district, as far as it has
    them (a district's team has no municipality; the province's neither)."""
    level = TEAM_AREA[team]
    municipality = team_code if level == "municipality" else None
    district = (
        geography().municipality(team_code).district_code
        if municipality
        else team_code
        if level == "district"
        else None
    )
    return {"ward_id": None, "municipality": municipality, "district": district, "department": None}


#: Each table's aggregate.
_AGGREGATES: dict[str, type[Any]] = {
    "priorities": Priority,
    "targets": Target,
    "teams": TaskTeam,
    "stocktakes": Stocktake,
    "solutions": Solution,
}


class DeliveryProjection(BufferedProjection):
    name = "delivery"

    def __init__(self, view: DeliveryView) -> None:
        super().__init__(view)
        self.dv: DeliveryView = view
        # Rows by table, which later events change.
        self.cache: dict[str, dict[UUID, dict[str, Any]]] = {t: {} for t in _AGGREGATES}

    def prefetch(self, events: Sequence[Any]) -> None:
        for table, cls in _AGGREGATES.items():
            cached = self.cache[table]
            wanted = {
                e.originator_id
                for e in events
                if isinstance(e, cls.Event) and e.originator_version > 1
            }
            cached.update(self.dv.load(table, wanted - cached.keys()))

    def forget(self) -> None:
        for cached in self.cache.values():
            cached.clear()

    def cache_full(self) -> bool:
        return sum(len(c) for c in self.cache.values()) > CACHE_LIMIT

    def _change(self, table: str, e: Any, change: Callable[[dict[str, Any]], None]) -> None:
        row = self.cache[table].get(e.originator_id)
        if row is None:
            return
        change(row)
        row.update(version=e.originator_version, position=self.position)
        self.dv.changed[table][e.originator_id] = row

    def _target(self, e: Any, change: Callable[[dict[str, Any]], None]) -> None:
        self._change("targets", e, change)

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: TaskTeam.Established) -> None:
        self.cache["teams"][e.originator_id] = {
            "team_id": e.originator_id,
            "kind": e.kind,
            "code": e.code,
            "name": e.name,
            **team_scope(e.kind, e.code),
            "established_on": e.occurred_at.date(),
            **copy.deepcopy(EMPTY),
        }
        self._change("teams", e, lambda row: None)

    @handle.register
    def _(
        self,
        e: TaskTeam.MemberJoined
        | TaskTeam.MemberLeft
        | TaskTeam.MeetingHeld
        | TaskTeam.ActionItemAgreed
        | TaskTeam.ActionItemDone,
    ) -> None:
        self._change("teams", e, seated_change(e))

    @handle.register
    def _(self, e: TaskTeam.UserLinked) -> None:
        def change(row: dict[str, Any]) -> None:
            row["members"] = [
                {**m, "username": e.username} if m["member_id"] == e.member_id else m
                for m in row["members"]
            ]

        self._change("teams", e, change)

    @handle.register
    def _(self, e: Priority.Defined) -> None:
        self.cache["priorities"][e.originator_id] = {
            "priority_id": e.originator_id,
            "title": e.title,
            "description": e.description,
            "team": e.team,
            "team_code": e.team_code,
            **team_scope(e.team, e.team_code),
            "defined_on": e.occurred_at.date(),
            "notes": [],
        }
        self._change("priorities", e, lambda row: None)

    @handle.register
    def _(self, e: Priority.NoteWritten) -> None:
        note = {
            "month": e.month.isoformat(),
            "text": e.text,
            "written_on": e.occurred_at.date().isoformat(),
            "actor": e.actor,
        }
        self._change("priorities", e, lambda row: row.update(notes=[*row["notes"], note]))

    @handle.register
    def _(self, e: Stocktake.Held) -> None:
        actions = [
            {**a, "priority_id": r["priority_id"], "status": "open", "done_on": None}
            for r in e.reviews
            for a in r["actions"]
        ]
        self.cache["stocktakes"][e.originator_id] = {
            "stocktake_id": e.originator_id,
            "team_id": e.team_id,
            "team": e.team,
            "team_code": e.team_code,
            **team_scope(e.team, e.team_code),
            "held_on": e.held_on,
            "attendee_member_ids": e.attendee_member_ids,
            "reviews": e.reviews,
            "actions": actions,
        }
        self._change("stocktakes", e, lambda row: None)

    @handle.register
    def _(self, e: Stocktake.ActionDone) -> None:
        done = {"status": "done", "done_on": e.occurred_at.date().isoformat(), "note": e.note}

        def change(row: dict[str, Any]) -> None:
            row["actions"] = [
                {**a, **done} if a["action_id"] == e.action_id else a for a in row["actions"]
            ]

        self._change("stocktakes", e, change)

    @handle.register
    def _(self, e: Target.Agreed) -> None:
        self.cache["targets"][e.originator_id] = {
            "target_id": e.originator_id,
            "priority_id": e.priority_id,
            "team": e.team,
            "team_code": e.team_code,
            **team_scope(e.team, e.team_code),
            "indicator": e.indicator,
            "level": e.level,
            "code": e.code,
            "baseline_value": e.baseline_value,
            "baseline_on": e.baseline_on,
            "target_value": e.target_value,
            "due_on": e.due_on,
            "shape": e.shape,
            "points": e.points,
            "revisions": [
                {
                    "revision": 0,
                    "points": e.points,
                    "reason": None,
                    "revised_on": e.occurred_at.date().isoformat(),
                    "actor": e.actor,
                }
            ],
            "ratings": [],
            "chain": [],
            "agreed_on": e.occurred_at.date(),
        }
        self._target(e, lambda row: None)

    @handle.register
    def _(self, e: Target.TrajectoryRevised) -> None:
        revision = {
            "revision": e.revision,
            "points": e.points,
            "reason": e.reason,
            "revised_on": e.occurred_at.date().isoformat(),
            "actor": e.actor,
        }

        def change(row: dict[str, Any]) -> None:
            row["points"] = e.points
            row["revisions"] = [*row["revisions"], revision]

        self._target(e, change)

    @handle.register
    def _(self, e: Target.ChainLinkAdded) -> None:
        link = {
            "link_id": e.link_id,
            "role": e.role,
            "body": e.body,
            "owner": e.owner,
            "indicator": e.indicator,
            "added_on": e.occurred_at.date().isoformat(),
        }
        self._target(e, lambda row: row.update(chain=[*row["chain"], link]))

    @handle.register
    def _(self, e: Target.ChainLinkRemoved) -> None:
        def change(row: dict[str, Any]) -> None:
            row["chain"] = [link for link in row["chain"] if link["link_id"] != e.link_id]

        self._target(e, change)

    @handle.register
    def _(self, e: Solution.Agreed) -> None:
        if e.team is not None and e.team_code is not None:
            scope = team_scope(e.team, e.team_code)
        else:
            municipality, district, _ = geography().ancestors(e.ward_id or "")
            scope = {"ward_id": e.ward_id, "municipality": municipality, "district": district}
        self.cache["solutions"][e.originator_id] = {
            "solution_id": e.originator_id,
            "body": e.body,
            "body_id": e.body_id,
            "team": e.team,
            "team_code": e.team_code,
            "department": None,
            **scope,
            "problem": e.problem,
            "solution": e.solution,
            "plan": e.plan,
            "target_id": e.target_id,
            "status": "agreed",
            "rag": None,
            "progress": [],
            "agreed_on": e.occurred_at.date(),
        }
        self._change("solutions", e, lambda row: None)

    @handle.register
    def _(self, e: Solution.ProgressReported) -> None:
        report = {
            "status": e.status,
            "rag": e.rag,
            "evidence": e.evidence,
            "reported_on": e.occurred_at.date().isoformat(),
            "actor": e.actor,
        }

        def change(row: dict[str, Any]) -> None:
            row.update(status=e.status, rag=e.rag, progress=[*row["progress"], report])

        self._change("solutions", e, change)

    @handle.register
    def _(self, e: Target.LikelihoodRated) -> None:
        rating = {
            "month": e.month.isoformat(),
            "rating": e.rating,
            "problem_level": e.problem_level,
            "reason": e.reason,
            "proposed_rating": e.proposed_rating,
            "rated_on": e.occurred_at.date().isoformat(),
            "actor": e.actor,
        }
        self._target(e, lambda row: row.update(ratings=[*row["ratings"], rating]))
