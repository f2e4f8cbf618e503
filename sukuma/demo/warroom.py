"""A ward's war room and field workers: seats, rosters, the meeting calendar and its meetings.

The calendar is planned before the ward's households are simulated (referrals, escalations and
graduations happen at meetings); the meetings are recorded after, with the households each one
discussed. Some weeks are skipped, a few war rooms stop meeting, and some departments stay
away, so the early-warning rules (EW-07, EW-08, EW-09) have something to find.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Final

from domain.fieldworkers.model import FieldWorker
from domain.warrooms.model import WarRoom, war_room_id
from sukuma.demo.context import Demo, pick
from sukuma.demo.places import Place

DEPARTMENT_SEATS: Final = ("DSD", "SASSA", "DOH", "DHA", "DBE", "SAPS", "MUNI")
MEETING_TIME_UTC: Final = time(8, 0)  # 10:00 SAST
MEETING_DAYS: Final = ((3, 50.0), (1, 20.0), (2, 20.0), (4, 10.0))  # Thursday mostly
HOUSEHOLDS_PER_FIELD_WORKER: Final = 25
CADRES: Final = (("ccg", 70.0), ("cdw", 15.0), ("youth_ambassador", 15.0))
EMPLOYERS: Final = {"ccg": "DOH", "cdw": "COGTA", "youth_ambassador": "OTP"}


@dataclass
class Tenure:
    """One field worker's time on a slot (a share of the ward's households)."""

    worker_id: str
    start: datetime
    end: datetime | None = None  # deactivated
    silent_from: datetime | None = None  # drifting: no visits or profiles from then on


@dataclass
class Slot:
    tenures: list[Tenure] = field(default_factory=list)

    def worker_at(self, when: datetime) -> str | None:
        """The field worker covering the slot at ``when`` (None in a gap or while silent)."""
        for tenure in self.tenures:
            if tenure.start <= when and (tenure.end is None or when < tenure.end):
                if tenure.silent_from is not None and when >= tenure.silent_from:
                    return None
                return tenure.worker_id
        return None


@dataclass
class PlannedMeeting:
    meeting_id: str
    at: datetime
    discussed: dict[str, None] = field(default_factory=dict)  # household ids, in order


@dataclass
class WardPlan:
    place: Place
    established_at: datetime
    war_room: WarRoom
    field_workers: list[FieldWorker]
    slots: list[Slot]
    meetings: list[PlannedMeeting]
    attendance: dict[str, float]  # department -> chance its officer attends
    recorded: bool = False

    @property
    def ward_id(self) -> str:
        return self.place.ward.id

    @property
    def convener(self) -> str:
        return f"convener:{self.ward_id}"

    def officer(self, department: str) -> str:
        return f"officer:{department}:{self.place.municipality.code}"

    def next_meeting(self, after: datetime, within_days: float) -> PlannedMeeting | None:
        """The first meeting after ``after`` and within ``within_days`` of it."""
        index = bisect.bisect_right([m.at for m in self.meetings], after)
        if index < len(self.meetings):
            meeting = self.meetings[index]
            if meeting.at - after <= timedelta(days=within_days):
                return meeting
        return None

    def discuss(self, meeting: PlannedMeeting, household_id: str) -> None:
        if not self.recorded:
            meeting.discussed[household_id] = None


def plan_ward(demo: Demo, place: Place) -> WardPlan:
    """Establish the war room about a year before ``now``; staff it; plan its calendar."""
    established = demo.at_work((demo.now - timedelta(days=demo.rng.randint(370, 430))).date())
    cadence = 14 if demo.chance(0.15) else 7
    room = WarRoom(
        id=war_room_id(place.ward.id),
        ward_id=place.ward.id,
        name=f"{place.municipality.name} Ward {place.ward.number} War Room",
        meeting_cadence_days=cadence,
        occurred_at=established,
        actor=f"convener:{place.ward.id}",
    )
    plan = WardPlan(place, established, room, [], [], _calendar(demo, established, cadence), {})
    for _ in range(max(1, round(place.households / HOUSEHOLDS_PER_FIELD_WORKER))):
        plan.slots.append(_staff_slot(demo, plan))
    absent = demo.rng.sample(DEPARTMENT_SEATS, pick(demo.rng, ((0, 45.0), (1, 40.0), (2, 15.0))))
    for department in DEPARTMENT_SEATS:
        low, high = (0.05, 0.25) if department in absent else (0.6, 0.95)
        plan.attendance[department] = demo.rng.uniform(low, high)
    return plan


def _calendar(demo: Demo, established: datetime, cadence: int) -> list[PlannedMeeting]:
    """Meetings every ``cadence`` days from a week after launch; some skipped, some stop."""
    stop = demo.now
    if demo.chance(0.08):
        stop -= timedelta(days=demo.rng.randint(20, 60))  # a war room that stopped meeting
    meetings: list[PlannedMeeting] = []
    day = (established + timedelta(days=7)).date()
    weekday = pick(demo.rng, MEETING_DAYS)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    while True:
        at = datetime.combine(day, MEETING_TIME_UTC, tzinfo=established.tzinfo)
        at += timedelta(minutes=demo.rng.randint(0, 45))
        if at > stop:
            return meetings
        if not demo.chance(0.12):
            meetings.append(PlannedMeeting(demo.id(), at))
        day += timedelta(days=cadence)


def _register_worker(demo: Demo, plan: WardPlan, when: datetime) -> Tenure:
    cadre = pick(demo.rng, CADRES)
    worker = FieldWorker(
        id=demo.uuid(),
        name=demo.faker.name(),
        cadre=cadre,
        employer=EMPLOYERS[cadre],
        phone=demo.phone(),
        occurred_at=when,
        actor=plan.convener,
    )
    assigned = demo.minutes_after(when, 5, 60)
    worker.assign(plan.ward_id, assigned, plan.convener)
    plan.field_workers.append(worker)
    return Tenure(str(worker.id), assigned)


def _staff_slot(demo: Demo, plan: WardPlan) -> Slot:
    """One worker per slot; some leave and are replaced; some drift into silence."""
    first = _register_worker(demo, plan, demo.days_after(plan.established_at, 0, 10))
    slot = Slot([first])
    if demo.chance(0.08):
        leaves = demo.days_after(first.start, 90, 300)
        replaced = demo.days_after(leaves, 5, 25)
        if replaced < demo.now - timedelta(days=1):
            first.end = leaves
            plan.field_workers[-1].deactivate(pick(demo.rng, LEAVING), leaves, plan.convener)
            slot.tenures.append(_register_worker(demo, plan, replaced))
    if demo.chance(0.1):
        slot.tenures[-1].silent_from = demo.now - timedelta(days=demo.rng.randint(16, 45))
    return slot


LEAVING: Final = (
    ("resigned", 40.0),
    ("stipend contract ended", 35.0),
    ("moved out of the ward", 15.0),
    ("ill health", 10.0),
)
