"""The escalation ladder (no database): which level by which age, for referrals and alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.escalation import TOP_LEVEL, Ladder, overdue_from
from domain.referrals.model import Referral
from scheduler.rules.config import load_rules_file
from scheduler.rules.definitions import BY_ID, Match, raised_level
from tests.unit.test_referral import ACK_BY, DELIVER_BY, made

LADDER = Ladder()  # 3, 7 and 14 days at levels 1, 2 and 3
MISSED = overdue_from(ACK_BY)  # 2025-06-09 00:00 UTC
SYSTEM = "system:scheduler"
AGES = st.timedeltas(min_value=timedelta(days=-5), max_value=timedelta(days=400))
DAYS = st.lists(st.floats(min_value=0, max_value=60), min_size=3, max_size=3)


def days(n: float) -> timedelta:
    return timedelta(days=n)


# ---- the ladder ---------------------------------------------------------------------------------


def test_a_situation_climbs_after_3_then_7_then_14_days_at_each_level() -> None:
    reached = [LADDER.level_reached(days(n)) for n in (0, 2.9, 3, 9.9, 10, 23.9, 24, 331)]

    assert reached == [1, 1, 2, 2, 3, 3, 4, 4]
    assert LADDER.level_reached(days(6.9), start=2) == 2
    assert LADDER.level_reached(days(7), start=2) == 3
    assert LADDER.level_reached(days(21), start=2) == 4
    assert LADDER.level_reached(days(-1), start=3) == 3


@given(ladder=DAYS.map(Ladder.of), start=st.integers(1, TOP_LEVEL), a=AGES, b=AGES)
def test_the_level_reached_never_falls_as_age_grows_and_stays_on_the_ladder(
    ladder: Ladder, start: int, a: timedelta, b: timedelta
) -> None:
    younger, older = sorted((a, b))

    assert start <= ladder.level_reached(younger, start) <= ladder.level_reached(older, start)
    assert ladder.level_reached(older, start) <= TOP_LEVEL


@given(ladder=DAYS.map(Ladder.of), start=st.integers(1, TOP_LEVEL), age=AGES)
def test_a_level_is_reached_exactly_when_its_age_is(
    ladder: Ladder, start: int, age: timedelta
) -> None:
    level = ladder.level_reached(age, start)

    assert age < timedelta(0) or ladder.age_at(level, start) <= age
    assert level == TOP_LEVEL or age < ladder.age_at(level + 1, start)


def test_a_ladder_has_one_day_count_per_step() -> None:
    with pytest.raises(ValueError):
        Ladder.of([3, 7])
    with pytest.raises(ValueError):
        Ladder.of([3, -1, 14])


# ---- a referral follows it --------------------------------------------------------------------


def test_a_referral_on_time_stays_at_level_0() -> None:
    referral = made()

    referral.follow_ladder(LADDER, MISSED - timedelta(seconds=1), SYSTEM)

    assert referral.collect_events() == []
    assert referral.escalation_level == 0


def test_a_referral_331_days_overdue_catches_up_one_event_per_level_in_order() -> None:
    referral = made()
    now = MISSED + days(331.5)

    referral.follow_ladder(LADDER, now, SYSTEM)
    events = referral.collect_events()

    assert [(e.from_level, e.to_level) for e in events] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert all(isinstance(e, Referral.EscalatedOverdue) for e in events)
    assert {(e.standard, e.due, e.standard_version, e.days_overdue) for e in events} == {
        ("acknowledgement", ACK_BY, "standards-v1", 331)
    }
    assert {(e.actor, e.occurred_at) for e in events} == {(SYSTEM, now)}
    assert referral.escalation_level == 4


def test_following_the_ladder_again_changes_nothing() -> None:
    referral = made()
    referral.follow_ladder(LADDER, MISSED + days(4), SYSTEM)
    version = referral.version
    referral.collect_events()

    referral.follow_ladder(LADDER, MISSED + days(4), SYSTEM)
    referral.follow_ladder(LADDER, MISSED + days(9), SYSTEM)  # still level 2

    assert referral.collect_events() == []
    assert (referral.version, referral.escalation_level) == (version, 2)


def test_an_acknowledged_referral_climbs_by_its_delivery_standard() -> None:
    referral = made()
    referral.acknowledge(None, MISSED - days(2), "officer")
    referral.collect_events()

    referral.follow_ladder(LADDER, overdue_from(DELIVER_BY) + days(1.5), SYSTEM)
    events = referral.collect_events()

    assert [(e.to_level, e.standard, e.due) for e in events] == [(1, "delivery", DELIVER_BY)]
    assert events[0].days_overdue == 1


def test_a_manual_escalation_raises_the_level_further_and_the_ladder_never_lowers_it() -> None:
    referral = made()
    referral.follow_ladder(LADDER, MISSED + days(4), SYSTEM)  # level 2
    referral.escalate(3, "convener: no answer from SASSA", MISSED + days(5), "convener")
    with pytest.raises(RuleViolation):
        referral.escalate(3, "again", MISSED + days(6), "convener")
    referral.collect_events()

    referral.follow_ladder(LADDER, MISSED + days(12), SYSTEM)  # the ladder says 3: nothing
    unchanged = referral.collect_events()
    referral.follow_ladder(LADDER, MISSED + days(24), SYSTEM)  # the ladder says 4
    climbed = referral.collect_events()

    assert unchanged == []
    assert [(e.from_level, e.to_level) for e in climbed] == [(3, 4)]


@pytest.mark.parametrize("end", ["deliver", "cancel"])
def test_a_referral_delivered_or_ended_is_no_longer_overdue(end: str) -> None:
    referral = made()
    when = MISSED - days(2)
    referral.acknowledge(None, when, "officer")
    if end == "deliver":
        referral.deliver(
            intervention_id="iv", kind="grant", description=None, occurred_at=when, actor="o"
        )
    else:
        referral.cancel("not needed", when, "convener")
    referral.collect_events()

    referral.follow_ladder(LADDER, MISSED + days(100), SYSTEM)

    assert referral.collect_events() == []


# ---- a new alert starts where the ladder has reached ------------------------------------------

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)
CONFIG = load_rules_file()
SCOPE = {"ward_id": "W", "municipality": "M", "district": "D", "department": None}


def start_level(rule_id: str, since: datetime, param: int = 0, **facts: object) -> int:
    rule, cfg = BY_ID[rule_id], CONFIG.rules[rule_id]
    match = Match("s", since, param, SCOPE, dict(facts))
    return raised_level(rule, match, rule.decide(match, NOW, cfg), NOW, cfg, LADDER)


def test_an_alert_for_a_referral_331_days_overdue_starts_at_the_top() -> None:
    assert start_level("EW-01", NOW - days(331), category="social_grant") == 4
    assert start_level("EW-01", NOW - days(1), category="social_grant") == 1
    assert start_level("EW-01", NOW - days(5), category="social_grant") == 2
    assert start_level("EW-01", NOW - days(1), category="child_protection") == 2
    assert start_level("EW-01", NOW - days(8), category="child_protection") == 3
    assert start_level("EW-02", NOW - days(12)) == 3


def test_an_alert_counts_its_age_from_when_its_rule_began_to_hold() -> None:
    # EW-06 holds 30 days after the last visit; EW-08 after max(14, 2 x cadence) days
    assert start_level("EW-06", NOW - days(32)) == 1
    assert start_level("EW-06", NOW - days(40)) == 3
    assert start_level("EW-08", NOW - days(20), param=7) == 2  # held 6 days
    assert start_level("EW-08", NOW - days(30), param=14) == 2  # held 2 days, 2 at 28 days


def test_an_alert_that_rises_with_age_starts_where_it_would_have_been_raised() -> None:
    # EW-05 holds after 14 days at level 2 (3 at 30 days): raised at day 14, unacknowledged,
    # it would be at 3 from day 21 and at 4 from day 35
    assert start_level("EW-05", NOW - days(15)) == 2
    assert start_level("EW-05", NOW - days(31)) == 3
    assert start_level("EW-05", NOW - days(35)) == 4


def test_an_alert_whose_situation_has_no_known_start_starts_at_its_rules_level() -> None:
    from projections.early_warning.clocks import NEVER

    assert start_level("EW-06", NEVER) == 1  # high risk, never visited
    assert start_level("EW-10", NOW - days(28)) == 3  # a rolling window, not an age
    assert start_level("EW-11", NOW - days(80)) == 2  # since graduation, not regression
