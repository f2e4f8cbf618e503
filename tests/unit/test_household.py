"""Household aggregate: every rule of oss-domain.md §7.3 (7–9) and its happy paths, no I/O."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import RuleViolation
from domain.households.model import Household
from domain.vocabulary import HouseholdStatus, NeedStatus

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
ACTOR = "ccg-nomvula"
WARD = "KZN225-W001"
POLICY = "graduation-v1"
RISK: dict[str, Any] = {
    "score": 10,
    "level": "low",
    "reasons": ["meals skipped on 3 or 4 of the last 7 days (+10)"],
    "flags": [],
    "rule_version": "risk-v1",
}


# ---- builders (Given) --------------------------------------------------------------------------


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def registered() -> Household:
    household = Household(
        id=uuid4(),
        ward_id=WARD,
        dwelling_type="formal",
        village="KwaMpumuza",
        gps={"lat": -29.55, "lon": 30.3},
        field_worker_id=None,
        occurred_at=T0,
        actor=ACTOR,
    )
    household.collect_events()
    return household


def profiled() -> Household:
    household = registered()
    household.submit_profile(
        profile={"members": []},
        field_worker_id=None,
        facts={},
        risk=dict(RISK),
        occurred_at=at(1),
        actor=ACTOR,
    )
    household.collect_events()
    return household


def with_need(
    household: Household, need_id: str = "need-1", severity: str = "high", category: str = "water"
) -> Household:
    household.identify_need(
        need_id=need_id,
        category=category,
        severity=severity,
        department="MUNI",
        occurred_at=at(2),
        actor=ACTOR,
    )
    household.collect_events()
    return household


def with_intervention(household: Household, need_id: str = "need-1") -> Household:
    household.deliver_intervention(
        intervention_id=f"iv-{need_id}",
        need_id=need_id,
        referral_id=None,
        kind="service",
        provider="MUNI",
        description=None,
        occurred_at=at(3),
        actor=ACTOR,
    )
    household.collect_events()
    return household


def graduated(low_need: bool = False) -> Household:
    household = profiled()
    if low_need:
        with_need(household, "low-1", severity="low")
    household.graduate(
        policy_version=POLICY,
        evidence={"as_of": "2025-06-10"},
        unmet=[],
        meeting_id=None,
        occurred_at=at(10),
        actor=ACTOR,
    )
    household.collect_events()
    return household


def emitted(household: Household) -> list[type]:
    return [type(e) for e in household.collect_events()]


def assert_refused(household: Household, rule: str, command: Callable[[], object]) -> None:
    """When the command runs, it raises the named rule and leaves state and events untouched."""
    before = copy.deepcopy(household.__dict__)
    version = household.version
    with pytest.raises(RuleViolation) as refused:
        command()
    assert refused.value.rule == rule
    assert household.version == version
    assert household.collect_events() == []
    assert household.__dict__ == before


# ---- registration and profile -------------------------------------------------------------------


def test_registering_a_household_records_its_ward_and_who_registered_it() -> None:
    household = Household(
        id=uuid4(),
        ward_id=WARD,
        dwelling_type="informal",
        village=None,
        gps=None,
        field_worker_id="fw-1",
        occurred_at=T0,
        actor=ACTOR,
    )

    events: list[Any] = list(household.collect_events())
    assert [type(e) for e in events] == [Household.Registered]
    assert (events[0].occurred_at, events[0].actor) == (T0, ACTOR)
    assert household.ward_id == WARD
    assert household.status == HouseholdStatus.REGISTERED
    assert household.needs == {} and household.version == 1


def test_submitting_a_profile_activates_the_household_and_scores_its_risk() -> None:
    household = registered()

    household.submit_profile(
        profile={"members": []},
        field_worker_id="fw-1",
        facts={},
        risk=dict(RISK),
        occurred_at=at(1),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.ProfileSubmitted, Household.RiskScored]
    assert household.status == HouseholdStatus.ACTIVE
    assert household.profiles_submitted == 1
    assert household.first_profiled_on == household.last_profiled_on == at(1).date()
    assert household.risk is not None
    assert household.risk["level"] == "low" and household.risk["rule_version"] == "risk-v1"


def test_a_second_profile_keeps_the_first_profile_date() -> None:
    household = profiled()

    household.submit_profile(
        profile={"members": []},
        field_worker_id=None,
        facts={},
        risk=dict(RISK),
        occurred_at=at(30),
        actor=ACTOR,
    )

    assert household.profiles_submitted == 2
    assert household.first_profiled_on == at(1).date()
    assert household.last_profiled_on == at(30).date()


def test_a_graduated_household_accepts_a_profile_and_stays_graduated() -> None:
    household = graduated()

    household.submit_profile(
        profile={"members": []},
        field_worker_id=None,
        facts={},
        risk=dict(RISK),
        occurred_at=at(20),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.ProfileSubmitted, Household.RiskScored]
    assert household.status == HouseholdStatus.GRADUATED


# ---- needs --------------------------------------------------------------------------------------


def test_identifying_a_need_opens_it() -> None:
    household = profiled()

    household.identify_need(
        need_id="need-1",
        category="water",
        severity="high",
        department="MUNI",
        occurred_at=at(2),
        actor=ACTOR,
        member_id="m-1",
    )

    assert emitted(household) == [Household.NeedIdentified]
    need = household.need("need-1")
    assert need.is_open and need.status == NeedStatus.OPEN
    assert (need.category, need.severity, need.member_id) == ("water", "high", "m-1")
    assert household.has_open_need("water", "m-1")


def test_a_need_id_cannot_be_identified_twice() -> None:
    household = with_need(profiled())

    assert_refused(
        household,
        "need-id-unique",
        lambda: household.identify_need(
            need_id="need-1",
            category="water",
            severity="low",
            department="MUNI",
            occurred_at=at(4),
            actor=ACTOR,
        ),
    )


def test_a_need_identified_on_a_graduated_household_reopens_it() -> None:
    household = graduated()

    household.identify_need(
        need_id="need-9",
        category="food_security",
        severity="high",
        department="DSD",
        occurred_at=at(40),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.Reopened, Household.NeedIdentified]
    assert household.status == HouseholdStatus.ACTIVE
    assert household.need("need-9").is_open


def test_a_duplicate_need_on_a_graduated_household_neither_reopens_nor_adds() -> None:
    household = graduated(low_need=True)

    assert_refused(
        household,
        "need-id-unique",
        lambda: household.identify_need(
            need_id="low-1",
            category="water",
            severity="high",
            department="MUNI",
            occurred_at=at(40),
            actor=ACTOR,
        ),
    )


def test_an_unknown_need_is_refused_by_every_need_command() -> None:
    household = profiled()

    assert_refused(household, "need-exists", lambda: household.need("nope"))
    assert_refused(
        household,
        "need-exists",
        lambda: household.resolve_need(
            need_id="nope",
            resolution="no_longer_needed",
            note="moved",
            occurred_at=at(3),
            actor=ACTOR,
        ),
    )
    assert_refused(
        household, "need-exists", lambda: household.refer_need("nope", "ref-1", at(3), ACTOR)
    )
    assert_refused(
        household,
        "need-exists",
        lambda: household.end_need_referral(
            need_id="nope", referral_id="ref-1", outcome="closed", occurred_at=at(3), actor=ACTOR
        ),
    )
    assert_refused(
        household,
        "need-exists",
        lambda: household.deliver_intervention(
            intervention_id="iv-1",
            need_id="nope",
            referral_id=None,
            kind="service",
            provider="MUNI",
            description=None,
            occurred_at=at(3),
            actor=ACTOR,
        ),
    )


def test_resolving_a_need_after_an_intervention_resolves_it() -> None:
    household = with_intervention(with_need(profiled()))

    household.resolve_need(
        need_id="need-1", resolution="met", note=None, occurred_at=at(5), actor=ACTOR
    )

    assert emitted(household) == [Household.NeedResolved]
    assert household.need("need-1").status == NeedStatus.RESOLVED
    assert household.open_needs == []


def test_resolving_a_need_without_an_intervention_is_refused() -> None:
    household = with_need(profiled())

    assert_refused(
        household,
        "resolution-needs-intervention",
        lambda: household.resolve_need(
            need_id="need-1", resolution="met", note="all good", occurred_at=at(5), actor=ACTOR
        ),
    )


def test_a_need_no_longer_needed_resolves_with_a_note_and_no_intervention() -> None:
    household = with_need(profiled())

    household.resolve_need(
        need_id="need-1",
        resolution="no_longer_needed",
        note="family moved in with kin",
        occurred_at=at(5),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.NeedResolved]
    assert not household.need("need-1").is_open


@pytest.mark.parametrize("note", [None, ""])
def test_a_need_no_longer_needed_without_a_note_is_refused(note: str | None) -> None:
    household = with_need(profiled())

    assert_refused(
        household,
        "resolution-reason",
        lambda: household.resolve_need(
            need_id="need-1",
            resolution="no_longer_needed",
            note=note,
            occurred_at=at(5),
            actor=ACTOR,
        ),
    )


def test_a_resolved_need_cannot_be_resolved_again() -> None:
    household = with_need(profiled())
    household.resolve_need(
        need_id="need-1",
        resolution="no_longer_needed",
        note="moved",
        occurred_at=at(5),
        actor=ACTOR,
    )
    household.collect_events()

    assert_refused(
        household,
        "need-open",
        lambda: household.resolve_need(
            need_id="need-1",
            resolution="no_longer_needed",
            note="again",
            occurred_at=at(6),
            actor=ACTOR,
        ),
    )


def test_a_referred_need_cannot_be_dropped_as_no_longer_needed() -> None:
    household = with_need(profiled())
    household.refer_need("need-1", "ref-1", at(3), ACTOR)
    household.collect_events()

    assert_refused(
        household,
        "resolution-open-referral",
        lambda: household.resolve_need(
            need_id="need-1",
            resolution="no_longer_needed",
            note="moved",
            occurred_at=at(5),
            actor=ACTOR,
        ),
    )


def test_a_referred_need_met_by_a_direct_intervention_cannot_strand_its_referral() -> None:
    household = with_intervention(with_need(profiled()))
    household.refer_need("need-1", "ref-1", at(3), ACTOR)
    household.collect_events()

    assert_refused(
        household,
        "resolution-open-referral",
        lambda: household.resolve_need(
            need_id="need-1", resolution="met", note=None, occurred_at=at(5), actor=ACTOR
        ),
    )


def test_a_need_of_a_graduated_household_cannot_be_resolved() -> None:
    household = graduated(low_need=True)

    assert_refused(
        household,
        "graduated-household-is-closed",
        lambda: household.resolve_need(
            need_id="low-1",
            resolution="no_longer_needed",
            note="moved",
            occurred_at=at(20),
            actor=ACTOR,
        ),
    )


# ---- referrals of a need -----------------------------------------------------------------------


def test_referring_an_open_need_links_its_referral() -> None:
    household = with_need(profiled())

    household.refer_need("need-1", "ref-1", at(3), ACTOR)

    assert emitted(household) == [Household.NeedReferred]
    assert household.need("need-1").open_referral_id == "ref-1"


def test_a_need_has_at_most_one_open_referral() -> None:
    household = with_need(profiled())
    household.refer_need("need-1", "ref-1", at(3), ACTOR)
    household.collect_events()

    assert_refused(
        household,
        "one-open-referral-per-need",
        lambda: household.refer_need("need-1", "ref-2", at(4), ACTOR),
    )
    assert household.need("need-1").open_referral_id == "ref-1"


def test_a_resolved_need_cannot_be_referred() -> None:
    household = with_need(profiled())
    household.resolve_need(
        need_id="need-1",
        resolution="no_longer_needed",
        note="moved",
        occurred_at=at(3),
        actor=ACTOR,
    )
    household.collect_events()

    assert_refused(
        household,
        "referral-needs-open-need",
        lambda: household.refer_need("need-1", "ref-1", at(4), ACTOR),
    )


def test_a_need_of_a_graduated_household_cannot_be_referred() -> None:
    household = graduated(low_need=True)

    assert_refused(
        household,
        "graduated-household-is-closed",
        lambda: household.refer_need("low-1", "ref-1", at(20), ACTOR),
    )


def test_ending_the_referral_releases_the_need_for_a_new_referral() -> None:
    household = with_need(profiled())
    household.refer_need("need-1", "ref-1", at(3), ACTOR)
    household.collect_events()

    household.end_need_referral(
        need_id="need-1", referral_id="ref-1", outcome="rejected", occurred_at=at(4), actor=ACTOR
    )

    assert emitted(household) == [Household.NeedReferralEnded]
    assert household.need("need-1").open_referral_id is None
    household.refer_need("need-1", "ref-2", at(5), ACTOR)
    assert emitted(household) == [Household.NeedReferred]
    assert household.need("need-1").open_referral_id == "ref-2"


def test_ending_a_referral_that_is_not_the_open_one_changes_nothing() -> None:
    household = with_need(profiled())
    household.refer_need("need-1", "ref-2", at(3), ACTOR)
    household.collect_events()
    version = household.version

    household.end_need_referral(
        need_id="need-1", referral_id="ref-1", outcome="closed", occurred_at=at(4), actor=ACTOR
    )

    assert household.collect_events() == []
    assert household.version == version
    assert household.need("need-1").open_referral_id == "ref-2"


# ---- visits -------------------------------------------------------------------------------------


def test_recording_a_visit_keeps_its_date_and_meal_report() -> None:
    household = profiled()

    household.record_visit(
        visit_id="v-1",
        field_worker_id="fw-1",
        outcome="met_household",
        days_skipped_meal_last_7=2,
        note=None,
        occurred_at=at(7),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.VisitRecorded]
    assert household.last_visit_on == at(7).date()
    assert household.visits[0].days_skipped_meal_last_7 == 2


def test_a_visit_cannot_be_recorded_twice() -> None:
    household = profiled()
    household.record_visit(
        visit_id="v-1",
        field_worker_id="fw-1",
        outcome="met_household",
        days_skipped_meal_last_7=0,
        note=None,
        occurred_at=at(7),
        actor=ACTOR,
    )
    household.collect_events()

    assert_refused(
        household,
        "visit-id-unique",
        lambda: household.record_visit(
            visit_id="v-1",
            field_worker_id="fw-1",
            outcome="nobody_home",
            days_skipped_meal_last_7=None,
            note=None,
            occurred_at=at(8),
            actor=ACTOR,
        ),
    )


def test_a_graduated_household_is_still_visited() -> None:
    household = graduated()

    household.record_visit(
        visit_id="v-1",
        field_worker_id="fw-1",
        outcome="met_household",
        days_skipped_meal_last_7=0,
        note=None,
        occurred_at=at(20),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.VisitRecorded]
    assert household.status == HouseholdStatus.GRADUATED


# ---- interventions ------------------------------------------------------------------------------


def test_an_intervention_against_an_open_need_counts_for_that_need() -> None:
    household = with_need(profiled())

    household.deliver_intervention(
        intervention_id="iv-1",
        need_id="need-1",
        referral_id=None,
        kind="service",
        provider="MUNI",
        description="tank installed",
        occurred_at=at(3),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.InterventionDelivered]
    assert household.need("need-1").interventions == 1
    assert household.interventions[0].delivered_on == at(3).date()


def test_an_intervention_may_name_only_a_referral() -> None:
    household = profiled()

    household.deliver_intervention(
        intervention_id="iv-1",
        need_id=None,
        referral_id="ref-1",
        kind="service",
        provider="DSD",
        description=None,
        occurred_at=at(3),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.InterventionDelivered]
    assert household.interventions[0].referral_id == "ref-1"


def test_an_intervention_naming_neither_need_nor_referral_is_refused() -> None:
    household = profiled()

    assert_refused(
        household,
        "intervention-target",
        lambda: household.deliver_intervention(
            intervention_id="iv-1",
            need_id=None,
            referral_id=None,
            kind="service",
            provider="DSD",
            description=None,
            occurred_at=at(3),
            actor=ACTOR,
        ),
    )


def test_an_intervention_against_a_resolved_need_is_refused() -> None:
    household = with_need(profiled())
    household.resolve_need(
        need_id="need-1",
        resolution="no_longer_needed",
        note="moved",
        occurred_at=at(3),
        actor=ACTOR,
    )
    household.collect_events()

    assert_refused(
        household,
        "intervention-needs-open-need",
        lambda: household.deliver_intervention(
            intervention_id="iv-1",
            need_id="need-1",
            referral_id=None,
            kind="service",
            provider="MUNI",
            description=None,
            occurred_at=at(4),
            actor=ACTOR,
        ),
    )


def test_an_intervention_id_cannot_be_recorded_twice() -> None:
    household = with_intervention(with_need(profiled()))

    assert_refused(
        household,
        "intervention-id-unique",
        lambda: household.deliver_intervention(
            intervention_id="iv-need-1",
            need_id="need-1",
            referral_id=None,
            kind="service",
            provider="MUNI",
            description=None,
            occurred_at=at(4),
            actor=ACTOR,
        ),
    )


def test_an_intervention_on_a_graduated_household_is_refused() -> None:
    household = graduated(low_need=True)

    assert_refused(
        household,
        "graduated-household-is-closed",
        lambda: household.deliver_intervention(
            intervention_id="iv-1",
            need_id="low-1",
            referral_id=None,
            kind="service",
            provider="MUNI",
            description=None,
            occurred_at=at(20),
            actor=ACTOR,
        ),
    )


# ---- moving -------------------------------------------------------------------------------------


def test_moving_to_another_ward_changes_the_ward() -> None:
    household = profiled()

    household.move("ETH-W001", "relocated", at(5), ACTOR)

    events: list[Any] = list(household.collect_events())
    assert [type(e) for e in events] == [Household.Moved]
    assert (events[0].from_ward_id, events[0].to_ward_id) == (WARD, "ETH-W001")
    assert household.ward_id == "ETH-W001"


def test_moving_to_the_same_ward_is_refused() -> None:
    household = profiled()

    assert_refused(
        household, "move-to-other-ward", lambda: household.move(WARD, None, at(5), ACTOR)
    )


def test_a_graduated_household_cannot_move() -> None:
    household = graduated()

    assert_refused(
        household,
        "graduated-household-is-closed",
        lambda: household.move("ETH-W001", None, at(20), ACTOR),
    )


# ---- graduation and reopening --------------------------------------------------------------------


def test_graduation_records_the_policy_version_and_date() -> None:
    household = with_need(profiled(), "low-1", severity="low")

    household.graduate(
        policy_version=POLICY,
        evidence={"as_of": "2025-06-10"},
        unmet=[],
        meeting_id="meeting-1",
        occurred_at=at(10),
        actor=ACTOR,
    )

    events: list[Any] = list(household.collect_events())
    assert [type(e) for e in events] == [Household.Graduated]
    assert events[0].policy_version == POLICY and events[0].evidence == {"as_of": "2025-06-10"}
    assert household.status == HouseholdStatus.GRADUATED
    assert household.graduation_policy_version == POLICY
    assert household.graduated_on == at(10).date()


@pytest.mark.parametrize("severity", ["high", "critical"])
def test_graduation_is_refused_while_a_high_or_critical_need_is_open(severity: str) -> None:
    household = with_need(profiled(), severity=severity)

    assert_refused(
        household,
        "graduation-open-high-needs",
        lambda: household.graduate(
            policy_version=POLICY,
            evidence={},
            unmet=[],
            meeting_id=None,
            occurred_at=at(10),
            actor=ACTOR,
        ),
    )


def test_a_resolved_high_need_does_not_block_graduation() -> None:
    household = with_intervention(with_need(profiled(), severity="critical"))
    household.resolve_need(
        need_id="need-1", resolution="met", note=None, occurred_at=at(5), actor=ACTOR
    )
    household.collect_events()

    household.graduate(
        policy_version=POLICY,
        evidence={},
        unmet=[],
        meeting_id=None,
        occurred_at=at(10),
        actor=ACTOR,
    )

    assert emitted(household) == [Household.Graduated]


def test_graduation_is_refused_while_a_need_has_an_open_referral() -> None:
    household = with_need(profiled(), severity="medium")
    household.refer_need("need-1", "ref-1", at(3), ACTOR)
    household.collect_events()

    assert_refused(
        household,
        "graduation-open-referrals",
        lambda: household.graduate(
            policy_version=POLICY,
            evidence={},
            unmet=[],
            meeting_id=None,
            occurred_at=at(10),
            actor=ACTOR,
        ),
    )


def test_graduation_is_refused_with_unmet_policy_criteria() -> None:
    household = profiled()

    assert_refused(
        household,
        "graduation-policy",
        lambda: household.graduate(
            policy_version=POLICY,
            evidence={},
            unmet=["time_in_programme: 9 days"],
            meeting_id=None,
            occurred_at=at(10),
            actor=ACTOR,
        ),
    )


def test_an_unprofiled_household_cannot_graduate() -> None:
    household = registered()

    assert_refused(
        household,
        "graduation-needs-profile",
        lambda: household.graduate(
            policy_version=POLICY,
            evidence={},
            unmet=[],
            meeting_id=None,
            occurred_at=at(10),
            actor=ACTOR,
        ),
    )


def test_a_graduated_household_cannot_graduate_again() -> None:
    household = graduated()

    assert_refused(
        household,
        "graduated-household-is-closed",
        lambda: household.graduate(
            policy_version=POLICY,
            evidence={},
            unmet=[],
            meeting_id=None,
            occurred_at=at(20),
            actor=ACTOR,
        ),
    )


def test_reopening_a_graduated_household_makes_it_active() -> None:
    household = graduated()

    household.reopen("food insecurity again", at(30), ACTOR)

    assert emitted(household) == [Household.Reopened]
    assert household.status == HouseholdStatus.ACTIVE


@pytest.mark.parametrize("given", [registered, profiled], ids=["registered", "active"])
def test_only_a_graduated_household_can_be_reopened(given: Callable[[], Household]) -> None:
    household = given()

    assert_refused(
        household, "reopen-only-graduated", lambda: household.reopen("why", at(30), ACTOR)
    )
