"""Stocktakes and monthly notes (oss-domain.md §6): a task team reviews its own priorities,
the ratings agreed become the targets' ratings, actions are done once. No I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.context import CommandContext
from domain.delivery.model import Target
from domain.delivery.stocktake import Stocktake
from domain.errors import InvalidCommand, RuleViolation
from domain.sukuma import Sukuma

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def ctx(days: int = 0) -> CommandContext:
    return CommandContext(actor="nc", occurred_at=T0 + timedelta(days=days))


@pytest.fixture
def app(popo_app: Sukuma) -> Sukuma:
    return popo_app


def team_with_target(app: Sukuma, code: str = "KZN225") -> tuple[UUID, str, UUID, UUID]:
    team_id = app.establish_task_team("LTT", code, f"{code} LTT", ctx()).id
    chair = uuid4()
    app.add_task_team_member(team_id, (chair, "Chair", "chair", None), ctx())
    priority_id, target_id = uuid4(), uuid4()
    app.define_priority(
        priority_id=priority_id, title="Profiling", description=None, team="LTT",
        team_code=code, ctx=ctx(),
    )  # fmt: skip
    app.set_target(
        target_id=target_id, priority_id=priority_id, indicator="M1",
        area=("municipality", code), baseline=(0, date(2025, 12, 31)),
        target=(100, date(2026, 6, 30)), points=None, ctx=ctx(),
    )  # fmt: skip
    return team_id, str(chair), priority_id, target_id


def review(priority_id: UUID, target_id: UUID | None, **extra: Any) -> dict[str, Any]:
    return {
        "priority_id": str(priority_id),
        "target_id": None if target_id is None else str(target_id),
        "rating": 2,
        "problem_level": 3,
        "reason": "Behind in two wards",
        "decisions": ["Borrow field workers from the next ward"],
        "actions": [
            {"action_id": "a1", "text": "Plan", "owner": "DSD manager", "due_on": "2026-03-31"}
        ],
        **extra,
    }


def test_a_stocktake_rates_the_targets_it_reviews_and_its_actions_are_done_once(
    app: Sukuma,
) -> None:
    team_id, chair, priority_id, target_id = team_with_target(app)
    stocktake_id = uuid4()

    app.hold_stocktake(
        stocktake_id=stocktake_id, team_id=team_id, attendee_member_ids=[chair],
        reviews=[review(priority_id, target_id)], suggested={str(target_id): 1}, ctx=ctx(),
    )  # fmt: skip
    app.complete_stocktake_action(stocktake_id, "a1", "planned", ctx(1))

    rating = app.get(Target, target_id).ratings[-1]
    assert (rating.month, rating.rating, rating.problem_level, rating.proposed_rating) == (
        date(2026, 3, 1), 2, 3, 1,
    )  # fmt: skip
    assert app.get(Stocktake, stocktake_id).actions["a1"].done
    with pytest.raises(RuleViolation):
        app.complete_stocktake_action(stocktake_id, "a1", None, ctx(2))


def test_a_stocktake_reviews_only_its_team_priorities_with_seated_attendees(
    app: Sukuma,
) -> None:
    team_id, chair, priority_id, _ = team_with_target(app)
    _, _, other_priority, other_target = team_with_target(app, "KZN222")
    hold = {"stocktake_id": uuid4(), "team_id": team_id, "suggested": {}, "ctx": ctx()}

    with pytest.raises(InvalidCommand, match="this task team"):
        app.hold_stocktake(
            attendee_member_ids=[chair], reviews=[review(other_priority, None)], **hold
        )  # type: ignore[arg-type]
    with pytest.raises(InvalidCommand, match="this priority"):
        app.hold_stocktake(
            attendee_member_ids=[chair], reviews=[review(priority_id, other_target)], **hold
        )  # type: ignore[arg-type]
    with pytest.raises(RuleViolation):
        app.hold_stocktake(
            attendee_member_ids=[str(uuid4())], reviews=[review(priority_id, None)], **hold
        )  # type: ignore[arg-type]
    with pytest.raises(InvalidCommand):
        app.hold_stocktake(
            attendee_member_ids=[chair], reviews=[review(priority_id, None, rating=5)], **hold
        )  # type: ignore[arg-type]


def test_a_monthly_note_is_for_a_month_begun(app: Sukuma) -> None:
    _, _, priority_id, _ = team_with_target(app)

    app.write_priority_note(priority_id, date(2026, 3, 20), "Two wards behind", ctx())

    with pytest.raises(RuleViolation):
        app.write_priority_note(priority_id, date(2026, 4, 2), "Too early", ctx())
