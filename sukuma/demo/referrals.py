"""A referral's course: made, then acknowledged, delivered, verified and closed, or not.

Each referral gets a planned end (most close; some are rejected or cancelled; some stop on the
way: never acknowledged, overdue, delivered but unverified, disputed). Slow departments in a
municipality acknowledge late; late referrals are escalated up the ladder (levels 1-3). The
household's side (need referred, intervention, need released or resolved) mirrors
``domain.referrals.application``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from domain.reference.departments import service_standard
from domain.referrals.application import refer
from domain.referrals.model import Referral
from domain.vocabulary import ReferralStatus
from sukuma.demo.context import Action, DepartmentPerformance, pick
from sukuma.demo.sim import HouseholdSim, field_worker_actor, record_visit, resolve
from sukuma.demo.texts import (
    CANCEL_REASONS,
    DELIVERIES,
    DISPUTE_REASONS,
    REJECTIONS,
    alternative,
    referral_note,
)

S = ReferralStatus
ENDS: Final = (
    ("close", 62.0),
    ("verify", 5.0),
    ("deliver", 4.0),
    ("dispute", 2.0),
    ("reject", 7.0),
    ("cancel", 4.0),
    ("acknowledge", 9.0),
    ("made", 7.0),
)
ESCALATE_LATE: Final = 0.4  # the share of late referrals the war room escalates
SLOW_ENDS: Final = (*ENDS[:-2], ("acknowledge", 16.0), ("made", 18.0))


@dataclass
class Course:
    referral: Referral
    end: str  # the last step it will take (unless time runs out first)
    reassign: bool
    dispute_first: bool
    performance: DepartmentPerformance


def make_referral(sim: HouseholdSim, need_id: str, department: str, meeting: bool) -> Action:
    """Refer an open need (at the next meeting when ``meeting``), then follow its course."""

    def act(when: datetime) -> None:
        household, plan, demo = sim.household, sim.plan, sim.demo
        need = household.needs[need_id]
        if not need.is_open or need.open_referral_id is not None or sim.graduated:
            return
        note = referral_note(need.category, need.severity)
        referral = refer(
            household, demo.uuid(), need_id, department, demo.chance(0.85), note, when,
            plan.convener,
        )  # fmt: skip
        sim.referrals.append(referral)
        performance = demo.performance_of(plan.place.municipality.code, department)
        course = Course(
            referral,
            pick(demo.rng, SLOW_ENDS if performance.slow else ENDS),
            demo.chance(0.03),
            demo.chance(0.05),
            performance,
        )
        _from_made(sim, course, when)

    def at_meeting(when: datetime) -> None:
        if not meeting:
            act(when)
            return
        found = sim.plan.next_meeting(when, 14)
        if found is None:  # no meeting soon: the convener refers it directly
            sim.timeline.at(sim.later(when, 1, 14), act)
            return
        sim.plan.discuss(found, sim.household_id)
        sim.timeline.at(sim.demo.minutes_after(found.at, 10, 150), act)

    return at_meeting


def _officer(sim: HouseholdSim, course: Course) -> str:
    return sim.plan.officer(course.referral.department)


def _due(sim: HouseholdSim, due: date) -> datetime:
    return sim.demo.at_work(due)


def _from_made(sim: HouseholdSim, course: Course, when: datetime) -> None:
    demo, referral = sim.demo, course.referral
    if course.reassign:
        course.reassign = False
        sim.timeline.at(sim.later(when, 1, 6), _reassign(sim, course))
        return
    ack_days = (referral.ack_by - when.date()).days
    if course.end == "made":
        _escalations(sim, course, _due(sim, referral.ack_by), None)
    elif course.end in ("reject", "cancel") and demo.chance(0.6):
        step = _reject if course.end == "reject" else _cancel
        sim.timeline.at(sim.later(when, 1, 12), step(sim, course, S.MADE))
    else:
        late = demo.chance(course.performance.late_ack_share)
        low, high = (ack_days + 1, ack_days + 25) if late else (0.05, max(0.5, ack_days * 0.95))
        ack_at = sim.later(when, low, high)
        if late:
            _escalations(sim, course, _due(sim, referral.ack_by), ack_at)
        sim.timeline.at(ack_at, _acknowledge(sim, course))


def _reassign(sim: HouseholdSim, course: Course) -> Action:
    def act(when: datetime) -> None:
        referral = course.referral
        if referral.status != S.MADE:
            return
        target = alternative(referral.department, referral.category)
        standard = service_standard(target, referral.category)
        on = when.date()
        referral.reassign(
            to_department=target,
            reason=f"{target} is the department that handles this",
            ack_by=on + timedelta(days=standard.ack_within_days),
            deliver_by=on + timedelta(days=standard.deliver_within_days),
            standard_version=standard.version,
            occurred_at=when,
            actor=_officer(sim, course),
        )
        course.performance = sim.demo.performance_of(sim.plan.place.municipality.code, target)
        _from_made(sim, course, when)

    return act


def _acknowledge(sim: HouseholdSim, course: Course) -> Action:
    def act(when: datetime) -> None:
        referral, demo = course.referral, sim.demo
        if referral.status != S.MADE:
            return
        referral.acknowledge(None, when, _officer(sim, course))
        if course.end == "acknowledge":
            _escalations(sim, course, _due(sim, referral.deliver_by), None)
        elif course.end in ("reject", "cancel"):
            step = _reject if course.end == "reject" else _cancel
            sim.timeline.at(sim.later(when, 2, 25), step(sim, course, S.ACKNOWLEDGED))
        else:
            within = max(1, (referral.deliver_by - when.date()).days)
            late = demo.chance(course.performance.late_delivery_share)
            low, high = (within * 1.05, within * 2.0) if late else (within * 0.15, within * 0.95)
            deliver_at = sim.later(when, low, high)
            if late:
                _escalations(sim, course, _due(sim, referral.deliver_by), deliver_at)
            sim.timeline.at(deliver_at, _deliver(sim, course))

    return act


def _escalations(sim: HouseholdSim, course: Course, due: datetime, until: datetime | None) -> None:
    """Most late referrals go up the ladder: the war room, then the LTT, then the DTT."""
    demo, status, plan = sim.demo, course.referral.status, sim.plan
    if not demo.chance(ESCALATE_LATE):
        return
    ladder = ((1, plan.convener), (2, plan.convener), (3, f"ltt:{plan.place.municipality.code}"))
    when = sim.later(due, 1, 10)
    for level, actor in ladder:
        if until is not None and when >= until:
            return
        sim.timeline.at(when, _escalate(sim, course, level, actor, status))
        if not demo.chance(0.45):
            return
        when = sim.later(when, 7, 30)


def _escalate(sim: HouseholdSim, course: Course, level: int, actor: str, status: str) -> Action:
    def act(when: datetime) -> None:
        referral = course.referral
        if referral.status != status or referral.escalation_level >= level:
            return
        stage = "acknowledged" if status == S.MADE else "delivered"
        reason = f"not {stage} by {referral.department} within the service standard"
        referral.escalate(level, reason, when, actor)
        if level == 1:
            meeting = sim.plan.next_meeting(when, 0.5)
            if meeting is not None:
                sim.plan.discuss(meeting, sim.household_id)

    return act


def _reject(sim: HouseholdSim, course: Course, status: str) -> Action:
    def act(when: datetime) -> None:
        referral, demo = course.referral, sim.demo
        if referral.status != status:
            return
        reason, note = pick(demo.rng, REJECTIONS)
        referral.reject(reason, note, when, _officer(sim, course))
        sim.household.end_need_referral(
            need_id=referral.need_id,
            referral_id=str(referral.id),
            outcome="rejected",
            occurred_at=when,
            actor=_officer(sim, course),
        )
        _after_rejection(sim, referral, reason, when)

    return act


def _after_rejection(sim: HouseholdSim, referral: Referral, reason: str, when: datetime) -> None:
    """Some rejected needs are referred elsewhere; some are dropped; the rest wait (EW-04)."""
    demo = sim.demo
    if reason == "household_declined" and demo.chance(0.5):
        sim.timeline.at(
            sim.later(when, 1, 10),
            lambda t: resolve(sim, referral.need_id, "no_longer_needed", "household declined", t),
        )
    elif demo.chance(0.45):
        target = alternative(referral.department, referral.category)
        sim.timeline.at(
            sim.later(when, 2, 18), make_referral(sim, referral.need_id, target, meeting=True)
        )


def _cancel(sim: HouseholdSim, course: Course, status: str) -> Action:
    def act(when: datetime) -> None:
        cancel_referral(sim, course.referral, pick(sim.demo.rng, CANCEL_REASONS), when)
        if course.referral.status == S.CANCELLED and sim.demo.chance(0.4):
            sim.timeline.at(
                sim.later(when, 1, 14),
                lambda t: resolve(
                    sim, course.referral.need_id, "no_longer_needed", "met by other means", t
                ),
            )

    return act


def cancel_referral(sim: HouseholdSim, referral: Referral, reason: str, when: datetime) -> None:
    if referral.status not in (S.MADE, S.ACKNOWLEDGED):
        return
    referral.cancel(reason, when, sim.plan.convener)
    sim.household.end_need_referral(
        need_id=referral.need_id,
        referral_id=str(referral.id),
        outcome="cancelled",
        occurred_at=when,
        actor=sim.plan.convener,
    )


def _deliver(sim: HouseholdSim, course: Course) -> Action:
    def act(when: datetime) -> None:
        referral, household = course.referral, sim.household
        if referral.status != S.ACKNOWLEDGED or sim.graduated:
            return
        kind, description = DELIVERIES.get(referral.category, ("service", "Service delivered"))
        intervention_id, officer = sim.demo.id(), _officer(sim, course)
        referral.deliver(
            intervention_id=intervention_id,
            kind=kind,
            description=description,
            occurred_at=when,
            actor=officer,
        )
        household.deliver_intervention(
            intervention_id=intervention_id,
            need_id=referral.need_id,
            referral_id=str(referral.id),
            kind=kind,
            provider=referral.department,
            description=description,
            occurred_at=when,
            actor=officer,
        )
        if referral.category == "food_security":
            sim.food_days = max(0, sim.food_days - 3)
        if course.end != "deliver":
            sim.timeline.at(sim.later(when, 2, 20), _follow_up(sim, course, 0))

    return act


def _follow_up(sim: HouseholdSim, course: Course, tries: int) -> Action:
    """The field worker asks the household: confirmed (verified) or not (disputed)."""

    def act(when: datetime) -> None:
        referral, demo = course.referral, sim.demo
        worker = sim.worker(when)
        if referral.status != S.SERVICE_DELIVERED:
            return
        if worker is None:
            if tries < 3:
                sim.timeline.at(sim.later(when, 7, 14), _follow_up(sim, course, tries + 1))
            return
        record_visit(sim, worker, when, "met_household")
        if course.dispute_first or course.end == "dispute":
            course.dispute_first = False
            referral.dispute(pick(demo.rng, DISPUTE_REASONS), when, field_worker_actor(worker))
            if course.end != "dispute":
                sim.timeline.at(sim.later(when, 2, 10), _reopen(sim, course))
            return
        referral.verify("the household confirmed the service", when, field_worker_actor(worker))
        if course.end == "close":
            meeting = sim.plan.next_meeting(when, 21)
            close_at = sim.later(when, 1, 10) if meeting is None else meeting.at
            if meeting is not None:
                sim.plan.discuss(meeting, sim.household_id)
            sim.timeline.at(sim.demo.minutes_after(close_at, 5, 120), _close(sim, course))

    return act


def _reopen(sim: HouseholdSim, course: Course) -> Action:
    def act(when: datetime) -> None:
        referral = course.referral
        if referral.status != S.DISPUTED:
            return
        referral.reopen("the household did not receive the service", when, sim.plan.convener)
        sim.timeline.at(sim.later(when, 5, 30), _deliver(sim, course))

    return act


def _close(sim: HouseholdSim, course: Course) -> Action:
    def act(when: datetime) -> None:
        referral, household, actor = course.referral, sim.household, sim.plan.convener
        if referral.status != S.VERIFIED:
            return
        note = "closed at the war room: the household confirmed delivery"
        referral.close(note, when, actor)
        household.end_need_referral(
            need_id=referral.need_id,
            referral_id=str(referral.id),
            outcome="closed",
            occurred_at=when,
            actor=actor,
        )
        if household.needs[referral.need_id].is_open:
            household.resolve_need(
                need_id=referral.need_id,
                resolution="referral_closed",
                note=None,
                occurred_at=when,
                actor=actor,
            )
            if referral.category == "food_security":
                sim.food_days = 0 if sim.demo.chance(0.85) else 1

    return act
