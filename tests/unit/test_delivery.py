"""Priorities, targets and trajectories (oss-domain.md §6.2, §7.3 invariant 18), no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.access.policy import Decision, Forbidden, Location, decide
from domain.access.principal import Principal, Role
from domain.context import CommandContext
from domain.delivery.indicators import TARGET_INDICATORS
from domain.delivery.model import Target
from domain.delivery.rating import RatingThresholds, proposed_rating
from domain.delivery.teams import team_location
from domain.delivery.trajectory import linear, planned
from domain.errors import InvalidCommand, NotFoundError, RuleViolation
from domain.sukuma import Sukuma
from projections.delivery.actuals import METRICS

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def ctx(principal: Principal | None = None, days: int = 0) -> CommandContext:
    return CommandContext(
        actor="analyst", occurred_at=T0 + timedelta(days=days), principal=principal
    )


def analyst(*scopes: str) -> Principal:
    return Principal("u1", "nomsa", frozenset({Role.ANALYST}), frozenset(scopes))


@pytest.fixture
def app(popo_app: Sukuma) -> Sukuma:
    return popo_app


def priority(app: Sukuma, principal: Principal | None = None) -> str:
    priority_id = uuid4()
    app.define_priority(
        priority_id=priority_id,
        title="Every household profiled",
        description=None,
        team="LTT",
        team_code="KZN225",
        ctx=ctx(principal),
    )
    return str(priority_id)


def test_a_linear_trajectory_runs_monthly_from_the_baseline_and_ends_on_the_target() -> None:
    points = linear(100, date(2026, 1, 15), 700, date(2026, 6, 30))

    assert [p["month"] for p in points] == [f"2026-0{m}-01" for m in range(2, 7)]
    assert [p["value"] for p in points] == [220, 340, 460, 580, 700]
    assert planned(points, date(2026, 4, 1)) == 460
    assert planned(points, date(2026, 1, 1)) is None


def test_a_target_date_in_the_baseline_month_is_refused() -> None:
    with pytest.raises(InvalidCommand):
        linear(1, date(2026, 1, 1), 2, date(2026, 1, 31))


def test_every_target_indicator_has_its_monthly_formula() -> None:
    assert METRICS.keys() == TARGET_INDICATORS.keys()


def test_the_proposed_rating_follows_the_gap_to_trajectory() -> None:
    thresholds = RatingThresholds(amber_green=0.10, amber_red=0.25)

    assert proposed_rating(100, 120, thresholds) == 4
    assert proposed_rating(100, 100, thresholds) == 4
    assert proposed_rating(100, 91, thresholds) == 3
    assert proposed_rating(100, 80, thresholds) == 2
    assert proposed_rating(100, 74, thresholds) == 1


def test_a_target_keeps_its_first_trajectory_when_revised(app: Sukuma) -> None:
    target_id = uuid4()
    app.set_target(
        target_id=target_id,
        priority_id=UUID(priority(app)),
        indicator="M1",
        area=("ward", "KZN225-W001"),
        baseline=(0, date(2025, 12, 31)),
        target=(300, date(2026, 3, 31)),
        points=None,
        ctx=ctx(),
    )
    revised = [
        {"month": "2026-01-01", "value": 50},
        {"month": "2026-02-01", "value": 150},
        {"month": "2026-03-01", "value": 300},
    ]

    app.revise_trajectory(target_id, revised, "slow start in the holidays", ctx(days=1))

    target = app.get(Target, target_id)
    assert [p["value"] for p in target.trajectories[0]] == [100, 200, 300]
    assert [p["value"] for p in target.points] == [50, 150, 300]
    with pytest.raises(RuleViolation):
        app.revise_trajectory(target_id, revised, "again", ctx(days=2))


def test_a_trajectory_set_by_hand_must_end_on_the_target(app: Sukuma) -> None:
    with pytest.raises(InvalidCommand):
        app.set_target(
            target_id=uuid4(),
            priority_id=UUID(priority(app)),
            indicator="M1",
            area=("municipality", "KZN225"),
            baseline=(0, date(2025, 12, 31)),
            target=(300, date(2026, 2, 28)),
            points=[{"month": "2026-01-01", "value": 100}, {"month": "2026-02-01", "value": 250}],
            ctx=ctx(),
        )


def test_a_target_outside_its_team_area_or_on_an_unknown_indicator_is_refused(
    app: Sukuma,
) -> None:
    priority_id = UUID(priority(app))
    common = {
        "baseline": (0.0, date(2025, 12, 31)),
        "target": (10.0, date(2026, 6, 30)),
        "points": None,
        "ctx": ctx(),
    }
    with pytest.raises(InvalidCommand, match="outside"):
        app.set_target(
            target_id=uuid4(), priority_id=priority_id, indicator="M1",
            area=("municipality", "ETH"), **common,  # type: ignore[arg-type]
        )  # fmt: skip
    with pytest.raises(InvalidCommand, match="M9"):
        app.set_target(
            target_id=uuid4(), priority_id=priority_id, indicator="M9",
            area=("municipality", "KZN225"), **common,  # type: ignore[arg-type]
        )  # fmt: skip


def test_ratings_are_on_their_scales_and_for_a_month_begun(app: Sukuma) -> None:
    target_id = uuid4()
    app.set_target(
        target_id=target_id,
        priority_id=UUID(priority(app)),
        indicator="M5",
        area=("municipality", "KZN225"),
        baseline=(40, date(2025, 12, 31)),
        target=(80, date(2026, 6, 30)),
        points=None,
        ctx=ctx(),
    )
    rate = {"problem_level": 2, "reason": "departments slow", "proposed_rating": 2}

    app.rate_target(target_id=target_id, month=date(2026, 1, 1), rating=2, ctx=ctx(), **rate)  # type: ignore[arg-type]

    with pytest.raises(InvalidCommand):
        app.rate_target(target_id=target_id, month=date(2026, 1, 1), rating=5, ctx=ctx(), **rate)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation):
        app.rate_target(target_id=target_id, month=date(2026, 3, 1), rating=3, ctx=ctx(), **rate)  # type: ignore[arg-type]
    assert [r.rating for r in app.get(Target, target_id).ratings] == [2]


def test_analysts_of_the_team_area_define_priorities_and_others_are_refused(
    app: Sukuma,
) -> None:
    inside, outside = analyst("municipality:KZN225"), analyst("district:ETH")
    convener = Principal("u2", "sipho", frozenset({Role.CONVENER}), frozenset({"province:KZN"}))
    provincial = team_location("PTT", "KZN")

    priority_id = UUID(priority(app, inside))

    with pytest.raises(Forbidden):
        priority(app, outside)
    with pytest.raises(Forbidden):
        priority(app, convener)
    with pytest.raises(NotFoundError):
        app.read(Target, priority_id, outside)
    assert decide(convener, "target.read", provincial) is Decision.ALLOW
    assert decide(convener, "target.rate", provincial) is Decision.FORBIDDEN
    assert decide(inside, "priority.read", provincial) is Decision.INVISIBLE
    assert decide(analyst("province:KZN"), "target.set", Location(district="DC22")) is (
        Decision.ALLOW
    )
