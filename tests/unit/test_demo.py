"""The demo generator: deterministic, plausible, and faithful to the domain's invariants."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.households.model import Household
from domain.profile import validate_profile
from domain.reference.geography import geography
from domain.reference.said import is_valid_sa_id
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from domain.vocabulary import ReferralStatus
from domain.warrooms.model import war_room_id
from sukuma.demo import CaseDataExists, DemoSummary, generate, is_empty

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
HOUSEHOLDS = 300


def events_of(app: Sukuma) -> list[Any]:
    notifications = app.recorder.select_notifications(start=1, limit=10**9)
    return [app.mapper.to_domain_event(n) for n in notifications]


def kind(event: Any) -> str:
    return type(event).__qualname__


def comparable(app: Sukuma) -> list[tuple[str, UUID, int, dict[str, Any]]]:
    """Every event with its attributes, except the library's recording ``timestamp``."""
    return [
        (
            kind(e),
            e.originator_id,
            e.originator_version,
            {k: v for k, v in vars(e).items() if k != "timestamp"},
        )
        for e in events_of(app)
    ]


def by_stream(app: Sukuma) -> list[tuple[str, UUID, int, dict[str, Any]]]:
    """The events aggregate by aggregate (the log's interleaving set aside)."""
    return sorted(comparable(app), key=lambda e: (str(e[1]), e[2]))


def demo_app(households: int, seed: int, **options: Any) -> tuple[Sukuma, DemoSummary]:
    app = Sukuma()
    return app, generate(app, households, seed, now=NOW, **options)


@pytest.fixture(scope="module")
def demo() -> tuple[Sukuma, DemoSummary, list[Any]]:
    app, summary = demo_app(HOUSEHOLDS, seed=7)
    return app, summary, events_of(app)


# ---- determinism and batching --------------------------------------------------------------


def test_same_seed_and_now_write_the_same_events() -> None:
    first, first_summary = demo_app(120, seed=11)
    second, second_summary = demo_app(120, seed=11)
    assert comparable(first) == comparable(second)
    assert first_summary == second_summary


def test_the_batch_size_changes_only_the_order_of_the_log() -> None:
    first, first_summary = demo_app(120, seed=11)
    second, second_summary = demo_app(120, seed=11, batch_households=7)
    assert by_stream(first) == by_stream(second)
    assert first_summary == second_summary


def test_a_different_seed_writes_different_events() -> None:
    first, _ = demo_app(120, seed=11)
    other, _ = demo_app(120, seed=12)
    assert comparable(first) != comparable(other)


def test_is_empty_until_the_demo_is_loaded() -> None:
    app = Sukuma()
    assert is_empty(app)
    generate(app, 0, 1, now=NOW)
    assert is_empty(app)
    generate(app, 20, 1, now=NOW)
    assert not is_empty(app)


def test_progress_is_reported_after_each_batch() -> None:
    done: list[int] = []
    _, summary = demo_app(130, seed=3, batch_households=50, on_progress=done.append)
    assert done == [50, 100, 130]
    assert summary.households == 130


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(Sukuma(), 10, 1, now=datetime(2025, 9, 1))


# ---- plausible counts ----------------------------------------------------------------------


def test_summary_counts_what_is_in_the_log(demo: tuple[Sukuma, DemoSummary, list[Any]]) -> None:
    app, summary, events = demo
    kinds = Counter(kind(e) for e in events)
    assert summary.events == len(events)
    assert summary.households == kinds["Household.Registered"] == HOUSEHOLDS
    assert summary.war_rooms == summary.wards == kinds["WarRoom.Established"]
    assert summary.meetings == kinds["WarRoom.MeetingHeld"] > 0
    assert summary.graduations == kinds["Household.Graduated"] > 0
    referral_ids = [e.originator_id for e in events if kind(e) == "Referral.Made"]
    statuses = Counter(str(app.repository.get(r).status) for r in referral_ids)
    assert dict(summary.referrals_by_status) == dict(statuses)


def test_every_referral_status_is_someones_final_status(
    demo: tuple[Sukuma, DemoSummary, list[Any]],
) -> None:
    _, summary, _ = demo
    assert set(summary.referrals_by_status) == {str(s) for s in ReferralStatus}


def test_rates_are_plausible(demo: tuple[Sukuma, DemoSummary, list[Any]]) -> None:
    _, summary, events = demo
    assert 40 <= HOUSEHOLDS / summary.wards <= 80
    assert 15 <= HOUSEHOLDS / summary.field_workers <= 40
    assert 1.5 <= summary.needs / summary.households <= 6
    assert 0.5 <= summary.referrals / summary.needs <= 0.9
    assert 0.02 <= summary.graduations / summary.households <= 0.3
    assert summary.profiles > summary.households  # some households were re-profiled
    levels = [e.to_level for e in events if kind(e) == "Referral.Escalated"]
    assert {1, 2, 3} <= set(levels) and max(levels) <= 3
    assert summary.escalations < summary.referrals / 3
    assert 20 <= summary.events / summary.households <= 60


# ---- invariants of the data ----------------------------------------------------------------


def test_nothing_happens_after_now_and_times_are_utc(
    demo: tuple[Sukuma, DemoSummary, list[Any]],
) -> None:
    _, _, events = demo
    assert all(e.occurred_at <= NOW for e in events)
    assert all(e.occurred_at.utcoffset() == timedelta(0) for e in events)


