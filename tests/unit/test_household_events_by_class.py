"""The profile's and the needs' commands trigger their events by class (``trigger_event``), not
through the decorated appliers (import10), and those events apply themselves (import13: the
appliers are no longer decorated): the events are those the decorated calls recorded, byte
for byte as stored (pinned below from the decorated appliers' events), and replaying them
makes the same household."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

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


def recorded() -> tuple[Household, list[Aggregate.Event]]:
    """One household profiled and given a need by the commands."""
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
    household.submit_profile(
        profile=profile, field_worker_id=None, facts={"disability": 1}, risk=RISK, **when
    )
    household.identify_need(**NEED, **when)
    return household, household.collect_events()


HOUSEHOLD = UUID("3f0c1d9e-5a7b-4c2e-9d10-6b8e2f4a7c31")
# Fixed member ids and no ID numbers: the stored bytes are pinned below.
PROFILE = {
    **make_profile(),
    "members": [
        {**m, "member_id": f"m{n}", "id_number": None}
        for n, m in enumerate(make_profile()["members"])
    ],
}
#: sha256 of the four events' topics, versions and stored states (timestamps set to T0) as the
#: decorated appliers ``_profile_submitted``, ``_risk_scored`` and ``_need_identified``
#: recorded them (main at a852dd6, before they applied themselves).
DECORATED_APPLIERS_DIGEST = "a18d7f7d6b6f968fad2e2abbab089eb3df93beb1c3841eda67339887cee28b38"


def test_the_commands_record_the_events_the_decorated_calls_recorded() -> None:
    household, events = recorded()

    assert [type(e).__qualname__ for e in events] == [
        "Household.Registered", "Household.ProfileSubmitted", "Household.RiskScored",
        "Household.NeedIdentified",
    ]  # fmt: skip
    digest = hashlib.sha256()
    for event in events:
        object.__setattr__(event, "timestamp", T0)  # the only difference between runs
        stored = ORJSON_MAPPER.to_stored_event(event)
        digest.update(stored.topic.encode())
        digest.update(str(stored.originator_version).encode())
        digest.update(stored.state)
    assert digest.hexdigest() == DECORATED_APPLIERS_DIGEST
    # The state the decorated appliers made of them.
    assert household.profile == PROFILE and household.profile_facts == {"disability": 1}
    assert household.risk == {**RISK, "assessed_at": T0}
    assert (household.status, household.profiles_submitted, household.profile_at) == (
        "active", 1, T0,
    )  # fmt: skip
    assert household.first_profiled_on == household.last_profiled_on == date(2025, 6, 1)
    need = household.needs["n-1"]
    assert (need.category, need.severity, need.department, need.source, need.identified_on) == (
        "food", "high", "DSD", "needs-v1", date(2025, 6, 1),
    )  # fmt: skip


def test_replaying_the_events_makes_the_same_household() -> None:
    household, events = recorded()

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert replayed.profile == household.profile and replayed.risk == household.risk
    assert replayed.needs == household.needs and replayed.version == household.version
