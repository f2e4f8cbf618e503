"""Task teams (LTT, DTT, PTT): one per area, seated like a war room (domain.bodies), no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.access.policy import Forbidden
from domain.access.principal import Principal, Role
from domain.context import CommandContext
from domain.delivery.taskteam import TaskTeam
from domain.delivery.teams import TEAM_LEVEL, task_team_id
from domain.errors import AlreadyExists, InvalidCommand, NotFoundError, RuleViolation
from domain.escalation import LADDER
from domain.sukuma import Sukuma

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def ctx(days: int = 0, principal: Principal | None = None) -> CommandContext:
    return CommandContext(actor="nc", occurred_at=T0 + timedelta(days=days), principal=principal)


@pytest.fixture
def app(popo_app: Sukuma) -> Sukuma:
    return popo_app


def test_each_team_stands_at_its_ladder_level() -> None:
    assert {LADDER[level] for level in TEAM_LEVEL.values()} == {"LTT", "DTT", "province"}
    assert TEAM_LEVEL == {"LTT": 2, "DTT": 3, "PTT": 4}


def test_one_team_per_area_and_only_its_kind_of_area(app: Sukuma) -> None:
    written = app.establish_task_team("LTT", "KZN225", "Msunduzi LTT", ctx())

    assert written.id == task_team_id("LTT", "KZN225")
    assert app.establish_task_team("LTT", "KZN225", "Msunduzi LTT", ctx()).id == written.id
    with pytest.raises(AlreadyExists):
        app.establish_task_team("LTT", "KZN225", "Another", ctx())
    with pytest.raises(InvalidCommand):
        app.establish_task_team("DTT", "KZN225", "Not a district", ctx())


def test_a_task_team_sits_as_a_war_room_does(app: Sukuma) -> None:
    team_id = app.establish_task_team("DTT", "DC22", "uMgungundlovu DTT", ctx()).id
    chair, dsd, stranger = uuid4(), uuid4(), uuid4()
    app.add_task_team_member(team_id, (chair, "Mayor's office", "chair", None), ctx())
    app.add_task_team_member(team_id, (dsd, "DSD district director", "department", "DSD"), ctx())
    meeting = uuid4()

    app.hold_task_team_meeting(team_id, (meeting, [str(chair), str(dsd)], [], "notes"), ctx(1))
    app.hold_task_team_meeting(team_id, (meeting, [str(chair), str(dsd)], [], "notes"), ctx(1))
    item = uuid4()
    app.agree_task_team_action(team_id, (item, "Unblock IDs", str(dsd), None, str(meeting)), ctx(1))
    app.complete_task_team_action(team_id, str(item), None, ctx(2))

    team = app.get(TaskTeam, team_id)
    assert [m.departments_present for m in team.meetings] == [["DSD"]]
    assert team.action_items[str(item)].done
    with pytest.raises(RuleViolation, match="task team"):
        app.hold_task_team_meeting(team_id, (uuid4(), [str(stranger)], [], None), ctx(3))
    with pytest.raises(RuleViolation):
        app.complete_task_team_action(team_id, str(item), None, ctx(3))
    with pytest.raises(RuleViolation):
        app.add_task_team_member(team_id, (uuid4(), "No department", "department", None), ctx())


def test_analysts_of_the_area_establish_its_team_conveners_read_it(app: Sukuma) -> None:
    analyst = Principal("u1", "nc", frozenset({Role.ANALYST}), frozenset({"district:DC22"}))
    convener = Principal("u2", "cv", frozenset({Role.CONVENER}), frozenset({"district:DC22"}))

    team_id = app.establish_task_team("LTT", "KZN225", "Msunduzi LTT", ctx(0, analyst)).id

    assert app.read(TaskTeam, team_id, convener).code == "KZN225"
    with pytest.raises(Forbidden):
        app.establish_task_team("LTT", "KZN222", "uMngeni LTT", ctx(0, convener))
    with pytest.raises(Forbidden):
        app.establish_task_team("PTT", "KZN", "PTT", ctx(0, analyst))


def test_a_user_in_a_team_seat_runs_its_routine_until_the_seat_is_left(app: Sukuma) -> None:
    team_id = app.establish_task_team("LTT", "KZN225", "Msunduzi LTT", ctx()).id
    seat = uuid4()
    app.add_task_team_member(team_id, (seat, "Municipal manager", "chair", None), ctx())
    app.add_user(
        username="mm.msunduzi", roles=[], scopes=[], password_hash="x", ctx=ctx()
    )  # no role and no scope: the seat alone
    manager = Principal("u9", "mm.msunduzi", frozenset(), frozenset())
    define = {"title": "Profiling", "description": None, "team": "LTT", "team_code": "KZN225"}

    with pytest.raises(Forbidden):
        app.define_priority(priority_id=uuid4(), ctx=ctx(0, manager), **define)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        app.link_task_team_user(team_id, str(seat), "nobody", ctx())
    app.link_task_team_user(team_id, str(seat), "mm.msunduzi", ctx())
    priority_id = uuid4()
    app.define_priority(priority_id=priority_id, ctx=ctx(0, manager), **define)  # type: ignore[arg-type]
    app.write_priority_note(priority_id, date(2026, 1, 1), "Started", ctx(1, manager))
    with pytest.raises(Forbidden):  # not its team's
        app.define_priority(
            priority_id=uuid4(),
            ctx=ctx(0, manager),
            **{**define, "team_code": "KZN222"},  # type: ignore[arg-type]
        )
    app.remove_task_team_member(team_id, str(seat), "moved on", ctx(2))
    with pytest.raises(NotFoundError):  # out of the seat, and no scope: not even seen
        app.write_priority_note(priority_id, date(2026, 1, 1), "Again", ctx(3, manager))
