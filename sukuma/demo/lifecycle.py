"""A household's year: registered, profiled, referred, visited, helped, re-profiled, graduated.

Everything a household does runs on its own timeline, so its events (and its referrals') are
in time order and never after ``now``. The rules are the domain's own: ``apply_profile``
scores and derives needs, ``refer`` fixes due dates, ``graduate`` applies the policy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, cast

from domain.errors import RuleViolation
from domain.households.application import apply_profile, graduate
from domain.households.caseload import RELEASED_ON_MOVE
from domain.households.model import Household
from domain.households.records import Need
from domain.profile import Profile, validate_profile
from domain.rules.graduation import MIN_DAYS_SINCE_FIRST_PROFILE
from sukuma.demo.context import Action, Demo, Timeline, pick
from sukuma.demo.profiles import DWELLINGS, dwelling, first_profile
from sukuma.demo.referrals import cancel_referral, make_referral
from sukuma.demo.revisions import improved, shocked
from sukuma.demo.sim import HouseholdSim, field_worker_actor, record_visit, resolve
from sukuma.demo.texts import DIRECT, MOVE_REASONS
from sukuma.demo.warroom import PlannedMeeting, Slot, WardPlan

REFER_CHANCE: Final = {"critical": 0.98, "high": 0.92, "medium": 0.8, "low": 0.2}
VISIT_DAYS: Final = {"critical": (7, 21), "high": (14, 35), "medium": (30, 75), "low": (60, 150)}
GRADUATED_VISIT_DAYS: Final = (75, 150)
CAMPAIGN_DAYS: Final = 150  # most households are registered in the launch campaign
MAX_GRADUATION_ATTEMPTS: Final = 3
REPROFILE: Final = 0.55  # the share re-profiled about six months after the first profile


def simulate_household(
    demo: Demo, plan: WardPlan, slot: Slot, wards: list[WardPlan]
) -> HouseholdSim:
    """Run one household's whole history up to ``now``."""
    sim = HouseholdSim(demo, plan, slot, wards, Timeline(demo.now))
    sim.timeline.at(_registration_time(sim), lambda t: _register(sim, t))
    sim.timeline.run()
    return sim


def _registration_time(sim: HouseholdSim) -> datetime:
    demo = sim.demo
    start = sim.plan.established_at + timedelta(days=14)
    span = (demo.now - start).total_seconds() / 86400 - 1
    for _ in range(8):
        early = demo.chance(0.55)
        days = demo.rng.uniform(0, min(CAMPAIGN_DAYS, span) if early else span)
        when = demo.at_work((start + timedelta(days=days)).date())
        if start <= when < demo.now and sim.worker(when) is not None:
            return when
    return sim.slot.tenures[0].start + timedelta(hours=2)


def _register(sim: HouseholdSim, when: datetime) -> None:
    demo, plan = sim.demo, sim.plan
    worker = sim.worker(when)
    home = dwelling(demo, plan.place, pick(demo.rng, DWELLINGS[plan.place.settlement]))
    gps = home["gps"]
    sim.dwelling = home
    sim.household_ = Household(
        id=demo.uuid(),
        ward_id=plan.ward_id,
        dwelling_type=home["type"],
        village=home["village"],
        gps={"lat": gps["lat"], "lon": gps["lon"]} if gps is not None else None,
        field_worker_id=worker,
        occurred_at=when,
        actor=field_worker_actor(worker) if worker else plan.convener,
    )
    same_visit = demo.chance(0.55)
    profile_at = demo.minutes_after(when, 20, 90) if same_visit else sim.later(when, 1, 12)
    sim.timeline.at(profile_at, _first_profile(sim, 0))


def _first_profile(sim: HouseholdSim, tries: int) -> Action:
    def act(when: datetime) -> None:
        worker = sim.worker(when)
        if worker is None or sim.dwelling is None:
            if tries < 4:
                sim.timeline.at(sim.later(when, 5, 15), _first_profile(sim, tries + 1))
            return
        profile = first_profile(sim.demo, sim.plan.place, sim.dwelling, when.date())
        new = _submit(sim, profile, worker, when)
        sim.first_profiled_at = when
        _after_first_profile(sim, when)
        _plan_needs(sim, new, when)

    return act


