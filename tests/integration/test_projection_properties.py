"""Property: however the log is cut into pages and runs, the views equal one full rebuild.

Hypothesis draws a history of commands (households registered in a few wards, profiles, needs,
referrals through their lifecycle, visits by field workers, interventions, moves, graduations,
reopenings, war-room meetings), applied through the application so that only legal events are
recorded (the domain's refusals are part of the history too). The history is cut into segments;
after each one a runner (sometimes a fresh one, as after a restart) catches up with a drawn page
size and commit window (pages a transaction holds). Every view of every projection must then
equal a rebuild from scratch in one page, table for table and row for row.

Each example gets its own database: function-scoped fixtures are not reset between examples.
"""

from __future__ import annotations

import itertools
import random
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from bench._events import make_profile
from domain.context import CommandContext
from domain.errors import DomainError
from domain.households.model import Household
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from domain.warrooms.model import war_room_id
from projections.registry import PROJECTIONS, open_projections
from projections.runner import BatchRunner
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.databases import throwaway_database
from tests.integration.helpers import table_rows

pytestmark = pytest.mark.slow

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
STEPS = [timedelta(minutes=5), timedelta(hours=3), timedelta(days=2), timedelta(days=20)]
STEPS += [timedelta(days=70)]  # long gaps: overdue referrals, graduation after half a year
CATEGORIES = ["social_grant", "water", "food_security", "documents", "health_tb", "housing"]
SEVERITIES = ["low", "medium", "high", "critical"]
DEPARTMENTS = ["SASSA", "DSD", "DOH", "DHA", "MUNI"]
REFERRAL_STEPS = [
    "acknowledge",
    "reject",
    "reassign",
    "escalate",
    "deliver",
    "verify",
    "dispute",
    "reopen_referral",
    "close",
    "cancel",
]
# (op, weight): referrals get most of the attention, they drive most tables
OPS = [
    *[("register", 3), ("field_worker", 2), ("profile", 2), ("identify", 4), ("refer", 5)],
    *[("advance", 12), ("visit", 3), ("resolve", 1), ("intervention", 1), ("move", 1)],
    *[("graduate", 3), ("reopen", 1), ("war_room", 1), ("meeting", 1)],
    *[(step, 1) for step in REFERRAL_STEPS],  # aimed at random: often refused
]
NEXT_STEPS = {  # legal next steps of a referral, by status
    "made": ["acknowledge", "acknowledge", "reassign", "reject", "cancel", "escalate"],
    "acknowledged": ["deliver", "deliver", "deliver", "reject", "cancel", "escalate"],
    "service_delivered": ["verify", "verify", "dispute"],
    "disputed": ["reopen_referral"],
    "verified": ["close"],
}


def wards() -> list[str]:
    """Two wards of one municipality and one of another district: every level aggregates."""
    first = geography().wards_in("municipality", "KZN225")
    other = next(w for w in geography().wards if w.district_code != first[0].district_code)
    return [first[0].id, first[1].id, other.id]


Step = tuple[str, int, int, int]


