"""Property tests: random command sequences keep the aggregates' invariants (oss-domain §7.3).

Each step runs one command. It either applies (and its events are collected) or raises
RuleViolation and leaves the aggregate exactly as it was: same state, same version, nothing
pending. At the end, replaying the collected events rebuilds an equal aggregate.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.application import replay
from domain.base import SukumaAggregate
from domain.errors import RuleViolation
from domain.escalation import TOP_LEVEL, Ladder
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.vocabulary import TERMINAL_REFERRAL_STATUSES, HouseholdStatus, ReferralStatus

S = ReferralStatus
T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
ACTOR = "property-tester"
PROPERTY_SETTINGS = settings(max_examples=150, stateful_step_count=30, deadline=None)


def replayed(events: Sequence[Any]) -> SukumaAggregate | None:
    """Rebuild an aggregate from its events with the projector the application loads with."""
    aggregate: SukumaAggregate | None = replay(None, events)
    return aggregate


class AggregateMachine(RuleBasedStateMachine):
    """Runs commands on ``self.aggregate``; a refused command must change nothing."""

    aggregate: SukumaAggregate

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.history: list[Any] = []

    def tick(self) -> datetime:
        self.now += timedelta(hours=7)
        return self.now

    def attempt(self, command: Callable[[], None]) -> list[Any] | None:
        """Run the command: its new events, or None when it was refused."""
        before = copy.deepcopy(self.aggregate.__dict__)
        version = self.aggregate.version
        try:
            command()
        except RuleViolation as refused:
            assert refused.rule, "every refusal names its rule"
            assert self.aggregate.version == version
            assert self.aggregate.collect_events() == []
            assert self.aggregate.__dict__ == before
            return None
        events: list[Any] = list(self.aggregate.collect_events())
        assert self.aggregate.version == version + len(events)
        for e in events:
            assert e.actor == ACTOR and e.occurred_at == self.now
        self.history.extend(events)
        return events

    def teardown(self) -> None:
        rebuilt = replayed(self.history)
        assert rebuilt == self.aggregate  # Aggregate.__eq__ compares __dict__
        assert rebuilt is not None and rebuilt.__dict__ == self.aggregate.__dict__


# ---- Referral ---------------------------------------------------------------------------------

LIVE: set[str] = {S.MADE, S.ACKNOWLEDGED, S.SERVICE_DELIVERED, S.VERIFIED, S.DISPUTED}
# event type -> (statuses it may follow, status it leads to; None keeps the status)
REFERRAL_GRAPH: dict[type, tuple[set[str], str | None]] = {
    Referral.Acknowledged: ({S.MADE}, S.ACKNOWLEDGED),
    Referral.Rejected: ({S.MADE, S.ACKNOWLEDGED}, S.REJECTED),
    Referral.Reassigned: ({S.MADE, S.ACKNOWLEDGED}, S.MADE),
    Referral.Escalated: (LIVE, None),
    Referral.ServiceDelivered: ({S.ACKNOWLEDGED}, S.SERVICE_DELIVERED),
    Referral.DeliveryVerified: ({S.SERVICE_DELIVERED}, S.VERIFIED),
    Referral.DeliveryDisputed: ({S.SERVICE_DELIVERED}, S.DISPUTED),
    Referral.Reopened: ({S.DISPUTED}, S.ACKNOWLEDGED),
    Referral.Closed: ({S.VERIFIED}, S.CLOSED),
    Referral.Cancelled: ({S.MADE, S.ACKNOWLEDGED}, S.CANCELLED),
}
TERMINAL_EVENTS = (Referral.Closed, Referral.Rejected, Referral.Cancelled)
DEPARTMENTS = st.sampled_from(["SASSA", "DSD", "DHA"])
NOTES = st.sampled_from([None, "", "note"])
DUE = st.dates(min_value=date(2025, 6, 1), max_value=date(2025, 12, 31))


class ReferralMachine(AggregateMachine):
    """Random referral commands; a model of the lifecycle graph says which must succeed."""

    def __init__(self) -> None:
        super().__init__()
        self.aggregate = self.referral = Referral(
            id=uuid4(),
            household_id=str(uuid4()),
            need_id="need-1",
            category="social_grant",
            severity="high",
            from_ward_id="KZN225-W001",
            department="SASSA",
            ack_by=date(2025, 6, 8),
            deliver_by=date(2025, 7, 1),
            standard_version="standards-v1",
            personal_data_shared=False,
            note=None,
            occurred_at=self.now,
            actor=ACTOR,
            consent_override_reason=None,
        )
        self.history.extend(self.referral.collect_events())
        self.highest_level = 0
        self.due = (self.referral.ack_by, self.referral.deliver_by)

    def run(self, allowed: bool, command: Callable[[], None]) -> None:
        """Run a command the model says is ``allowed`` (or not) and check the transition."""
        status = self.referral.status
        events = self.attempt(command)
        assert (events is not None) == allowed, f"{status}: model said allowed={allowed}"
        for e in events or ():
            follows, leads_to = REFERRAL_GRAPH[type(e)]
            assert status in follows, f"{type(e).__name__} after {status}"
            assert self.referral.status == (leads_to or status)
            if isinstance(e, Referral.Reassigned):
                self.due = (e.ack_by, e.deliver_by)

    def live(self, *statuses: str) -> bool:
        return self.referral.status in statuses

    @rule()
    def acknowledge(self) -> None:
        self.run(self.live(S.MADE), lambda: self.referral.acknowledge(None, self.tick(), ACTOR))

    @rule(reason=st.sampled_from(["not_eligible", "other"]), note=NOTES)
    def reject(self, reason: str, note: str | None) -> None:
        allowed = self.live(S.MADE, S.ACKNOWLEDGED) and (reason != "other" or bool(note))
        self.run(allowed, lambda: self.referral.reject(reason, note, self.tick(), ACTOR))

    @rule(to=DEPARTMENTS, ack_by=DUE, deliver_by=DUE)
    def reassign(self, to: str, ack_by: date, deliver_by: date) -> None:
        allowed = self.live(S.MADE, S.ACKNOWLEDGED) and to != self.referral.department
        self.run(
            allowed,
            lambda: self.referral.reassign(
                to_department=to,
                reason="moved desk",
                ack_by=ack_by,
                deliver_by=deliver_by,
                standard_version="standards-v1",
                occurred_at=self.tick(),
                actor=ACTOR,
            ),
        )

    @rule(level=st.integers(min_value=-1, max_value=TOP_LEVEL + 2))
    def escalate(self, level: int) -> None:
        allowed = (
            self.live(*LIVE) and 1 <= level <= TOP_LEVEL and level > self.referral.escalation_level
        )
        self.run(allowed, lambda: self.referral.escalate(level, "overdue", self.tick(), ACTOR))

    @rule(days=st.integers(min_value=0, max_value=40))
    def sweep(self, days: int) -> None:
        """The scheduler's sweep some days on: an overdue referral climbs to the level its delay
        has reached (0, 3, 10, 24 days overdue: levels 1 to 4), one event per level, never down;
        a repeated sweep changes nothing."""
        self.now += timedelta(days=days)
        before, status = self.referral.escalation_level, self.referral.status
        due = {S.MADE: self.due[0], S.ACKNOWLEDGED: self.due[1]}.get(status)
        late = None if due is None else (self.now - datetime.combine(due, time(), UTC)).days - 1
        reached = 0 if late is None or late < 0 else 1 + sum(late >= d for d in (3, 10, 24))

        events = self.attempt(lambda: self.referral.follow_ladder(Ladder(), self.now, ACTOR))
        repeated = self.attempt(lambda: self.referral.follow_ladder(Ladder(), self.now, ACTOR))

        assert self.referral.escalation_level == max(before, reached)
        assert [(e.from_level, e.to_level) for e in events or ()] == [
            (n - 1, n) for n in range(before + 1, reached + 1)
        ]
        assert all(e.days_overdue == late and e.due == due for e in events or ())
        assert repeated == []

    @rule()
    def deliver(self) -> None:
        self.run(
            self.live(S.ACKNOWLEDGED),
            lambda: self.referral.deliver(
                intervention_id=str(uuid4()),
                kind="service",
                description=None,
                occurred_at=self.tick(),
                actor=ACTOR,
            ),
        )

    @rule()
    def verify(self) -> None:
        self.run(
            self.live(S.SERVICE_DELIVERED),
            lambda: self.referral.verify(None, self.tick(), ACTOR),
        )

    @rule()
    def dispute(self) -> None:
        self.run(
            self.live(S.SERVICE_DELIVERED),
            lambda: self.referral.dispute("not received", self.tick(), ACTOR),
        )

    @rule()
    def reopen(self) -> None:
        self.run(self.live(S.DISPUTED), lambda: self.referral.reopen("upheld", self.tick(), ACTOR))

    @rule()
    def close(self) -> None:
        self.run(self.live(S.VERIFIED), lambda: self.referral.close(None, self.tick(), ACTOR))

    @rule()
    def cancel(self) -> None:
        self.run(
            self.live(S.MADE, S.ACKNOWLEDGED),
            lambda: self.referral.cancel("not needed", self.tick(), ACTOR),
        )

    @rule()
    def advance(self) -> None:
        """The next step of the happy path, so that sequences reach verification and closure."""
        forward: dict[str, Callable[[], None]] = {
            S.MADE: self.acknowledge,
            S.ACKNOWLEDGED: self.deliver,
            S.SERVICE_DELIVERED: self.verify,
            S.VERIFIED: self.close,
            S.DISPUTED: self.reopen,
        }
        forward.get(self.referral.status, self.close)()

    @invariant()
    def escalation_only_goes_up_within_the_ladder(self) -> None:
        level = self.referral.escalation_level
        assert self.highest_level <= level <= TOP_LEVEL
        self.highest_level = level

    @invariant()
    def due_dates_change_only_by_reassignment(self) -> None:
        assert (self.referral.ack_by, self.referral.deliver_by) == self.due

    @invariant()
    def a_closed_referral_was_verified(self) -> None:
        if self.referral.status == S.CLOSED:
            kinds = [type(e) for e in self.history]
            assert Referral.DeliveryVerified in kinds
            last_delivery = max(i for i, k in enumerate(kinds) if k is Referral.ServiceDelivered)
            assert Referral.DeliveryVerified in kinds[last_delivery:]
            assert self.referral.verified_at is not None

    @invariant()
    def nothing_follows_a_terminal_event(self) -> None:
        ends = [i for i, e in enumerate(self.history) if isinstance(e, TERMINAL_EVENTS)]
        assert len(ends) <= 1
        if ends:
            assert ends[0] == len(self.history) - 1
            assert self.referral.status in TERMINAL_REFERRAL_STATUSES


TestReferralCommandSequences = ReferralMachine.TestCase
TestReferralCommandSequences.settings = PROPERTY_SETTINGS


# ---- Household --------------------------------------------------------------------------------

NEED_IDS = st.sampled_from(["n1", "n2", "n3"])
REFERRAL_IDS = st.sampled_from(["r1", "r2", "r3", "r4"])
SEVERITIES = st.sampled_from(["low", "medium", "high", "critical"])
WARDS = st.sampled_from(["KZN225-W001", "KZN225-W002"])
RISK: dict[str, Any] = {
    "score": 0,
    "level": "low",
    "reasons": [],
    "flags": [],
    "rule_version": "risk-v1",
}
# oss-domain §7.3.9: what a graduated household accepts.
GRADUATED_ACCEPTS = {
    Household.VisitRecorded,
    Household.NeedIdentified,
    Household.ProfileSubmitted,
    Household.RiskScored,
    Household.Reopened,
}


class HouseholdMachine(AggregateMachine):
    """Random needs, referrals, interventions, visits, moves and graduations on one household."""

    def __init__(self) -> None:
        super().__init__()
        self.aggregate = self.household = Household(
            id=uuid4(),
            ward_id="KZN225-W001",
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            occurred_at=self.now,
            actor=ACTOR,
        )
        self.history.extend(self.household.collect_events())
        self.open_referrals: dict[str, set[str]] = {}  # need -> referrals linked, not ended
        self.ever_resolved: set[str] = set()

    def run(self, command: Callable[[], None]) -> None:
        """Run a command and check each event against the state it was decided on."""
        before = copy.deepcopy(self.household)
        events = self.attempt(command)
        for e in events or ():
            if before.status == HouseholdStatus.GRADUATED:
                assert type(e) in GRADUATED_ACCEPTS, f"{type(e).__name__} after graduation"
            self.check_event(before, e)
            if isinstance(e, Household.Reopened):
                before.status = HouseholdStatus.ACTIVE  # the next event follows the reopening

    def check_event(self, before: Household, e: Any) -> None:
        if isinstance(e, Household.NeedReferred):
            self.open_referrals.setdefault(e.need_id, set()).add(e.referral_id)
            assert before.needs[e.need_id].is_open
        elif isinstance(e, Household.NeedReferralEnded):
            self.open_referrals[e.need_id].discard(e.referral_id)
        elif isinstance(e, Household.NeedResolved):
            need = before.needs[e.need_id]
            assert need.is_open
            assert need.interventions > 0 or (e.resolution == "no_longer_needed" and e.note)
            self.ever_resolved.add(e.need_id)
        elif isinstance(e, Household.InterventionDelivered) and e.need_id is not None:
            assert before.needs[e.need_id].is_open
        elif isinstance(e, Household.Graduated):
            assert before.status == HouseholdStatus.ACTIVE
            assert not [n for n in self.household.open_needs if n.is_high_or_critical]
            assert self.household.graduation_policy_version == e.policy_version

    @rule()
    def submit_profile(self) -> None:
        self.run(
            lambda: self.household.submit_profile(
                profile={"members": []},
                field_worker_id=None,
                facts={},
                risk=dict(RISK),
                occurred_at=self.tick(),
                actor=ACTOR,
            )
        )

    @rule(need_id=NEED_IDS, severity=SEVERITIES)
    def identify_need(self, need_id: str, severity: str) -> None:
        self.run(
            lambda: self.household.identify_need(
                need_id=need_id,
                category="water",
                severity=severity,
                department="MUNI",
                occurred_at=self.tick(),
                actor=ACTOR,
            )
        )

    @rule(
        need_id=NEED_IDS,
        resolution=st.sampled_from(["met", "no_longer_needed"]),
        note=NOTES,
    )
    def resolve_need(self, need_id: str, resolution: str, note: str | None) -> None:
        self.run(
            lambda: self.household.resolve_need(
                need_id=need_id,
                resolution=resolution,
                note=note,
                occurred_at=self.tick(),
                actor=ACTOR,
            )
        )

    @rule(need_id=NEED_IDS, referral_id=REFERRAL_IDS)
    def refer_need(self, need_id: str, referral_id: str) -> None:
        self.run(lambda: self.household.refer_need(need_id, referral_id, self.tick(), ACTOR))

    @rule(need_id=NEED_IDS, referral_id=REFERRAL_IDS)
    def end_need_referral(self, need_id: str, referral_id: str) -> None:
        self.run(
            lambda: self.household.end_need_referral(
                need_id=need_id,
                referral_id=referral_id,
                outcome="rejected",
                occurred_at=self.tick(),
                actor=ACTOR,
            )
        )

    @rule(need_id=st.none() | NEED_IDS, referral_id=st.none() | REFERRAL_IDS)
    def deliver_intervention(self, need_id: str | None, referral_id: str | None) -> None:
        self.run(
            lambda: self.household.deliver_intervention(
                intervention_id=str(uuid4()),
                need_id=need_id,
                referral_id=referral_id,
                kind="service",
                provider="MUNI",
                description=None,
                occurred_at=self.tick(),
                actor=ACTOR,
            )
        )

    @rule(visit_id=st.sampled_from(["v1", "v2", "v3"]))
    def record_visit(self, visit_id: str) -> None:
        self.run(
            lambda: self.household.record_visit(
                visit_id=visit_id,
                field_worker_id=None,
                outcome="met_household",
                days_skipped_meal_last_7=0,
                note=None,
                occurred_at=self.tick(),
                actor=ACTOR,
            )
        )

    @rule(ward_id=WARDS)
    def move(self, ward_id: str) -> None:
        self.run(lambda: self.household.move(ward_id, None, self.tick(), ACTOR))

    @rule(unmet=st.lists(st.just("income: no income"), max_size=1))
    def graduate(self, unmet: list[str]) -> None:
        self.run(
            lambda: self.household.graduate(
                policy_version="graduation-v1",
                evidence={"unmet": len(unmet)},
                unmet=unmet,
                meeting_id=None,
                occurred_at=self.tick(),
                actor=ACTOR,
            )
        )

    @rule()
    def reopen(self) -> None:
        self.run(lambda: self.household.reopen("regressed", self.tick(), ACTOR))

    @invariant()
    def a_need_never_has_two_open_referrals(self) -> None:
        for need_id, referrals in self.open_referrals.items():
            assert len(referrals) <= 1
            linked = self.household.needs[need_id].open_referral_id
            assert referrals == ({linked} if linked else set())

    @invariant()
    def a_resolved_need_stays_resolved(self) -> None:
        for need_id in self.ever_resolved:
            assert not self.household.needs[need_id].is_open

    @invariant()
    def a_graduated_household_has_no_open_high_needs_nor_referrals(self) -> None:
        if self.household.status == HouseholdStatus.GRADUATED:
            assert not [n for n in self.household.open_needs if n.is_high_or_critical]
            assert not [n for n in self.household.open_needs if n.open_referral_id]
            assert self.household.graduation_policy_version == "graduation-v1"


TestHouseholdCommandSequences = HouseholdMachine.TestCase
TestHouseholdCommandSequences.settings = PROPERTY_SETTINGS
