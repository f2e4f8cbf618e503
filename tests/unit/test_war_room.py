"""WarRoom aggregate: seats, meetings and action items (oss-domain.md §7.3, 14–15), no I/O."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.errors import RuleViolation
from domain.warrooms.model import WarRoom, war_room_id

T0 = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
ACTOR = "secretary-thandi"
WARD = "KZN225-W004"


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


# ---- builders (Given) ----------------------------------------------------------------------------


def established() -> WarRoom:
    room = WarRoom(
        id=war_room_id(WARD),
        ward_id=WARD,
        name="Ward 4 war room",
        meeting_cadence_days=7,
        occurred_at=T0,
        actor=ACTOR,
    )
    room.collect_events()
    return room


def seated() -> WarRoom:
    """A room with a convener, a SASSA seat, a DOH seat and a field worker."""
    room = established()
    room.join(
        member_id="m-convener",
        name="Zanele",
        seat="convener",
        department=None,
        occurred_at=T0,
        actor=ACTOR,
    )
    room.join(
        member_id="m-sassa",
        name="SASSA official",
        seat="department",
        department="SASSA",
        occurred_at=T0,
        actor=ACTOR,
    )
    room.join(
        member_id="m-doh",
        name="Clinic sister",
        seat="department",
        department="DOH",
        occurred_at=T0,
        actor=ACTOR,
    )
    room.join(
        member_id="m-ccg",
        name="Nomvula",
        seat="field_worker",
        department=None,
        occurred_at=T0,
        actor=ACTOR,
    )
    room.collect_events()
    return room


def with_meeting(room: WarRoom) -> WarRoom:
    room.hold_meeting(
        meeting_id="meet-1",
        attendee_member_ids=["m-convener", "m-sassa"],
        households_discussed=[],
        notes=None,
        occurred_at=at(1),
        actor=ACTOR,
    )
    room.collect_events()
    return room


def emitted(room: WarRoom) -> list[type]:
    return [type(e) for e in room.collect_events()]


def assert_refused(room: WarRoom, rule: str, command: Callable[[], object]) -> None:
    """When the command runs, it raises the named rule and leaves state and events untouched."""
    before = copy.deepcopy(room.__dict__)
    version = room.version
    with pytest.raises(RuleViolation) as refused:
        command()
    assert refused.value.rule == rule
    assert room.version == version
    assert room.collect_events() == []
    assert room.__dict__ == before


# ---- identity -----------------------------------------------------------------------------------


def test_the_war_room_id_is_deterministic_per_ward() -> None:
    assert war_room_id(WARD) == war_room_id(WARD)
    assert isinstance(war_room_id(WARD), UUID)
    assert war_room_id(WARD).version == 5


def test_different_wards_have_different_war_room_ids() -> None:
    assert war_room_id("KZN225-W004") != war_room_id("KZN225-W005")
    assert war_room_id("ETH-W001") != war_room_id("KZN225-W001")


def test_establishing_a_war_room_records_its_ward_and_cadence() -> None:
    room = WarRoom(
        id=war_room_id(WARD),
        ward_id=WARD,
        name="Ward 4 war room",
        meeting_cadence_days=14,
        occurred_at=T0,
        actor=ACTOR,
    )

    events: list[Any] = list(room.collect_events())
    assert [type(e) for e in events] == [WarRoom.Established]
    assert (events[0].occurred_at, events[0].actor) == (T0, ACTOR)
    assert room.id == war_room_id(WARD)
    assert (room.ward_id, room.meeting_cadence_days) == (WARD, 14)
    assert room.established_on == T0.date()
    assert room.members == {} and room.meetings == [] and room.action_items == {}


# ---- seats --------------------------------------------------------------------------------------


def test_a_department_seat_counts_as_a_seated_department() -> None:
    room = established()

    room.join(
        member_id="m-sassa",
        name="SASSA official",
        seat="department",
        department="SASSA",
        occurred_at=T0,
        actor=ACTOR,
    )

    assert emitted(room) == [WarRoom.MemberJoined]
    assert room.members["m-sassa"].active
    assert room.seated_departments == {"SASSA"}


def test_a_department_seat_must_name_its_department() -> None:
    room = established()

    assert_refused(
        room,
        "department-seat",
        lambda: room.join(
            member_id="m-x",
            name="Someone",
            seat="department",
            department=None,
            occurred_at=T0,
            actor=ACTOR,
        ),
    )


def test_a_seated_member_cannot_join_twice() -> None:
    room = seated()

    assert_refused(
        room,
        "member-unique",
        lambda: room.join(
            member_id="m-ccg",
            name="Nomvula",
            seat="ngo",
            department=None,
            occurred_at=at(1),
            actor=ACTOR,
        ),
    )


def test_a_member_who_left_may_be_seated_again() -> None:
    room = seated()
    room.leave("m-ccg", "contract ended", at(1), ACTOR)
    room.collect_events()

    room.join(
        member_id="m-ccg",
        name="Nomvula",
        seat="field_worker",
        department=None,
        occurred_at=at(2),
        actor=ACTOR,
    )

    assert emitted(room) == [WarRoom.MemberJoined]
    assert room.members["m-ccg"].active


def test_leaving_unseats_the_member_and_their_department() -> None:
    room = seated()

    room.leave("m-sassa", None, at(1), ACTOR)

    assert emitted(room) == [WarRoom.MemberLeft]
    assert not room.members["m-sassa"].active
    assert room.seated_departments == {"DOH"}


@pytest.mark.parametrize("member_id", ["m-stranger", "m-gone"])
def test_only_a_seated_member_can_leave(member_id: str) -> None:
    room = seated()
    room.join(
        member_id="m-gone", name="Former", seat="ngo", department=None, occurred_at=T0, actor=ACTOR
    )
    room.leave("m-gone", None, T0, ACTOR)
    room.collect_events()

    assert_refused(room, "member-seated", lambda: room.leave(member_id, None, at(1), ACTOR))


# ---- meetings -----------------------------------------------------------------------------------


def test_a_meeting_records_attendance_and_the_departments_present() -> None:
    room = seated()

    room.hold_meeting(
        meeting_id="meet-1",
        attendee_member_ids=["m-convener", "m-sassa", "m-doh"],
        households_discussed=["h-1", "h-2"],
        notes="notes",
        occurred_at=at(1),
        actor=ACTOR,
    )

    events: list[Any] = list(room.collect_events())
    assert [type(e) for e in events] == [WarRoom.MeetingHeld]
    assert events[0].held_on == at(1).date()
    assert events[0].departments_present == ["DOH", "SASSA"]
    assert room.meetings[0].households_discussed == ["h-1", "h-2"]


@pytest.mark.parametrize("attendee", ["m-stranger", "m-gone"])
def test_attendance_lists_only_seated_members(attendee: str) -> None:
    room = seated()
    room.join(
        member_id="m-gone", name="Former", seat="ngo", department=None, occurred_at=T0, actor=ACTOR
    )
    room.leave("m-gone", None, T0, ACTOR)
    room.collect_events()

    assert_refused(
        room,
        "attendance-seated-members",
        lambda: room.hold_meeting(
            meeting_id="meet-1",
            attendee_member_ids=["m-convener", attendee],
            households_discussed=[],
            notes=None,
            occurred_at=at(1),
            actor=ACTOR,
        ),
    )


def test_a_meeting_cannot_be_recorded_twice() -> None:
    room = with_meeting(seated())

    assert_refused(
        room,
        "meeting-unique",
        lambda: room.hold_meeting(
            meeting_id="meet-1",
            attendee_member_ids=["m-convener"],
            households_discussed=[],
            notes=None,
            occurred_at=at(8),
            actor=ACTOR,
        ),
    )


# ---- action items -------------------------------------------------------------------------------


def test_an_action_item_is_agreed_with_a_seated_owner() -> None:
    room = with_meeting(seated())

    room.agree_action_item(
        item_id="ai-1",
        text="Visit the Mkhize household",
        owner_member_id="m-ccg",
        due_on=date(2025, 6, 9),
        meeting_id="meet-1",
        occurred_at=at(1),
        actor=ACTOR,
    )

    assert emitted(room) == [WarRoom.ActionItemAgreed]
    item = room.action_items["ai-1"]
    assert (item.owner_member_id, item.due_on, item.done) == ("m-ccg", date(2025, 6, 9), False)


def test_an_action_item_may_have_no_owner_and_no_meeting() -> None:
    room = established()

    room.agree_action_item(
        item_id="ai-1",
        text="Find a venue",
        owner_member_id=None,
        due_on=None,
        meeting_id=None,
        occurred_at=at(1),
        actor=ACTOR,
    )

    assert emitted(room) == [WarRoom.ActionItemAgreed]


@pytest.mark.parametrize("owner", ["m-stranger", "m-gone"])
def test_an_action_item_owner_must_be_seated(owner: str) -> None:
    room = seated()
    room.join(
        member_id="m-gone", name="Former", seat="ngo", department=None, occurred_at=T0, actor=ACTOR
    )
    room.leave("m-gone", None, T0, ACTOR)
    room.collect_events()

    assert_refused(
        room,
        "action-owner-seated",
        lambda: room.agree_action_item(
            item_id="ai-1",
            text="Do it",
            owner_member_id=owner,
            due_on=None,
            meeting_id=None,
            occurred_at=at(1),
            actor=ACTOR,
        ),
    )


def test_an_action_item_must_belong_to_a_recorded_meeting() -> None:
    room = seated()

    assert_refused(
        room,
        "action-meeting-exists",
        lambda: room.agree_action_item(
            item_id="ai-1",
            text="Do it",
            owner_member_id=None,
            due_on=None,
            meeting_id="meet-9",
            occurred_at=at(1),
            actor=ACTOR,
        ),
    )


def test_an_action_item_id_cannot_be_agreed_twice() -> None:
    room = seated()
    room.agree_action_item(
        item_id="ai-1",
        text="Do it",
        owner_member_id=None,
        due_on=None,
        meeting_id=None,
        occurred_at=at(1),
        actor=ACTOR,
    )
    room.collect_events()

    assert_refused(
        room,
        "action-item-unique",
        lambda: room.agree_action_item(
            item_id="ai-1",
            text="Again",
            owner_member_id=None,
            due_on=None,
            meeting_id=None,
            occurred_at=at(2),
            actor=ACTOR,
        ),
    )


def test_completing_an_action_item_marks_it_done() -> None:
    room = seated()
    room.agree_action_item(
        item_id="ai-1",
        text="Do it",
        owner_member_id="m-ccg",
        due_on=None,
        meeting_id=None,
        occurred_at=at(1),
        actor=ACTOR,
    )
    room.collect_events()

    room.complete_action_item("ai-1", "done on Tuesday", at(3), ACTOR)

    assert emitted(room) == [WarRoom.ActionItemDone]
    assert room.action_items["ai-1"].done


def test_an_action_item_cannot_be_completed_twice() -> None:
    room = seated()
    room.agree_action_item(
        item_id="ai-1",
        text="Do it",
        owner_member_id="m-ccg",
        due_on=None,
        meeting_id=None,
        occurred_at=at(1),
        actor=ACTOR,
    )
    room.complete_action_item("ai-1", None, at(3), ACTOR)
    room.collect_events()

    assert_refused(
        room,
        "action-item-done-once",
        lambda: room.complete_action_item("ai-1", None, at(4), ACTOR),
    )


def test_an_unknown_action_item_cannot_be_completed() -> None:
    room = seated()

    assert_refused(
        room,
        "action-item-exists",
        lambda: room.complete_action_item("ai-9", None, at(4), ACTOR),
    )
