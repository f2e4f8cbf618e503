"""Record a year of the Results and Delivery routine for the demo's first municipality.

Its local task team (and the district's and province's teams) is established a year before
``now`` and meets monthly; it owns two priorities: every household profiled (on its
trajectory) and households graduating (far behind it: the visibly off-track target), each
with a target for the municipality. The LTT holds a stocktake every quarter, rating both
targets and agreeing actions (the last one's graduation action is left past its date, for
EW-14); the graduation priority gets a note each month and a delivery chain; the first ward's
war room agrees a solution and reports on it. Everything goes through the application's
commands, so the rules are the API's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from uuid import UUID

from domain.context import CommandContext
from domain.delivery.teams import task_team_id
from domain.delivery.trajectory import add_months, month_of
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.demo.context import Demo
from sukuma.demo.warroom import WardPlan

ACTOR: Final = "demo:nerve-centre"
SEATS: Final = (
    ("Municipal manager", "chair", None),
    ("Nerve centre analyst", "nerve_centre", None),
    ("DSD local office manager", "department", "DSD"),
    ("SASSA local office manager", "department", "SASSA"),
    ("Home Affairs office manager", "department", "DHA"),
    ("Clinic operations manager", "department", "DOH"),
)
# (profiling rating, graduation rating, graduation problem level) at each quarter's stocktake
QUARTERS: Final = ((3, 3, 1), (4, 2, 2), (4, 2, 2), (4, 1, 3))


@dataclass(frozen=True)
class DeliveryCounts:
    task_teams: int
    priorities: int
    targets: int
    stocktakes: int
    solutions: int


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


class _Routine:
    """The demo's clock and randomness over the application's commands."""

    def __init__(self, app: Sukuma, demo: Demo) -> None:
        self.app, self.demo = app, demo
        self.last = datetime.min.replace(tzinfo=UTC)

    def at(self, day: date) -> CommandContext:
        """A context on ``day`` in office hours, never after the demo's ``now``; commands
        of one day follow each other (an aggregate's events stay in time order)."""
        moment = datetime.combine(day, time(7), UTC) + timedelta(
            minutes=self.demo.rng.randrange(4 * 60)
        )
        if moment.date() == self.last.date() and moment <= self.last:
            moment = self.last + timedelta(minutes=1)
        self.last = moment = min(moment, self.demo.now - timedelta(hours=1))
        return CommandContext(actor=ACTOR, occurred_at=moment)


def record_delivery(app: Sukuma, demo: Demo, wards: list[WardPlan]) -> DeliveryCounts:
    """The routine's year (nothing without wards)."""
    if not wards:
        return DeliveryCounts(0, 0, 0, 0, 0)
    r = _Routine(app, demo)
    today = demo.now.date()
    start = today - timedelta(days=365)
    municipality = wards[0].place.municipality
    households = sum(w.place.households for w in wards if w.place.municipality == municipality)
    for kind, code, name in (
        ("LTT", municipality.code, f"{municipality.name} Local Task Team"),
        ("DTT", municipality.district_code, "District Task Team"),
        ("PTT", geography().province.code, "Provincial Task Team"),
    ):
        app.establish_task_team(kind, code, name, r.at(start))
    team_id = task_team_id("LTT", municipality.code)
    members = [demo.uuid() for _ in SEATS]
    for member_id, (name, seat, department) in zip(members, SEATS, strict=True):
        app.add_task_team_member(team_id, (member_id, name, seat, department), r.at(start))
    baseline_on = _month_end(month_of(start))
    due_on = _month_end(add_months(month_of(today), 2))
    profiling, graduation = demo.uuid(), demo.uuid()
    profiling_target, graduation_target = demo.uuid(), demo.uuid()
    for priority_id, target_id, title, indicator, value in (
        (profiling, profiling_target, "Every household profiled", "M1", households),
        (graduation, graduation_target, "Households graduate out of poverty", "M12",
         max(households // 2, 10)),
    ):  # fmt: skip
        app.define_priority(
            priority_id=priority_id, title=title, description=None, team="LTT",
            team_code=municipality.code, ctx=r.at(start),
        )  # fmt: skip
        app.set_target(
            target_id=target_id, priority_id=priority_id, indicator=indicator,
            area=("municipality", municipality.code), baseline=(0, baseline_on),
            target=(value, due_on), points=None, ctx=r.at(start),
        )  # fmt: skip
    _chain(app, r, graduation_target, municipality.name, start)
    _meetings_and_notes(app, r, team_id, members, graduation, start)
    for quarter, ratings in enumerate(QUARTERS):
        held = start + timedelta(days=91 * (quarter + 1) - 8)
        _stocktake(
            app,
            r,
            team_id,
            members,
            (profiling, profiling_target),
            (graduation, graduation_target),
            held,
            ratings,
        )
    _solution(app, r, wards[0], start)
    return DeliveryCounts(
        task_teams=3, priorities=2, targets=2, stocktakes=len(QUARTERS), solutions=1
    )


def _chain(app: Sukuma, r: _Routine, target_id: UUID, municipality: str, day: date) -> None:
    for role, body, owner, indicator in (
        ("department", "DSD KwaZulu-Natal", "Head of Department, DSD", "M12 for the district"),
        ("district_office", "DSD district office", "District director, DSD", "M6 for DSD"),
        ("municipality", f"{municipality} Local Task Team", "Municipal manager", "M12"),
        ("war_room", "Ward war rooms", "Each ward's convener", "M12 for the ward"),
    ):
        link = {"link_id": str(r.demo.uuid()), "role": role, "body": body}
        link |= {"owner": owner, "indicator": indicator}
        app.add_chain_link(target_id, link, r.at(day))


def _meetings_and_notes(
    app: Sukuma, r: _Routine, team_id: UUID, members: list[UUID], priority_id: UUID, start: date
) -> None:
    notes = (
        "Graduations slower than planned: households wait for ID documents first.",
        "Home Affairs mobile unit visits agreed; graduation reviews start in two wards.",
        "Still behind: grant applications take longer than the standard.",
    )
    for n in range(1, 13):
        month = add_months(month_of(start), n)
        if month > month_of(r.demo.now.date()):
            break
        day = min(month + timedelta(days=9), r.demo.now.date())
        present = [str(m) for m in members if r.demo.chance(0.8)]
        meeting: tuple[UUID, list[str], list[str], str | None] = (
            r.demo.uuid(), present, [], "Monthly LTT meeting"
        )  # fmt: skip
        app.hold_task_team_meeting(team_id, meeting, r.at(day))
        app.write_priority_note(priority_id, month, notes[n % len(notes)], r.at(day))


def _stocktake(
    app: Sukuma,
    r: _Routine,
    team_id: UUID,
    members: list[UUID],
    profiling: tuple[UUID, UUID],
    graduation: tuple[UUID, UUID],
    held: date,
    ratings: tuple[int, int, int],
) -> None:
    profiling_rating, graduation_rating, problem = ratings
    last = held > r.demo.now.date() - timedelta(days=30)
    due = held + timedelta(days=5 if last else 30)

    def action(text: str, owner: str) -> dict[str, Any]:
        return {"action_id": str(r.demo.uuid()), "text": text, "owner": owner,
                "due_on": due.isoformat()}  # fmt: skip

    reviews: list[dict[str, Any]] = [
        {"priority_id": str(profiling[0]), "target_id": str(profiling[1]),
         "rating": profiling_rating, "problem_level": 1,
         "reason": "Field workers have profiled nearly every household.",
         "decisions": ["Keep profiling new households as they arrive"],
         "actions": [action("Re-profile households whose profile is a year old", "Convener")]},
        {"priority_id": str(graduation[0]), "target_id": str(graduation[1]),
         "rating": graduation_rating, "problem_level": problem,
         "reason": "Graduations far behind the trajectory: grants and IDs are slow.",
         "decisions": ["Ask the DTT to unblock the ID backlog with Home Affairs"],
         "actions": [action("Report the ID backlog per ward", "Home Affairs office manager")]},
    ]  # fmt: skip
    stocktake_id = r.demo.uuid()
    present = [str(m) for m in members]
    app.hold_stocktake(
        stocktake_id=stocktake_id, team_id=team_id, attendee_member_ids=present,
        reviews=reviews, suggested={}, ctx=r.at(held),
    )  # fmt: skip
    done = reviews if not last else reviews[:1]  # the last graduation action stays open
    for review in done:
        action_id = review["actions"][0]["action_id"]
        app.complete_stocktake_action(
            stocktake_id, action_id, "Done", r.at(due - timedelta(days=2))
        )


def _solution(app: Sukuma, r: _Routine, ward: WardPlan, start: date) -> None:
    solution_id = r.demo.uuid()
    agreed = start + timedelta(days=120)
    plan = [
        {"text": "Book the Home Affairs mobile unit", "owner": "Convener",
         "due_on": (agreed + timedelta(days=14)).isoformat()},
        {"text": "List the children without birth certificates", "owner": "Field workers",
         "due_on": (agreed + timedelta(days=10)).isoformat()},
    ]  # fmt: skip
    app.agree_solution(
        solution_id=solution_id, body=("warroom", ward.war_room.id),
        problem="Children without birth certificates cannot get the child support grant",
        solution="A Home Affairs mobile unit at the school every month", plan=plan,
        target_id=None, ctx=r.at(agreed),
    )  # fmt: skip
    for days, status, rag, evidence in (
        (20, "in_progress", "amber", "The unit came once; 31 children registered"),
        (80, "implemented", "green", "Monthly visits on the municipal calendar"),
    ):
        app.report_solution_progress(
            solution_id, (status, rag, evidence), r.at(agreed + timedelta(days=days))
        )