def _submit(sim: HouseholdSim, profile: Profile, worker: str, when: datetime) -> list[Need]:
    """Check the profile, then score it and derive its needs with the domain's rules."""
    household = sim.household
    checked = validate_profile(profile, when.date())
    before = set(household.needs)
    apply_profile(household, checked, worker, when, field_worker_actor(worker))
    sim.food_days = profile["food_security"]["days_skipped_meal_last_7"]
    if _risk_level(household) in ("high", "critical"):
        meeting = sim.plan.next_meeting(when, 14)
        if meeting is not None:
            sim.plan.discuss(meeting, sim.household_id)
    return [need for need_id, need in household.needs.items() if need_id not in before]


def _risk_level(household: Household) -> str:
    return str((household.risk or {}).get("level", "low"))


def _after_first_profile(sim: HouseholdSim, when: datetime) -> None:
    demo = sim.demo
    sim.timeline.at(sim.later(when, *VISIT_DAYS[_risk_level(sim.household)]), _visit(sim))
    if demo.chance(REPROFILE):
        sim.timeline.at(sim.later(when, 150, 260), _reprofile(sim))
    if demo.chance(0.025):
        sim.timeline.at(sim.later(when, 30, 300), _move(sim))


def _plan_needs(sim: HouseholdSim, needs: list[Need], when: datetime) -> None:
    """Refer most needs (the serious ones quickly); help some others directly."""
    demo = sim.demo
    for need in needs:
        if demo.chance(REFER_CHANCE[need.severity]):
            if need.severity == "critical":
                at, meeting = demo.minutes_after(when, 30, 480), False
            elif need.severity == "high":
                at, meeting = sim.later(when, 0, 4), False
            else:
                at, meeting = demo.minutes_after(when, 10, 60), True
            sim.timeline.at(at, make_referral(sim, need.need_id, need.department, meeting))
        elif need.category in DIRECT and demo.chance(0.5):
            sim.timeline.at(sim.later(when, 3, 45), _direct(sim, need.need_id))
        elif demo.chance(0.12):
            sim.timeline.at(sim.later(when, 20, 120), _drop(sim, need.need_id))


def _drop(sim: HouseholdSim, need_id: str) -> Action:
    return lambda when: resolve(sim, need_id, "no_longer_needed", "circumstances changed", when)


def _direct(sim: HouseholdSim, need_id: str) -> Action:
    """A field worker's or partner's own help with a need nobody was referred for."""

    def act(when: datetime) -> None:
        household, demo = sim.household, sim.demo
        need, worker = household.needs[need_id], sim.worker(when)
        if not need.is_open or sim.graduated or worker is None:
            return
        kind, provider, description = DIRECT[need.category]
        household.deliver_intervention(
            intervention_id=demo.id(),
            need_id=need_id,
            referral_id=None,
            kind=kind,
            provider=provider,
            description=description,
            occurred_at=when,
            actor=field_worker_actor(worker),
        )
        if need.category == "food_security":
            sim.food_days = max(0, sim.food_days - 2)
        if demo.chance(0.65):
            sim.timeline.at(sim.later(when, 1, 30), lambda t: resolve(sim, need_id, "met", None, t))

    return act


def _visit(sim: HouseholdSim) -> Action:
    def act(when: datetime) -> None:
        worker = sim.worker(when)
        if worker is not None:
            record_visit(sim, worker, when)
        low, high = (
            GRADUATED_VISIT_DAYS if sim.graduated else VISIT_DAYS[_risk_level(sim.household)]
        )
        sim.timeline.at(sim.later(when, low, high), _visit(sim))

    return act


