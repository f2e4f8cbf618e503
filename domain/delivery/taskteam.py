"""The TaskTeam aggregate: a municipality's LTT, a district's DTT or the province's PTT.

It sits like a war room (``domain.bodies``): members in seats (department seats name their
department), meetings with attendance, action items with owners and dates. Its id follows
from its kind and area (``task_team_id``), so there is one of each.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain import bodies
from domain.base import SukumaAggregate
from domain.bodies import SeatedBody
from domain.errors import RuleViolation


class TaskTeam(SeatedBody, SukumaAggregate):
    """A task team: the escalation ladder's level 2 (LTT), 3 (DTT) or 4 (PTT)."""

    body = "task team"

    class Established(SukumaAggregate.Created):
        kind: str
        code: str
        name: str

    # The seated body's events (their fields: ``domain.bodies``), nested here so that their
    # stored topics name this aggregate (``<module>:<Aggregate>.MemberJoined``, ...).
    class MemberJoined(bodies.MemberJoined):
        pass

    class MemberLeft(bodies.MemberLeft):
        pass

    class MeetingHeld(bodies.MeetingHeld):
        pass

    class ActionItemAgreed(bodies.ActionItemAgreed):
        pass

    class ActionItemDone(bodies.ActionItemDone):
        pass

    class UserLinked(SukumaAggregate.Event):
        member_id: str
        username: str

    @event(Established)
    def __init__(
        self, *, id: UUID, kind: str, code: str, name: str, occurred_at: datetime, actor: str
    ) -> None:
        self.kind = kind
        self.code = code
        self.name = name
        self.members = {}
        self.meetings = []
        self.action_items = {}
        self.linked: dict[str, str] = {}  # member id -> the user who holds that seat

    @property
    def users(self) -> frozenset[str]:
        """The users in its seats now: they may run the team's routine (the policy's
        ``member_may``)."""
        return frozenset(u for m, u in self.linked.items() if self.is_seated(m))

    def link_user(self, member_id: str, username: str, occurred_at: datetime, actor: str) -> None:
        """Name the user who holds a member's seat (a later link replaces it)."""
        if not self.is_seated(member_id):
            raise RuleViolation("member-seated", f"member {member_id} is not seated here")
        self._user_linked(
            member_id=member_id, username=username, occurred_at=occurred_at, actor=actor
        )

    @event(UserLinked)
    def _user_linked(
        self, member_id: str, username: str, occurred_at: datetime, actor: str
    ) -> None:
        self.linked[member_id] = username

    # The appliers of domain.bodies' commands, bound to this aggregate's own events (the same
    # shapes as a war room's: what one records, the other does).

    _member_joined = event(MemberJoined)(SeatedBody._seat)
    _member_left = event(MemberLeft)(SeatedBody._unseat)
    _meeting_held = event(MeetingHeld)(SeatedBody._add_meeting)
    _action_item_agreed = event(ActionItemAgreed)(SeatedBody._add_action_item)
    _action_item_done = event(ActionItemDone)(SeatedBody._mark_done)
