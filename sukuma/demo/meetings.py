"""Record a ward's war-room history: members joining and leaving, meetings and action items.

Runs after the ward's households are simulated, so each meeting lists the households it
discussed. Everything goes through the WarRoom aggregate's own methods, in time order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from domain.warrooms.model import Member
from sukuma.demo.context import Action, Demo, Timeline, pick
from sukuma.demo.imbizo import plan_izimbizo
from sukuma.demo.warroom import DEPARTMENT_SEATS, PlannedMeeting, Tenure, WardPlan

SEAT_ATTENDANCE: Final = {
    "ward_champion": 0.55,
    "convener": 0.95,
    "deputy_convener": 0.7,
    "secretary": 0.9,
    "field_worker": 0.8,
    "traditional_council": 0.5,
    "civil_society": 0.6,
    "ngo": 0.5,
}
# (owner department or seat, text): an owner that is not seated falls back to the convener.
ACTION_ITEMS: Final = (
    ("DHA", "Bring the Home Affairs mobile unit to {village} for birth registrations and IDs"),
    ("SASSA", "Report back on the grant applications the war room referred"),
    ("DOH", "Trace the ward's patients who are defaulting on treatment"),
    ("DSD", "Assess the child-headed households and open foster-care applications"),
    ("MUNI", "Confirm the water tanker schedule for {village}"),
    ("DBE", "Place the out-of-school children with the circuit office"),
    ("SAPS", "Follow up the gender-based violence cases reported in the ward"),
    ("convener", "Escalate the overdue referrals to the Local Task Team"),
    ("field_worker", "Revisit the high-risk households not seen in the last 30 days"),
    ("secretary", "Prepare the ward report for the next izimbizo"),
)


def record_war_room(demo: Demo, plan: WardPlan) -> None:
    """Seat the members, hold the planned meetings, agree and complete action items."""
    timeline = Timeline(demo.now)
    timeline.at(plan.established_at + timedelta(minutes=30), lambda t: _seat_members(demo, plan, t))
    tenures = {t.worker_id: t for slot in plan.slots for t in slot.tenures}
    names = {str(w.id): w.name for w in plan.field_workers}
    for tenure in tenures.values():
        timeline.at(tenure.start + timedelta(hours=2), _joins_as_field_worker(plan, tenure, names))
        if tenure.end is not None:
            timeline.at(tenure.end, _leaves(plan, tenure.worker_id, "no longer a field worker"))
    if demo.chance(0.12):
        _plan_turnover(demo, plan, timeline)
    for meeting in plan.meetings:
        timeline.at(meeting.at, _meeting(demo, plan, meeting, tenures, timeline))
    plan_izimbizo(demo, plan, timeline)
    timeline.run()
    plan.recorded = True


def _seat_members(demo: Demo, plan: WardPlan, when: datetime) -> None:
    seats: list[tuple[str, str | None]] = [
        ("ward_champion", None),
        ("convener", None),
        ("secretary", None),
        *(("department", d) for d in DEPARTMENT_SEATS),
    ]
    if demo.chance(0.5):
        seats.insert(2, ("deputy_convener", None))
    if plan.place.settlement == "rural":
        seats.append(("traditional_council", None))
    seats.append(("civil_society", None))
    if demo.chance(0.2):
        seats.append(("ngo", demo.rng.choice(("NGO:CHILDLINE", "NGO:LIFELINE"))))
    for index, (seat, department) in enumerate(seats):
        name = demo.faker.name()
        plan.war_room.join(
            member_id=demo.id(),
            name=name,
            seat=seat,
            department=department,
            occurred_at=when + timedelta(minutes=index),
            actor=plan.convener,
        )


def _joins_as_field_worker(plan: WardPlan, tenure: Tenure, names: dict[str, str]) -> Action:
    def join(when: datetime) -> None:
        name = names[tenure.worker_id]
        plan.war_room.join(
            member_id=tenure.worker_id,
            name=name,
            seat="field_worker",
            department=None,
            occurred_at=when,
            actor=plan.convener,
        )

    return join


def _leaves(plan: WardPlan, member_id: str, reason: str) -> Action:
    def leave(when: datetime) -> None:
        member = plan.war_room.members.get(member_id)
        if member is not None and member.active:
            plan.war_room.leave(member_id, reason, when, plan.convener)

    return leave


def _plan_turnover(demo: Demo, plan: WardPlan, timeline: Timeline) -> None:
    """A department officer is transferred; the seat stays empty until a successor comes."""
    department = demo.rng.choice(DEPARTMENT_SEATS)
    leaves = demo.days_after(plan.established_at, 90, 300)
    successor = demo.days_after(leaves, 14, 70)

    def leave(when: datetime) -> None:
        for member in list(plan.war_room.members.values()):
            if member.department == department and member.active:
                plan.war_room.leave(member.member_id, "transferred", when, plan.convener)

    def join(when: datetime) -> None:
        plan.war_room.join(
            member_id=demo.id(),
            name=demo.faker.name(),
            seat="department",
            department=department,
            occurred_at=when,
            actor=plan.convener,
        )

    timeline.at(leaves, leave)
    timeline.at(successor, join)


def _attends(demo: Demo, plan: WardPlan, member: Member, tenures: dict[str, Tenure]) -> bool:
    if member.seat == "department" and member.department is not None:
        chance = plan.attendance.get(member.department, 0.5)
    else:
        chance = SEAT_ATTENDANCE.get(member.seat, 0.5)
    tenure = tenures.get(member.member_id)
    if tenure is not None and tenure.silent_from is not None:
        chance = 0.05  # a drifting field worker stops coming too
    return demo.chance(chance)


def _meeting(
    demo: Demo,
    plan: WardPlan,
    meeting: PlannedMeeting,
    tenures: dict[str, Tenure],
    timeline: Timeline,
) -> Action:
    def hold(when: datetime) -> None:
        room = plan.war_room
        active = [m for m in room.members.values() if m.active]
        present = [m.member_id for m in active if _attends(demo, plan, m, tenures)]
        discussed = list(meeting.discussed)
        note = f"{len(discussed)} households discussed; {len(present)} members present"
        room.hold_meeting(
            meeting_id=meeting.meeting_id,
            attendee_member_ids=present,
            households_discussed=discussed,
            notes=note,
            occurred_at=when,
            actor=plan.convener,
        )
        count = pick(demo.rng, ((0, 35.0), (1, 35.0), (2, 20.0), (3, 10.0)))
        for index in range(count):
            _agree_item(demo, plan, meeting, active, when + timedelta(minutes=index + 1), timeline)

    return hold


def _agree_item(
    demo: Demo,
    plan: WardPlan,
    meeting: PlannedMeeting,
    active: list[Member],
    when: datetime,
    timeline: Timeline,
) -> None:
    owner_key, text = demo.rng.choice(ACTION_ITEMS)
    owners = [m for m in active if owner_key in (m.department, m.seat)]
    convener = [m for m in active if m.seat == "convener"]
    owner = demo.rng.choice(owners or convener or active)
    item_id = demo.id()
    due = (when + timedelta(days=demo.rng.randint(7, 21))).date()
    text = text.format(village=demo.rng.choice(plan.place.villages))
    plan.war_room.agree_action_item(
        item_id=item_id,
        text=text,
        owner_member_id=owner.member_id,
        due_on=due,
        meeting_id=meeting.meeting_id,
        occurred_at=when,
        actor=plan.convener,
    )
    if demo.chance(0.62):
        note = pick(demo.rng, (("done", 60.0), ("done late", 25.0), ("done in part", 15.0)))

        def complete(done_at: datetime) -> None:
            plan.war_room.complete_action_item(item_id, note, done_at, plan.convener)

        timeline.at(demo.days_after(when, 3, 35), complete)
