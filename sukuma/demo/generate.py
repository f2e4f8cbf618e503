"""Generate the demo: ward by ward, household by household, saved in batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from operator import attrgetter
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from domain.warrooms.model import WarRoom
from sukuma.demo.context import Demo
from sukuma.demo.delivery import record_delivery
from sukuma.demo.lifecycle import simulate_household
from sukuma.demo.meetings import record_war_room
from sukuma.demo.places import plan_places
from sukuma.demo.sim import HouseholdSim
from sukuma.demo.warroom import WardPlan, plan_ward

Progress = Callable[[int], None]

# The demo's own kinds of object: ids it derives (a ward's war room) or draws from its seed
# (households, ...) would collide with any already there. Users and alerts do not.
CASE_TOPICS = tuple(
    get_topic(c)
    for c in (Household.Registered, WarRoom.Established, FieldWorker.Registered, Referral.Made)
)


class CaseDataExists(Exception):
    """The log already holds case data: the demo would collide with it part way through."""


@dataclass(frozen=True)
class DemoSummary:
    """What the demo wrote (every count is of events or aggregates in the log)."""

    wards: int
    war_rooms: int
    field_workers: int
    households: int
    profiles: int
    needs: int
    referrals: int
    referrals_by_status: Mapping[str, int]
    escalations: int
    interventions: int
    visits: int
    meetings: int
    action_items: int
    graduations: int
    moves: int
    events: int
    #: the Results and Delivery routine's year (sukuma.demo.delivery)
    task_teams: int = 0
    priorities: int = 0
    targets: int = 0
    stocktakes: int = 0
    solutions: int = 0


# psycopg's pipeline over a unix socket (the embedded server) hangs once one statement's
# message passes ~0.5 MB; profile events are up to ~5 KB, so 50 events stay well below.
MAX_EVENTS_PER_SAVE = 50


@dataclass
class Batcher:
    """Collects aggregates and saves them, a batch of households at a time."""

    app: Sukuma
    batch_households: int
    on_progress: Progress | None
    pending: list[Aggregate] = field(default_factory=list)
    pending_households: int = 0
    households: int = 0
    events: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    field_workers: int = 0
    wards: int = 0

    def add_ward(self, plan: WardPlan, sims: list[HouseholdSim]) -> None:
        self.wards += 1
        self.field_workers += len(plan.field_workers)
        self.pending += [plan.war_room, *plan.field_workers]
        for sim in sims:
            self.pending += [sim.household, *sim.referrals]
            self.statuses.update(str(r.status) for r in sim.referrals)
            self.pending_households += 1
            if self.pending_households >= self.batch_households:
                self.flush()

    def flush(self) -> None:
        """Save the batch's new events in time order."""
        if not self.pending:
            return
        events: list[Any] = [e for a in self.pending for e in a.collect_events()]
        events.sort(key=attrgetter("occurred_at"))  # stable: each aggregate keeps its order
        # Saved in chunks (see MAX_EVENTS_PER_SAVE): a large save stalls psycopg's pipeline.
        for start in range(0, len(events), MAX_EVENTS_PER_SAVE):
            self.app.save(*events[start : start + MAX_EVENTS_PER_SAVE])
        self.events.update(type(e).__qualname__ for e in events)
        self.households += self.pending_households
        self.pending, self.pending_households = [], 0
        if self.on_progress is not None:
            self.on_progress(self.households)

    def summary(self) -> DemoSummary:
        count = self.events
        return DemoSummary(
            wards=self.wards,
            war_rooms=count["WarRoom.Established"],
            field_workers=self.field_workers,
            households=count["Household.Registered"],
            profiles=count["Household.ProfileSubmitted"],
            needs=count["Household.NeedIdentified"],
            referrals=count["Referral.Made"],
            referrals_by_status=dict(sorted(self.statuses.items())),
            escalations=count["Referral.Escalated"],
            interventions=count["Household.InterventionDelivered"],
            visits=count["Household.VisitRecorded"],
            meetings=count["WarRoom.MeetingHeld"],
            action_items=count["WarRoom.ActionItemAgreed"],
            graduations=count["Household.Graduated"],
            moves=count["Household.Moved"],
            events=sum(count.values()),
        )


def generate(
    app: Sukuma,
    households: int,
    seed: int,
    *,
    now: datetime,
    on_progress: Progress | None = None,
    batch_households: int = 100,
) -> DemoSummary:
    """Write a realistic, synthetic year of OSS case work for ``households`` households.

    Deterministic: the same ``seed`` and ``now`` write the same events (only the library's
    recording ``timestamp`` differs). Nothing happens after ``now`` (timezone-aware).
    """
    if households < 0 or batch_households < 1:
        raise ValueError("households must be >= 0 and batch_households >= 1")
    if has_case_data(app):  # up front: refused part way, a batch would already be committed
        raise CaseDataExists(
            "the event log already holds case data (households, war rooms, field workers or "
            "referrals): the demo loads only into a log without any, since its ids would "
            "collide. Use an empty database (another SUKUMA_DATA_DIR, or a new database for "
            "SUKUMA_DATABASE_URL)."
        )
    demo = Demo.create(seed, now)
    batcher = Batcher(app, batch_households, on_progress)
    wards: list[WardPlan] = []
    for place in plan_places(demo, households):
        plan = plan_ward(demo, place)
        wards.append(plan)
        sims = [
            simulate_household(demo, plan, plan.slots[i % len(plan.slots)], wards)
            for i in range(place.households)
        ]
        record_war_room(demo, plan)
        batcher.add_ward(plan, sims)
    batcher.flush()
    before = app.recorder.max_notification_id() or 0
    delivery = record_delivery(app, demo, wards)
    written = (app.recorder.max_notification_id() or 0) - before
    summary = batcher.summary()
    return replace(summary, events=summary.events + written, **asdict(delivery))


def has_case_data(app: Sukuma) -> bool:
    """True when the log has any household, war room, field worker or referral."""
    return bool(app.recorder.select_notifications(1, 1, topics=CASE_TOPICS))


def is_empty(app: Sukuma) -> bool:
    """True when the application's event log has no events yet."""
    return not app.recorder.max_notification_id()
