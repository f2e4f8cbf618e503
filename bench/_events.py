"""Realistic event histories, fast: aggregates changed in memory, their events saved in batches.

Each household lives a timeline through the aggregates' own command methods (so every event is
one the domain allows): registration by a field worker, a profile (risk score and derived
needs), needs identified by hand, visits, referrals moved through their lifecycle (acknowledged,
escalated, reassigned, rejected, cancelled, delivered, disputed and reopened, verified, closed),
interventions, moves, graduations and reopenings. War rooms meet and field workers are assigned.

Events are collected in the order they happen (a batch's households interleaved by
``occurred_at``) and appended with one ``app.save(*events)`` per batch: tens of thousands of
events a second instead of one transaction per command.

    fill(app, 100_000, on_progress=print)   # at least 100k events; returns FillStats
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from eventsourcing.domain import Aggregate, CanMutateAggregate

from domain.errors import DomainError
from domain.fieldworkers.model import FieldWorker
from domain.households.application import apply_profile, graduate
from domain.households.model import Household
from domain.profile import Profile, validate_profile
from domain.reference.departments import default_department, departments, service_standard
from domain.reference.geography import Ward, geography
from domain.referrals.application import refer
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from domain.vocabulary import NeedCategory, ReferralStatus, RejectionReason, Severity
from domain.warrooms.model import WarRoom, war_room_id

Event = CanMutateAggregate[uuid.UUID]

#: The generator's "today": fixed, so a seed always yields the same log.
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CATEGORIES = [c.value for c in NeedCategory]
SEVERITIES = [(Severity.LOW.value, 30), (Severity.MEDIUM.value, 35), ("high", 25), ("critical", 10)]
DEPARTMENTS = [d.code for d in departments()]
INTERVENTION_KINDS = ["service", "document_issued", "grant_approved", "food_parcel", "counselling"]


@dataclass
class FillStats:
    events: int
    households: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class WardSetup:
    ward: Ward
    room: WarRoom
    members: list[str]
    workers: list[FieldWorker]


@dataclass
class _Timeline:
    """One household's clock: every action happens strictly after the previous one."""

    rng: random.Random
    now: datetime
    at: datetime
    events: list[tuple[datetime, int, Event]] = field(default_factory=list)
    sequence: int = 0

    def later(self, low_days: float, high_days: float) -> datetime | None:
        """Move on by a random span; None when that lands after 'now' (stop the story)."""
        step = timedelta(days=self.rng.uniform(low_days, high_days), minutes=1)
        if self.at + step >= self.now:
            return None
        self.at += step
        return self.at

    def collect(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                self.sequence += 1
                self.events.append((self.at, self.sequence, event))


def _pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def choose_wards(count: int, seed: int = 0) -> list[Ward]:
    """``count`` wards spread over every district (the same ones for the same seed)."""
    wards = list(geography().wards)
    rng = random.Random(seed)
    rng.shuffle(wards)
    by_district: dict[str, list[Ward]] = {}
    for ward in wards:
        by_district.setdefault(ward.district_code, []).append(ward)
    chosen: list[Ward] = []
    while len(chosen) < min(count, len(wards)):
        for group in by_district.values():
            if group and len(chosen) < count:
                chosen.append(group.pop())
    return chosen


def _setup_ward(ward: Ward, rng: random.Random, when: datetime) -> WardSetup:
    room = WarRoom(
        id=war_room_id(ward.id),
        ward_id=ward.id,
        name=f"War room {ward.id}",
        meeting_cadence_days=14,
        occurred_at=when,
        actor="bench",
    )
    members = []
    for code in rng.sample(DEPARTMENTS, 5):
        member_id = str(uuid.UUID(int=rng.getrandbits(128)))
        room.join(
            member_id=member_id,
            name=f"{code} official",
            seat="department",
            department=code,
            occurred_at=when,
            actor="bench",
        )
        members.append(member_id)
    workers = []
    for n in range(rng.randint(2, 4)):
        worker = FieldWorker(
            id=uuid.UUID(int=rng.getrandbits(128)),
            name=f"Field worker {ward.id}-{n}",
            cadre=rng.choice(["ccg", "cdw", "youth_ambassador", "chw"]),
            employer="DSD",
            phone=None,
            occurred_at=when,
            actor="bench",
        )
        worker.assign(ward.id, when, "bench")
        workers.append(worker)
    return WardSetup(ward, room, members, workers)


def make_profile(rng: random.Random, on: date, trouble: float = 1.0) -> Profile:
    """A plausible profile: a head, maybe a spouse, children; problems scaled by ``trouble``."""

    def bad(share: float) -> bool:
        return rng.random() < share * trouble

    def member(relation: str, age: int, sex: str) -> dict[str, Any]:
        born = on - timedelta(days=age * 365 + rng.randint(0, 364))
        child = age < 18
        school_age = 7 <= age <= 15
        return {
            "member_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "first_name": rng.choice(["Nomvula", "Sipho", "Thandi", "Themba", "Zanele"]),
            "surname": rng.choice(["Dlamini", "Zulu", "Ngcobo", "Mkhize", "Khumalo"]),
            "sex": sex,
            "date_of_birth": born.isoformat(),
            "relation": relation,
            "id_number": None,
            "document_status": "has" if not bad(0.15) else rng.choice(["applied", "none"]),
            "citizenship": "citizen",
            "phone": None,
            "grants": (
                [
                    {
                        "grant_type": "child_support",
                        "status": "eligible_not_receiving" if bad(0.2) else "receiving",
                    }
                ]
                if child
                else []
            ),
            "disability": {
                "type": "physical" if bad(0.07) else "none",
                "assistive_device_needed": False,
            },
            "health": {
                "chronic_condition_category": "metabolic" if bad(0.2) else "none",
                "tb_symptom_screen_positive": bad(0.03),
                "on_treatment": False,
                "defaulting_treatment": bad(0.03),
                "pregnant": False,
                "missed_immunisation": child and bad(0.05),
                "suspected_malnutrition": child and bad(0.04),
            },
            "schooling": {
                "attending": (not bad(0.07)) if school_age else None,
                "grade": None,
                "school_name": None,
                "reason_not_attending": None,
                "ecd_attendance": None,
            },
            "orphan_status": "none",
            "employment": (
                "student"
                if child
                else _pick(rng, [("employed", 4), ("unemployed_seeking", 4), ("retired", 1)])
            ),
        }

    members = [member("head", rng.randint(22, 75), rng.choice(["female", "male"]))]
    if rng.random() < 0.5:
        members.append(member("spouse", rng.randint(22, 70), rng.choice(["female", "male"])))
    for _ in range(rng.randint(0, 4)):
        members.append(member("child", rng.randint(0, 17), rng.choice(["female", "male"])))
    profile = {
        "instrument_version": "oss-profile-1",
        "language": "zu",
        "dwelling": {
            "type": _pick(rng, [("formal", 5), ("informal", 3), ("traditional", 2)]),
            "tenure": "owned",
            "rooms": rng.randint(1, 6),
            "village": None,
            "gps": None,
        },
        "members": members,
        "livelihood": {
            "main_income_source": _pick(rng, [("salary", 4), ("grants", 4), ("informal_trade", 2)])
            if not bad(0.1)
            else "none",
            "income_band": _pick(rng, [("under_1000", 3), ("1000_3499", 4), ("3500_6999", 3)]),
            "livelihood_link": False,
        },
        "food_security": {
            "days_skipped_meal_last_7": rng.choice([1, 3, 5]) if bad(0.3) else 0,
            "child_went_hungry": bad(0.1),
            "food_garden": rng.random() < 0.4,
            "receives_food_parcels": False,
        },
        "basic_services": {
            "water_source": _pick(
                rng, [("piped_yard", 6), ("communal_tap", 3), ("river_or_dam", 1)]
            ),
            "water_distance_m": rng.choice([0, 50, 150, 400]),
            "sanitation": _pick(rng, [("flush", 3), ("vip", 5), ("pit", 2), ("none", 1)]),
            "electricity": _pick(rng, [("prepaid", 8), ("none", 2)]),
            "refuse_removal": rng.random() < 0.6,
        },
        "social_ills": {
            "substance_abuse": bad(0.05),
            "gbv_disclosed_or_suspected": bad(0.03),
            "child_abuse_concern": bad(0.02),
            "crime_victim": bad(0.05),
        },
        "consent": {"given": True, "given_by": "self", "basis": "consent"},
    }
    return validate_profile(profile, on)


class HouseholdStory:
    """Drives one household (and its referrals) through a plausible year."""

    def __init__(
        self, rng: random.Random, setup: WardSetup, wards: list[WardSetup], now: datetime
    ) -> None:
        self.rng = rng
        self.setup = setup
        self.wards = wards
        self.clock = _Timeline(rng, now, now - timedelta(days=rng.uniform(20, 365)))
        self.trouble = rng.choice([0.0, 0.0, 1.0, 1.0, 1.5])  # 0: a household that can graduate

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def worker(self) -> str:
        return str(self.rng.choice(self.setup.workers).id)

    def run(self) -> list[tuple[datetime, int, Event]]:
        rng, clock = self.rng, self.clock
        household = Household(
            id=self.uid(),
            ward_id=self.setup.ward.id,
            dwelling_type=rng.choice(["formal", "informal", "traditional"]),
            village=None,
            gps=None,
            field_worker_id=self.worker(),
            occurred_at=clock.at,
            actor="fw",
        )
        clock.collect(household)
        self.household = household
        self._steps()
        return clock.events

    def _steps(self) -> None:
        rng, clock, household = self.rng, self.clock, self.household
        if rng.random() < 0.85 and (when := clock.later(0.5, 10)):
            profile = make_profile(rng, when.date(), self.trouble)
            apply_profile(household, profile, self.worker(), when, "fw")
            clock.collect(household)
        for _ in range(rng.choice([0, 1, 1, 2]) if self.trouble else 0):
            if not (when := clock.later(0.1, 7)):
                return
            self._identify(when)
        for _ in range(rng.randint(2, 8)):
            if not (when := clock.later(1, 30)):
                return
            self._act(when)
        if household.first_profiled_on is not None:
            self._graduation(household.first_profiled_on)

    def _graduation(self, first_profiled_on: date) -> None:
        """Half a year after its first profile a household may graduate (and a few reopen)."""
        clock, household = self.clock, self.household
        wait = (first_profiled_on - clock.at.date()).days + 183
        if not (when := clock.later(max(wait, 1), max(wait, 1) + 30)):
            return
        self._visit(when, "met_household")
        self._try(lambda: graduate(household, None, when, "convener"))
        if self.rng.random() < 0.15 and (reopen_at := clock.later(5, 60)):
            self._try(lambda: household.reopen("new hardship", reopen_at, "convener"))

    def _visit(self, when: datetime, outcome: str) -> None:
        skipped = self.rng.choice([0, 0, 1, 3]) if self.trouble else 0
        self._try(
            lambda: self.household.record_visit(
                visit_id=str(self.uid()),
                field_worker_id=self.worker(),
                outcome=outcome,
                days_skipped_meal_last_7=skipped if outcome == "met_household" else None,
                note=None,
                occurred_at=when,
                actor="fw",
            )
        )

    def _identify(self, when: datetime) -> None:
        category = self.rng.choice(CATEGORIES)
        self._try(
            lambda: self.household.identify_need(
                need_id=str(self.uid()),
                category=category,
                severity=_pick(self.rng, SEVERITIES),
                department=default_department(category),
                occurred_at=when,
                actor="convener",
            )
        )

    def _act(self, when: datetime) -> None:
        rng, household = self.rng, self.household
        roll = rng.random()
        open_needs = [n for n in household.open_needs if n.open_referral_id is None]
        self._visit(when, _pick(rng, [("met_household", 85), ("nobody_home", 12), ("refused", 3)]))
        if roll < 0.45 and open_needs:
            self._referral(rng.choice(open_needs).need_id)
        elif roll < 0.55:
            self._identify(when)
        elif roll < 0.63 and open_needs:
            need = rng.choice(open_needs)
            self._try(
                lambda: household.deliver_intervention(
                    intervention_id=str(self.uid()),
                    need_id=need.need_id,
                    referral_id=None,
                    kind="home_visit",
                    provider="DSD",
                    description=None,
                    occurred_at=when,
                    actor="fw",
                )
            )
            self._try(
                lambda: household.resolve_need(
                    need_id=need.need_id,
                    resolution="met",
                    note=None,
                    occurred_at=when,
                    actor="convener",
                )
            )
        elif roll < 0.68 and open_needs:
            self._try(
                lambda: household.resolve_need(
                    need_id=rng.choice(open_needs).need_id,
                    resolution="no_longer_needed",
                    note="resolved",
                    occurred_at=when,
                    actor="fw",
                )
            )
        elif roll < 0.71:
            to = rng.choice(self.wards)
            self._try(lambda: household.move(to.ward.id, "relocated", when, "convener"))
            if household.ward_id == to.ward.id:
                self.setup = to
        elif roll < 0.80:
            self._try(lambda: graduate(household, None, when, "convener"))
        elif roll < 0.83:
            self._try(lambda: household.reopen("new hardship", when, "convener"))

    def _try(self, command: Callable[[], object]) -> None:
        """Run a command; the domain may refuse it (then nothing was recorded)."""
        with contextlib.suppress(DomainError):
            command()
        self.clock.collect(self.household)

    def _referral(self, need_id: str) -> None:
        rng, clock, household = self.rng, self.clock, self.household
        need = household.needs[need_id]
        department = (
            default_department(need.category) if rng.random() < 0.9 else rng.choice(DEPARTMENTS)
        )
        try:
            referral = refer(
                household, self.uid(), need_id, department, True, None, clock.at, "convener"
            )
        except DomainError:
            clock.collect(household)
            return
        clock.collect(referral, household)
        for _ in range(12):
            if referral.is_terminal or not self._advance(referral):
                return

    def _advance(self, referral: Referral) -> bool:
        """One lifecycle step of a referral; False when time ran out."""
        rng, clock, household = self.rng, self.clock, self.household
        when = clock.later(0.2, 12)
        if when is None:
            return False
        status, roll = referral.status, rng.random()
        end: str | None = None
        try:
            if roll < 0.06:
                referral.escalate(
                    min(referral.escalation_level + 1, 4), "overdue", when, "convener"
                )
            elif status == ReferralStatus.MADE:
                if roll < 0.8:
                    referral.acknowledge(None, when, "dept")
                elif roll < 0.86:
                    self._reassign(referral, when)
                elif roll < 0.93:
                    reason = rng.choice([r.value for r in RejectionReason])
                    referral.reject(reason, "see file", when, "dept")
                    end = "rejected"
                else:
                    referral.cancel("duplicate", when, "convener")
                    end = "cancelled"
            elif status == ReferralStatus.ACKNOWLEDGED:
                if roll < 0.85:
                    intervention = str(self.uid())
                    kind = rng.choice(INTERVENTION_KINDS)
                    referral.deliver(
                        intervention_id=intervention,
                        kind=kind,
                        description=None,
                        occurred_at=when,
                        actor="dept",
                    )
                    household.deliver_intervention(
                        intervention_id=intervention,
                        need_id=referral.need_id,
                        referral_id=str(referral.id),
                        kind=kind,
                        provider=referral.department,
                        description=None,
                        occurred_at=when,
                        actor="dept",
                    )
                elif roll < 0.92:
                    referral.cancel("household moved", when, "convener")
                    end = "cancelled"
            elif status == ReferralStatus.SERVICE_DELIVERED:
                if roll < 0.88:
                    referral.verify(None, when, "fw")
                else:
                    referral.dispute("not received", when, "fw")
            elif status == ReferralStatus.DISPUTED:
                referral.reopen("household disputes", when, "convener")
            elif status == ReferralStatus.VERIFIED:
                referral.close(None, when, "convener")  # as ReferralCommands.close_referral
                household.end_need_referral(
                    need_id=referral.need_id,
                    referral_id=str(referral.id),
                    outcome="closed",
                    occurred_at=when,
                    actor="convener",
                )
                if household.need(referral.need_id).is_open:
                    household.resolve_need(
                        need_id=referral.need_id,
                        resolution="referral_closed",
                        note=None,
                        occurred_at=when,
                        actor="convener",
                    )
        except DomainError:
            pass
        if end is not None:
            household.end_need_referral(
                need_id=referral.need_id,
                referral_id=str(referral.id),
                outcome=end,
                occurred_at=when,
                actor="dept",
            )
        clock.collect(referral, household)
        return True

    def _reassign(self, referral: Referral, when: datetime) -> None:
        to = self.rng.choice([d for d in DEPARTMENTS if d != referral.department])
        standard = service_standard(to, referral.category)
        on = when.date()
        referral.reassign(
            to_department=to,
            reason="wrong department",
            ack_by=on + timedelta(days=standard.ack_within_days),
            deliver_by=on + timedelta(days=standard.deliver_within_days),
            standard_version=standard.version,
            occurred_at=when,
            actor="convener",
        )


def _meetings(
    rng: random.Random, wards: list[WardSetup], now: datetime
) -> list[tuple[datetime, int, Event]]:
    """A few war rooms meet (one event each), at times spread over the batch's year."""
    events: list[tuple[datetime, int, Event]] = []
    for setup in rng.sample(wards, max(1, len(wards) // 10)):
        when = now - timedelta(days=rng.uniform(1, 360))
        attendees = rng.sample(setup.members, rng.randint(1, len(setup.members)))
        setup.room.hold_meeting(
            meeting_id=str(uuid.UUID(int=rng.getrandbits(128))),
            attendee_member_ids=attendees,
            households_discussed=[],
            notes=None,
            occurred_at=when,
            actor="secretary",
        )
        events.extend((when, 0, e) for e in setup.room.collect_events())
    return events


def batches(
    target_events: int,
    *,
    seed: int = 7,
    wards: int = 60,
    batch_households: int = 200,
    now: datetime = NOW,
    on_time: bool = False,
) -> Iterator[tuple[int, list[Event]]]:
    """Batches of (households, events in log order) until ``target_events`` are made.

    ``on_time``: each event recorded when it occurred (its ``timestamp`` set to its time, the
    wards' setup at the start), as a log of field work synced the same day; in one batch (of
    enough households), so that recorded time only moves forward along the log."""
    rng = random.Random(seed)
    start = now - timedelta(days=400)
    setups = [_setup_ward(ward, rng, start) for ward in choose_wards(wards, seed)]
    first: list[Event] = []
    for setup in setups:
        first.extend(setup.room.collect_events())
        for worker in setup.workers:
            first.extend(worker.collect_events())
    yield 0, [_recorded(e, start) for e in first] if on_time else first
    made = len(first)
    while made < target_events:
        timed: list[tuple[datetime, int, Event]] = []
        for _ in range(batch_households):
            setup = rng.choice(setups)
            timed.extend(HouseholdStory(rng, setup, setups, now).run())
        timed.extend(_meetings(rng, setups, now))
        # interleave households by time (a stable sort: one household's events keep their order)
        timed.sort(key=lambda item: item[0])
        if on_time:
            events = [_recorded(event, when) for when, _, event in timed]
        else:
            events = [event for _, _, event in timed]
        made += len(events)
        yield batch_households, events


def _recorded(event: Event, when: datetime) -> Event:
    """The event as if recorded at ``when`` (the library's events are frozen dataclasses)."""
    recorded: Event = replace(cast(Any, event), timestamp=when)
    return recorded


#: Bytes of stored state per ``app.save``. psycopg 3.3.9 in pipeline mode (the library's insert)
#: can hang for ever over a unix socket (the embedded server) when one transaction's message is
#: larger than the socket buffer (seen from ~0.5 MB; the server waits in ClientRead). TCP is fine.
SAVE_BYTES = 120_000
_PROFILE_BYTES = 3_500  # a ProfileSubmitted event's state; most others are about 400 bytes


def save_chunks(events: list[Event]) -> Iterator[list[Event]]:
    """Consecutive slices of the log (so each aggregate keeps its order) of bounded size."""
    chunk: list[Event] = []
    size = 0
    for event in events:
        size += _PROFILE_BYTES if isinstance(event, Household.ProfileSubmitted) else 450
        chunk.append(event)
        if size >= SAVE_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def fill(
    app: Sukuma,
    target_events: int,
    *,
    seed: int = 7,
    wards: int = 60,
    batch_households: int = 200,
    now: datetime = NOW,
    on_progress: Callable[[FillStats], None] | None = None,
    on_time: bool = False,
) -> FillStats:
    """Append at least ``target_events`` realistic events to the application's log."""
    started = time.perf_counter()
    stats = FillStats(0, 0, 0.0)
    if on_time:
        batch_households = max(batch_households, target_events // 10)
    for households, events in batches(
        target_events,
        seed=seed,
        wards=wards,
        batch_households=batch_households,
        now=now,
        on_time=on_time,
    ):
        for chunk in save_chunks(events):
            app.save(*chunk)
        stats.events += len(events)
        stats.households += households
        stats.seconds = time.perf_counter() - started
        if on_progress:
            on_progress(stats)
    return stats
