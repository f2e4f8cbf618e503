"""The profile's and the needs' commands trigger their events by class (``trigger_event``), not
through the decorated appliers (import10): the events are those the decorated calls record,
byte for byte as stored, and replaying them makes the same household."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.households.model import Household
from tests.factories import make_profile
from tests.unit.test_transcoder import ORJSON_MAPPER

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
RISK: dict[str, Any] = {
    "score": 35,
    "level": "medium",
    "reasons": ["no income in the household (+20)"],
    "flags": ["no-income"],
    "rule_version": "risk-v2",
}
NEED: dict[str, Any] = {
    "need_id": "n-1",
    "category": "food",
    "severity": "high",
    "department": "DSD",
    "member_id": None,
    "source": "needs-v1",
    "source_item": "members[0].meals",
    "note": "meals skipped on 5 of the last 7 days",
}


def recorded(by_class: bool) -> tuple[Household, list[Aggregate.Event]]:
    """One household profiled and given a need: by the commands, or by calling the decorated
    appliers (as the commands did before)."""
    household = Household(
        id=HOUSEHOLD,
        ward_id="KZN225-W001",
        dwelling_type="formal",
        village="KwaMpumuza",
        gps=None,
        field_worker_id=None,
        occurred_at=T0,
        actor="a",
    )
    profile = dict(PROFILE)
    when = {"occurred_at": T0, "actor": "a"}
    if by_class:
        household.submit_profile(
            profile=profile, field_worker_id=None, facts={"disability": 1}, risk=RISK, **when
        )
        household.identify_need(**NEED, **when)
    else:
        household._profile_submitted(  # type: ignore[call-arg]
            profile=profile, field_worker_id=None, facts={"disability": 1}, **when
        )
        household._risk_scored(**RISK, **when)  # type: ignore[call-arg]
        household._need_identified(**NEED, **when)  # type: ignore[call-arg]
    return household, household.collect_events()


HOUSEHOLD = uuid4()
PROFILE = make_profile()


def test_the_commands_record_the_events_the_decorated_calls_recorded() -> None:
    (new, new_events), (old, old_events) = recorded(True), recorded(False)

    assert [type(e) for e in new_events] == [type(e) for e in old_events]
    for mine, theirs in zip(new_events, old_events, strict=True):
        object.__setattr__(mine, "timestamp", theirs.timestamp)  # the only difference
        assert ORJSON_MAPPER.to_stored_event(mine) == ORJSON_MAPPER.to_stored_event(theirs)
    same = {k: v for k, v in vars(new).items() if k not in ("_modified_on", "_created_on")}
    assert same == {k: v for k, v in vars(old).items() if k not in ("_modified_on", "_created_on")}


def test_replaying_the_events_makes_the_same_household() -> None:
    household, events = recorded(True)

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert replayed.profile == household.profile and replayed.risk == household.risk
    assert replayed.needs == household.needs and replayed.version == household.version
