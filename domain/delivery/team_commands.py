"""Task-team commands: establish the team of an area, then its seats, meetings and action
items, as a war room's (``domain.body_commands``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access.area import Location
from domain.access.policy import MEMBER_ACTIONS, member_may
from domain.access.principal import Principal
from domain.application import kind_of
from domain.body_commands import BodyCommands
from domain.context import CommandContext, Written
from domain.delivery.taskteam import TaskTeam
from domain.delivery.teams import check_team, owning_team, task_team_id, team_location
from domain.errors import NotFoundError
from domain.users.model import User, user_id


class TaskTeamCommands(BodyCommands):
    def establish_task_team(self, kind: str, code: str, name: str, ctx: CommandContext) -> Written:
        """Establish an area's task team; its id follows from its kind and area (one each)."""
        check_team(kind, code, field="kind")
        team_id = task_team_id(kind, code)
        return self._create(
            TaskTeam,
            team_id,
            ctx,
            {"kind": kind, "code": code, "name": name},
            lambda: [
                TaskTeam(
                    id=team_id,
                    kind=kind,
                    code=code,
                    name=name,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="establish",
            at=team_location(kind, code),
        )

    def add_task_team_member(
        self, team_id: UUID, member: tuple[UUID, str, str, str | None], ctx: CommandContext
    ) -> Written:
        """Seat a member: (id, name, seat, department)."""
        return self.seat_member(TaskTeam, team_id, member, ctx)

    def remove_task_team_member(
        self, team_id: UUID, member_id: str, reason: str | None, ctx: CommandContext
    ) -> Written:
        return self.unseat_member(TaskTeam, team_id, (member_id, reason), ctx)

    def hold_task_team_meeting(
        self,
        team_id: UUID,
        meeting: tuple[UUID, list[str], list[str], str | None],
        ctx: CommandContext,
    ) -> Written:
        """Record a meeting: (id, attendees, households discussed, notes)."""
        return self.record_meeting(TaskTeam, team_id, meeting, ctx)

    def agree_task_team_action(
        self,
        team_id: UUID,
        item: tuple[UUID, str, str | None, date | None, str | None],
        ctx: CommandContext,
    ) -> Written:
        """Agree an action item: (id, text, owner, due date, meeting)."""
        return self.agree_item(TaskTeam, team_id, item, ctx)

    def complete_task_team_action(
        self, team_id: UUID, item_id: str, note: str | None, ctx: CommandContext
    ) -> Written:
        return self.complete_item(TaskTeam, team_id, (item_id, note), ctx)

    def link_task_team_user(
        self, team_id: UUID, member_id: str, username: str, ctx: CommandContext
    ) -> Written:
        """Name the user who holds a seat: that user may then run the team's routine."""
        self.get(User, user_id(username))  # an existing user (404 otherwise)
        return self._change(
            TaskTeam,
            team_id,
            ctx,
            lambda t: t.link_user(member_id, username.strip().lower(), ctx.occurred_at, ctx.actor),
            action="member",
        )

    def _authorize(
        self,
        principal: Principal | None,
        cls: type[Aggregate],
        verb: str,
        target: Aggregate | Location,
    ) -> None:
        """The owning team's seated users may do what ``member_may`` says, besides the roles
        the policy gives in its area."""
        action = f"{kind_of(cls)}.{verb}"
        if (
            principal is not None
            and kind_of(cls) in MEMBER_ACTIONS
            and member_may(principal, action, self._team_users(target))
        ):
            return
        super()._authorize(principal, cls, verb, target)

    def _team_users(self, target: Aggregate | Location) -> frozenset[str]:
        """The users seated in the team that owns ``target`` (none if no team owns it)."""
        team = owning_team(target)
        if team is None:
            return frozenset()
        try:
            return self.get(TaskTeam, task_team_id(*team)).users
        except NotFoundError:
            return frozenset()