def _reprofile(sim: HouseholdSim) -> Action:
    """The six-monthly re-profile: met needs' problems are gone; then try to graduate."""

    def act(when: datetime) -> None:
        worker = sim.worker(when)
        if sim.graduated or worker is None:
            return
        household = sim.household
        met = [need for need in household.needs.values() if not need.is_open]
        profile = improved(sim.demo, cast(Profile, household.profile), met, when.date())
        food = profile["food_security"]
        food["days_skipped_meal_last_7"] = sim.food_days
        food["child_went_hungry"] = food["child_went_hungry"] and sim.food_days >= 3
        _plan_needs(sim, _submit(sim, profile, worker, when), when)
        _plan_graduation(sim, when)

    return act


def _plan_graduation(sim: HouseholdSim, after: datetime) -> None:
    """Put the household on a meeting's agenda once the policy's minimum time has passed."""
    if sim.moved or sim.first_profiled_at is None:
        return
    minimum = sim.first_profiled_at + timedelta(days=MIN_DAYS_SINCE_FIRST_PROFILE + 1)
    meeting = sim.plan.next_meeting(max(after + timedelta(days=7), minimum), 45)
    if meeting is None:
        return
    visit_at = sim.demo.at_work((meeting.at - timedelta(days=sim.demo.rng.randint(2, 8))).date())
    if visit_at > after:
        sim.timeline.at(visit_at, _pre_graduation_visit(sim))
    sim.timeline.at(sim.demo.minutes_after(meeting.at, 30, 180), _graduate(sim, meeting))


def _pre_graduation_visit(sim: HouseholdSim) -> Action:
    def act(when: datetime) -> None:
        worker = sim.worker(when)
        if worker is not None:
            record_visit(sim, worker, when, "met_household")

    return act


def _graduate(sim: HouseholdSim, meeting: PlannedMeeting) -> Action:
    def act(when: datetime) -> None:
        if sim.graduated or sim.moved:
            return
        sim.plan.discuss(meeting, sim.household_id)
        try:
            graduate(sim.household, meeting.meeting_id, when, sim.plan.convener)
        except RuleViolation:
            sim.graduation_attempts += 1
            if sim.graduation_attempts < MAX_GRADUATION_ATTEMPTS:
                _plan_graduation(sim, sim.later(when, 21, 50))
            return
        sim.graduated_at = when
        if sim.demo.chance(0.12):
            sim.timeline.at(sim.later(when, 20, 100), _regress(sim))

    return act


def _regress(sim: HouseholdSim) -> Action:
    """A graduated household hit by a shock: the re-profile's new need reopens its case."""

    def act(when: datetime) -> None:
        worker = sim.worker(when)
        if not sim.graduated or worker is None:
            return
        profile = shocked(sim.demo, cast(Profile, sim.household.profile), when.date())
        _plan_needs(sim, _submit(sim, profile, worker, when), when)

    return act


def _move(sim: HouseholdSim) -> Action:
    def act(when: datetime) -> None:
        here, demo = sim.plan, sim.demo
        if sim.graduated or sim.moved:
            return
        others = [p for p in sim.wards if p is not here]
        nearby = [p for p in others if p.place.municipality == here.place.municipality]
        if not others:
            return
        there = demo.rng.choice(nearby or others)
        worker = sim.worker(when)
        if worker is not None:
            record_visit(sim, worker, when, "moved_away")
        sim.household.move(there.ward_id, pick(demo.rng, MOVE_REASONS), when, here.convener)
        for referral in sim.referrals:
            if demo.chance(0.5):
                cancel_referral(sim, referral, "the household moved out of the ward", when)
        sim.plan, sim.slot, sim.moved = there, demo.rng.choice(there.slots), True
        # The new ward's war room takes over (as ``move_household`` does): the open referrals,
        # and the caseload, given to one of its own field workers.
        for referral in sim.referrals:
            referral.rehome(there.ward_id, when, there.convener)
        sim.household.release_field_worker(RELEASED_ON_MOVE, when, there.convener)
        worker = sim.worker(when)
        if worker is not None:
            sim.household.assign_field_worker(worker, when, there.convener)

    return act
