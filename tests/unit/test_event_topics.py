"""Stored events name their class by topic (``module:Class``): a split must not change one.

The household's commands moved to mixins (``needs``, ``followup``, ``consent``); the events they
trigger must still be ``domain.households.model:Household.<Event>``, and an event stored under
that topic must still load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic

from domain.households.model import Household

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
HOUSEHOLD_EVENTS = (
    "Registered",
    "ProfileSubmitted",
    "RiskScored",
    "NeedIdentified",
    "NeedResolved",
    "NeedReferred",
    "NeedReferralEnded",
    "VisitRecorded",
    "InterventionDelivered",
    "Moved",
    "Graduated",
    "Reopened",
    "ConsentGiven",
    "ConsentWithdrawn",
    "PersonalDataErased",
    "ProfileMerged",
    "ProfileConflictRecorded",
    "ProfileConflictResolved",
    "FieldWorkerAssigned",
    "FieldWorkerUnassigned",
)
RISK = {"score": 0, "level": "low", "reasons": [], "flags": [], "rule_version": "risk-v1"}


def test_household_event_topics_are_those_already_stored() -> None:
    topics = {
        name: get_topic(value)
        for name, value in vars(Household).items()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and name not in ("Event", "Created")
    }
    assert topics == {
        name: f"domain.households.model:Household.{name}" for name in HOUSEHOLD_EVENTS
    }


def test_commands_in_the_mixins_trigger_the_stored_topics_and_reload() -> None:
    # Given a household that went through a command of each mixin
    household = Household(
        id=uuid4(),
        ward_id="KZN225-W001",
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        occurred_at=T0,
        actor="fw",
    )
    household.submit_profile(
        profile={"members": []},
        field_worker_id=None,
        facts={},
        risk=dict(RISK),
        occurred_at=T0,
        actor="fw",
    )
    household.identify_need(
        need_id="n1",
        category="water",
        severity="low",
        department="MUNI",
        occurred_at=T0,
        actor="fw",
    )
    household.record_visit(
        visit_id="v1",
        field_worker_id=None,
        outcome="seen",
        days_skipped_meal_last_7=None,
        note=None,
        occurred_at=T0,
        actor="fw",
    )
    household.deliver_intervention(
        intervention_id="i1",
        need_id="n1",
        referral_id=None,
        kind="water",
        provider="MUNI",
        description=None,
        occurred_at=T0,
        actor="fw",
    )
    household.give_consent(given_by="self", basis="form", note=None, occurred_at=T0, actor="fw")
    household.assign_field_worker("w1", occurred_at=T0, actor="convener")
    household.move("KZN225-W002", None, occurred_at=T0, actor="convener")
    household.release_field_worker("moved", occurred_at=T0, actor="convener")
    # When it is saved and loaded again
    app: Application[UUID] = Application()
    app.save(household)
    events = list(app.events.get(household.id))
    loaded: Household = app.repository.get(household.id)
    # Then every event carries the topic stored before the split, and the state is the same
    assert [get_topic(type(e)) for e in events] == [
        f"domain.households.model:Household.{name}"
        for name in (
            "Registered",
            "ProfileSubmitted",
            "RiskScored",
            "NeedIdentified",
            "VisitRecorded",
            "InterventionDelivered",
            "ConsentGiven",
            "FieldWorkerAssigned",
            "Moved",
            "FieldWorkerUnassigned",
        )
    ]
    assert loaded.needs == household.needs
    assert loaded.visits == household.visits
    assert loaded.has_consent
    assert (loaded.ward_id, loaded.field_worker_id) == ("KZN225-W002", None)