def test_each_aggregate_happens_in_time_order(demo: tuple[Sukuma, DemoSummary, list[Any]]) -> None:
    _, _, events = demo
    by_aggregate: dict[UUID, list[Any]] = defaultdict(list)
    for event in events:
        by_aggregate[event.originator_id].append(event)
    for stream in by_aggregate.values():
        stream.sort(key=lambda e: e.originator_version)
        times = [e.occurred_at for e in stream]
        assert times == sorted(times)


def test_profiles_are_valid_with_valid_sa_ids(demo: tuple[Sukuma, DemoSummary, list[Any]]) -> None:
    _, _, events = demo
    profiles = [e for e in events if kind(e) == "Household.ProfileSubmitted"]
    id_numbers = 0
    for event in profiles:
        validate_profile(event.profile, event.occurred_at.date())
        for member in event.profile["members"]:
            if member["id_number"] is not None:
                id_numbers += 1
                assert is_valid_sa_id(member["id_number"])
                born = date.fromisoformat(member["date_of_birth"])
                assert member["id_number"][:6] == f"{born:%y%m%d}"
    assert id_numbers > len(profiles)


def test_ward_ids_are_in_the_geography(demo: tuple[Sukuma, DemoSummary, list[Any]]) -> None:
    _, _, events = demo
    wards = {w.id for w in geography().wards}
    named: list[str] = []
    for event in events:
        for attribute in ("ward_id", "from_ward_id", "to_ward_id"):
            if hasattr(event, attribute):
                named.append(getattr(event, attribute))
        if kind(event) == "WarRoom.Established":
            assert event.originator_id == war_room_id(event.ward_id)
    assert named and set(named) <= wards
    municipalities = {w.split("-")[0] for w in named}
    assert len(municipalities) >= 4


def test_field_workers_submit_only_in_their_wards_while_active(
    demo: tuple[Sukuma, DemoSummary, list[Any]],
) -> None:
    _, _, events = demo
    assigned: dict[str, set[str]] = defaultdict(set)
    deactivated: dict[str, datetime] = {}
    ward_of: dict[UUID, str] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        worker = str(event.originator_id)
        if kind(event) == "FieldWorker.AssignedToWard":
            assigned[worker].add(event.ward_id)
        elif kind(event) == "FieldWorker.Deactivated":
            deactivated[worker] = event.occurred_at
        elif kind(event) in ("Household.Registered", "Household.Moved"):
            ward_of[event.originator_id] = getattr(event, "ward_id", None) or event.to_ward_id
        elif kind(event) in ("Household.ProfileSubmitted", "Household.VisitRecorded"):
            fw = event.field_worker_id
            assert ward_of[event.originator_id] in assigned[fw]
            assert fw not in deactivated or event.occurred_at < deactivated[fw]


def test_graduations_happen_at_recorded_meetings(
    demo: tuple[Sukuma, DemoSummary, list[Any]],
) -> None:
    _, _, events = demo
    meetings = {e.meeting_id: e.held_on for e in events if kind(e) == "WarRoom.MeetingHeld"}
    for event in events:
        if kind(event) == "Household.Graduated":
            assert meetings[event.meeting_id] == event.occurred_at.date()


def test_early_warning_rules_have_something_to_find(
    demo: tuple[Sukuma, DemoSummary, list[Any]],
) -> None:
    app, _, events = demo
    referrals = [app.get(Referral, e.originator_id) for e in events if kind(e) == "Referral.Made"]
    today = NOW.date()
    assert any(r.status == "made" and r.ack_by < today for r in referrals)  # EW-01
    assert any(r.status == "acknowledged" and r.deliver_by < today for r in referrals)  # EW-02
    assert any(_unverified_for_two_weeks(r) for r in referrals)  # EW-03
    assert _a_department_missed_three_meetings(events)  # EW-09


def _unverified_for_two_weeks(referral: Referral) -> bool:
    delivered = referral.delivered_at
    return (
        referral.status == "service_delivered"
        and delivered is not None
        and (NOW - delivered > timedelta(days=14))
    )


def _a_department_missed_three_meetings(events: list[Any]) -> bool:
    meetings: dict[UUID, list[set[str]]] = defaultdict(list)
    seated: dict[UUID, set[str]] = defaultdict(set)
    for event in events:
        if kind(event) == "WarRoom.MemberJoined" and event.department:
            seated[event.originator_id].add(event.department)
        if kind(event) == "WarRoom.MeetingHeld":
            meetings[event.originator_id].append(set(event.departments_present))
    return any(
        not any(department in present for present in held[-3:])
        for room, held in meetings.items()
        for department in seated[room]
    )


def test_the_demo_refuses_a_log_with_case_data_before_writing_anything() -> None:
    app, _ = demo_app(20, seed=1)
    events = app.recorder.max_notification_id()

    with pytest.raises(CaseDataExists):
        generate(app, 20, seed=2, now=NOW)

    assert app.recorder.max_notification_id() == events


def test_a_moved_households_open_referrals_and_caseload_go_to_its_new_ward(
    demo: tuple[Sukuma, DemoSummary, list[Any]],
) -> None:
    app, _, events = demo
    moved = {e.originator_id: e.to_ward_id for e in events if kind(e) == "Household.Moved"}
    assert moved
    for household_id, ward in moved.items():
        for referral_id in app.get(Household, household_id).open_referral_ids:
            assert app.get(Referral, UUID(referral_id)).ward_id == ward
    handed = [e for e in events if kind(e) == "Referral.Rehomed"]
    assert handed and all(e.ward_id in moved.values() for e in handed)
    assigned = [e for e in events if kind(e) == "Household.FieldWorkerAssigned"]
    assert {e.originator_id for e in assigned} <= moved.keys() and assigned