@dataclass
class History:
    """Applies drawn steps as commands; keeps the ids it created to aim later steps at."""

    app: Sukuma
    wards: list[str]
    now: datetime = START
    households: list[UUID] = field(default_factory=list)
    referrals: list[UUID] = field(default_factory=list)
    workers: dict[str, list[str]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    refused: int = 0

    def ctx(self) -> CommandContext:
        return CommandContext(actor="tester", occurred_at=self.now)

    def apply(self, step: Step) -> None:
        op, a, b, gap = step
        self.now += STEPS[gap % len(STEPS)]
        try:
            getattr(self, f"_{op}")(a, b)
        except (DomainError, LookupError, ZeroDivisionError):
            self.refused += 1  # illegal here: nothing recorded

    def _household(self, a: int) -> UUID:
        return self.households[a % len(self.households)]

    def _referral(self, a: int) -> UUID:
        return self.referrals[a % len(self.referrals)]

    def _need(self, household_id: UUID, b: int) -> str:
        needs = sorted(self.app.get(Household, household_id).needs)
        return needs[b % len(needs)]

    def _worker(self, household_id: UUID, b: int) -> str | None:
        ward = self.app.get(Household, household_id).ward_id
        workers = self.workers.get(ward, [])
        return workers[b % len(workers)] if workers and b % 4 else None

    def _register(self, a: int, b: int) -> None:
        ward = self.wards[a % len(self.wards)]
        workers = self.workers.get(ward, [])
        worker = workers[b % len(workers)] if workers and b % 2 else None
        household_id = uuid.UUID(int=random.Random(a * 7919 + b).getrandbits(128))
        dwelling = ["formal", "informal", "traditional"][b % 3]
        self.app.register_household(
            household_id=household_id,
            ward_id=ward,
            dwelling_type=dwelling,
            village=None,
            gps=None,
            field_worker_id=worker,
            ctx=self.ctx(),
        )
        self.households.append(household_id)

    def _field_worker(self, a: int, b: int) -> None:
        ward = self.wards[a % len(self.wards)]
        worker_id = uuid.uuid4()
        self.app.register_field_worker(
            worker_id=worker_id,
            name=f"Worker {b}",
            cadre="ccg",
            employer=None,
            phone=None,
            ctx=self.ctx(),
        )
        self.app.assign_field_worker(worker_id, ward, self.ctx())
        self.workers.setdefault(ward, []).append(str(worker_id))

    def _profile(self, a: int, b: int) -> None:
        household_id = self._household(a)
        profile = make_profile(random.Random(b), self.now.date(), trouble=[0.0, 0.0, 1.0][b % 3])
        worker = self._worker(household_id, b)
        self.app.submit_profile(household_id, dict(profile), worker, self.ctx())

    def _identify(self, a: int, b: int) -> None:
        category = CATEGORIES[b % len(CATEGORIES)]
        severity = SEVERITIES[(b // 7) % len(SEVERITIES)]
        self.app.identify_need(
            household_id=self._household(a),
            need_id=uuid.uuid4(),
            category=category,
            severity=severity,
            department_code=None,
            member_id=None,
            note=None,
            ctx=self.ctx(),
        )

    def _refer(self, a: int, b: int) -> None:
        household_id = self._household(a)
        need_id = self._need(household_id, b)
        department = DEPARTMENTS[b % len(DEPARTMENTS)]
        referral_id = uuid.uuid4()
        self.app.make_referral(
            referral_id=referral_id,
            household_id=household_id,
            need_id=need_id,
            department_code=department,
            personal_data_shared=False,
            note=None,
            ctx=self.ctx(),
        )
        self.referrals.append(referral_id)

    def _advance(self, a: int, b: int) -> None:
        """A legal next step for one of the referrals still open."""
        open_ = [r for r in self.referrals if self.app.get(Referral, r).status in NEXT_STEPS]
        referral_id = open_[a % len(open_)]
        options = NEXT_STEPS[self.app.get(Referral, referral_id).status]
        getattr(self, f"_{options[b % len(options)]}")(self.referrals.index(referral_id), b // 7)

    def _acknowledge(self, a: int, b: int) -> None:
        self.app.acknowledge_referral(self._referral(a), None, self.ctx())

    def _reject(self, a: int, b: int) -> None:
        self.app.reject_referral(self._referral(a), "not_eligible", None, self.ctx())

    def _reassign(self, a: int, b: int) -> None:
        department = DEPARTMENTS[b % len(DEPARTMENTS)]
        self.app.reassign_referral(self._referral(a), department, "wrong office", self.ctx())

    def _escalate(self, a: int, b: int) -> None:
        self.app.escalate_referral(self._referral(a), 1 + b % 4, "overdue", self.ctx())

    def _deliver(self, a: int, b: int) -> None:
        self.app.deliver_referral(
            referral_id=self._referral(a),
            intervention_id=uuid.uuid4(),
            kind="service",
            description=None,
            ctx=self.ctx(),
        )

    def _verify(self, a: int, b: int) -> None:
        self.app.verify_referral(self._referral(a), None, self.ctx())

    def _dispute(self, a: int, b: int) -> None:
        self.app.dispute_referral(self._referral(a), "not received", self.ctx())

    def _reopen_referral(self, a: int, b: int) -> None:
        self.app.reopen_referral(self._referral(a), "disputed", self.ctx())

    def _close(self, a: int, b: int) -> None:
        self.app.close_referral(self._referral(a), None, self.ctx())

    def _cancel(self, a: int, b: int) -> None:
        self.app.cancel_referral(self._referral(a), "duplicate", self.ctx())

    def _visit(self, a: int, b: int) -> None:
        household_id = self._household(a)
        outcome = ["met_household", "met_household", "nobody_home", "refused"][b % 4]
        skipped = [0, 0, 0, 1, 3][(b // 4) % 5] if outcome == "met_household" else None
        worker = self._worker(household_id, b)
        self.app.record_visit(
            household_id=household_id,
            visit_id=uuid.uuid4(),
            field_worker_id=worker,
            outcome=outcome,
            days_skipped_meal_last_7=skipped,
            note=None,
            ctx=self.ctx(),
        )

    def _resolve(self, a: int, b: int) -> None:
        household_id = self._household(a)
        need_id = self._need(household_id, b)
        resolution, note = ("met", None) if b % 2 else ("no_longer_needed", "moved on")
        self.app.resolve_need(
            household_id=household_id,
            need_id=need_id,
            resolution=resolution,
            note=note,
            ctx=self.ctx(),
        )

    def _intervention(self, a: int, b: int) -> None:
        household_id = self._household(a)
        need_id = self._need(household_id, b)
        self.app.record_intervention(
            household_id=household_id,
            intervention_id=uuid.uuid4(),
            need_id=need_id,
            kind="food_parcel",
            provider="DSD",
            description=None,
            ctx=self.ctx(),
        )

    def _move(self, a: int, b: int) -> None:
        ward = self.wards[b % len(self.wards)]
        self.app.move_household(self._household(a), ward, "relocated", self.ctx())

    def _graduate(self, a: int, b: int) -> None:
        """A good visit, then the war room's decision (refused unless the policy is met)."""
        household_id = self._household(a)
        worker = self._worker(household_id, b)
        self.app.record_visit(
            household_id=household_id,
            visit_id=uuid.uuid4(),
            field_worker_id=worker,
            outcome="met_household",
            days_skipped_meal_last_7=0,
            note=None,
            ctx=self.ctx(),
        )
        self.now += timedelta(days=1)
        self.app.graduate_household(household_id, None, self.ctx())

    def _reopen(self, a: int, b: int) -> None:
        self.app.reopen_household(self._household(a), "new hardship", self.ctx())

    def _war_room(self, a: int, b: int) -> None:
        ward = self.wards[a % len(self.wards)]
        if ward not in self.members:
            self.app.establish_war_room(ward, f"War room {ward}", 14, self.ctx())
            self.members[ward] = []
        member_id = uuid.uuid4()
        department = DEPARTMENTS[b % len(DEPARTMENTS)]
        self.app.add_war_room_member(
            room_id=war_room_id(ward),
            member_id=member_id,
            name="Official",
            seat="department",
            department=department,
            ctx=self.ctx(),
        )
        self.members[ward].append(str(member_id))

    def _meeting(self, a: int, b: int) -> None:
        ward = self.wards[a % len(self.wards)]
        members = self.members[ward]
        attendees = members[: 1 + b % len(members)]
        self.app.hold_meeting(
            room_id=war_room_id(ward),
            meeting_id=uuid.uuid4(),
            attendee_member_ids=attendees,
            households_discussed=[],
            notes=None,
            ctx=self.ctx(),
        )


steps = st.tuples(
    st.sampled_from([op for op, weight in OPS for _ in range(weight)]),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, len(STEPS) - 1),
)
histories = st.tuples(
    st.lists(
        st.tuples(st.just("register"), st.integers(0, 10_000), st.integers(0, 10_000), st.just(0)),
        min_size=1,
        max_size=4,
    ),
    st.lists(steps, min_size=20, max_size=100),
).map(lambda parts: parts[0] + parts[1])


@settings(
    max_examples=20,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, data=st.data())
def test_incremental_pages_equal_one_rebuild(
    database_url: str, history: list[Step], data: st.DataObject
) -> None:
    with fresh_app(database_url) as app:
        run_history(app, history, data)


def test_a_count_back_to_zero_leaves_no_row(database_url: str) -> None:
    """A referral reassigned in a later page than it was made: its first department's due
    count goes back to zero, and that row goes (a rebuild in one page never writes it)."""
    with fresh_app(database_url) as app:
        commands = History(app, wards())
        for op, b in (("register", 0), ("identify", 0), ("refer", 0), ("reassign", 1)):
            commands.apply((op, 0, b, 0))
        assert not commands.refused
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        recorder = app.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        BatchRunner(
            recorder, app.name, open_projections(datastore), page_size=1, commit_pages=1
        ).run_once()
        days = table_rows(datastore, "early_warning_department_days")
        assert [row[3] for row in days] == ["DSD"], days
        assert "early_warning_department_days" in assert_views_equal_a_rebuild(app)


@contextmanager
def fresh_app(database_url: str) -> Iterator[Sukuma]:
    """The application over a database of its own (dropped after)."""
    with throwaway_database(database_url, migrated=True, prefix="prop") as url:
        app = build_application(
            Settings(_env_file=None, database_url=url, data_dir=Path(tempfile.gettempdir())),  # type: ignore[call-arg]
            url,
        )
        try:
            yield app
        finally:
            app.close()


def run_history(app: Sukuma, history: list[Step], data: st.DataObject) -> None:
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    cuts = data.draw(st.lists(st.integers(0, len(history)), max_size=4), label="cuts")
    bounds = sorted({0, *cuts, len(history)})
    commands = History(app, wards())
    runner: BatchRunner | None = None
    for start, end in itertools.pairwise(bounds):
        for step in history[start:end]:
            commands.apply(step)
        if runner is None or data.draw(st.booleans(), label="restart"):
            page_size = data.draw(st.integers(1, 50), label="page_size")
            commit_pages = data.draw(st.integers(1, 4), label="commit_pages")
            runner = BatchRunner(
                recorder,
                app.name,
                open_projections(datastore),
                page_size=page_size,
                commit_pages=commit_pages,
            )
        runner.run_once()
    assert runner is not None
    head = recorder.max_notification_id() or 0
    assert runner.run_once() == 0
    assert all(runner.position(p) == head for p in runner.projections)

    for table in assert_views_equal_a_rebuild(app):
        event(f"{table} has rows")
    event(f"events: {head // 50 * 50}+")
    if any(row[14] is not None for row in table_rows(datastore, "nerve_centre_households")):
        event("a household graduated (at some time)")
    if any(row[4] == "graduated" for row in table_rows(datastore, "nerve_centre_households")):
        event("a household graduated")
    for status in ("closed", "disputed", "cancelled", "rejected"):
        if any(row[9] == status for row in table_rows(datastore, "nerve_centre_referrals")):
            event(f"a referral {status}")


def assert_views_equal_a_rebuild(app: Sukuma) -> list[str]:
    """Rebuild every projection in one page beside the live views; they must be equal row for
    row. Returns the tables that have rows."""
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    rebuilt = open_projections(datastore, table_prefix="rebuild_")
    BatchRunner(app.recorder, app.name, rebuilt, page_size=100_000).run_once()  # type: ignore[arg-type]
    filled = []
    for name, (_, view_class) in PROJECTIONS.items():
        for suffix in view_class.tables:
            incremental = table_rows(datastore, f"{name}_{suffix}")
            full = table_rows(datastore, f"rebuild_{name}_{suffix}")
            assert incremental == full, f"{name}_{suffix}"
            if incremental:
                filled.append(f"{name}_{suffix}")
    return filled
