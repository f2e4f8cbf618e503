"""The seated bodies' events are defined once (``domain.bodies``) and nested in each aggregate:
their stored topics and fields are those the event store already holds, so old events load."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic

from domain.delivery.taskteam import TaskTeam
from domain.warrooms.model import WarRoom

FIELDS = {
    "MemberJoined": ["member_id", "name", "seat", "department"],
    "MemberLeft": ["member_id", "reason"],
    "MeetingHeld": [
        "meeting_id", "held_on", "attendee_member_ids", "departments_present",
        "households_discussed", "notes",
    ],
    "ActionItemAgreed": ["item_id", "text", "owner_member_id", "due_on", "meeting_id"],
    "ActionItemDone": ["item_id", "note"],
}  # fmt: skip
COMMON = ["originator_id", "originator_version", "timestamp", "occurred_at", "actor"]


@pytest.mark.parametrize(
    ("aggregate", "module"),
    [(WarRoom, "domain.warrooms.model"), (TaskTeam, "domain.delivery.taskteam")],
)
def test_each_bodys_events_keep_their_topics_and_fields(aggregate: type, module: str) -> None:
    for name, fields in FIELDS.items():
        cls = getattr(aggregate, name)
        assert get_topic(cls) == f"{module}:{aggregate.__name__}.{name}"
        assert issubclass(cls, aggregate.Event)
        assert list(cls.__dataclass_fields__) == [*COMMON, *fields]


def test_a_body_replays_from_its_events() -> None:
    now = datetime.now(UTC)
    team = TaskTeam(id=uuid4(), kind="LTT", code="KZN225", name="LTT", occurred_at=now, actor="a")
    team.join(member_id="m1", name="N", seat="chair", department=None, occurred_at=now, actor="a")
    team.agree_action_item(
        item_id="i1", text="Do", owner_member_id="m1", due_on=None, meeting_id=None,
        occurred_at=now, actor="a",
    )  # fmt: skip
    events = team.collect_events()

    replayed = None
    for e in events:
        replayed = e.mutate(replayed)

    assert isinstance(replayed, TaskTeam)
    assert replayed.is_seated("m1") and "i1" in replayed.action_items
    assert [type(e).__qualname__ for e in events[1:]] == [
        "TaskTeam.MemberJoined",
        "TaskTeam.ActionItemAgreed",
    ]
