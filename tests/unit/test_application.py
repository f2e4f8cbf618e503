"""The Sukuma application on in-memory (POPO) persistence: commands, sagas, idempotency, history."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.popo import POPOApplicationRecorder

from domain.context import CommandContext
from domain.errors import AlreadyExists, NotFoundError, RuleViolation, VersionConflict
from domain.households.model import Household
from domain.profile import validate_profile
from domain.reference.departments import service_standard
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.rules.needs import NEEDS_RULE_VERSION, derive_needs
from domain.rules.risk import score_risk
from domain.sukuma import Sukuma
from domain.vocabulary import HouseholdStatus, NeedStatus, ReferralStatus
from domain.warrooms.model import WarRoom, war_room_id
from tests.factories import make_profile

T0 = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
WARD = geography().wards[0].id
OTHER_WARD = geography().wards[1].id
HUNGRY = {"days_skipped_meal_last_7": 3}  # derives one high food_security need (to DSD)


def ctx(days: int = 0, expected_version: int | None = None) -> CommandContext:
    return CommandContext(
        actor="tester", occurred_at=T0 + timedelta(days=days), expected_version=expected_version
    )


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sukuma]:
    for key in ("PERSISTENCE_MODULE", "SUKUMA_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    application = Sukuma()
    assert isinstance(application.recorder, POPOApplicationRecorder)
    yield application
    application.close()


def last_position(app: Sukuma) -> int | None:
    return app.recorder.max_notification_id()


def registered(app: Sukuma) -> UUID:
    household_id = uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village="KwaMpumuza",
        gps=None,
        field_worker_id=None,
        ctx=ctx(),
    )
    return household_id


def profiled_hungry(app: Sukuma) -> tuple[UUID, str]:
    """A household whose profile derives one high food-security need; returns (id, need id)."""
    household_id = registered(app)
    app.submit_profile(household_id, dict(make_profile(food_security=HUNGRY)), None, ctx())
    household = app.get(Household, household_id)
    [need] = household.open_needs
    return household_id, need.need_id


def referred(app: Sukuma) -> tuple[UUID, str, UUID]:
    household_id, need_id = profiled_hungry(app)
    referral_id = uuid4()
    app.make_referral(
        referral_id=referral_id,
        household_id=household_id,
        need_id=need_id,
        department_code="DSD",
        personal_data_shared=False,
        note=None,
        ctx=ctx(1),
    )
    return household_id, need_id, referral_id


# ---- households -------------------------------------------------------------------------------


def test_registering_a_household_stores_it_in_its_ward(app: Sukuma) -> None:
    household_id = uuid4()

    written = app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(),
    )

    household = app.get(Household, household_id)
    assert (written.id, written.version) == (household_id, 1)
    assert written.position == last_position(app)
    assert household.ward_id == WARD and household.status == HouseholdStatus.REGISTERED


def test_submitting_a_profile_derives_needs_and_scores_risk(app: Sukuma) -> None:
    household_id = registered(app)
    profile = make_profile(food_security=HUNGRY)

    app.submit_profile(household_id, dict(profile), None, ctx())

    # Then the derived needs are open, and the risk is scored with the versioned rules
    checked = validate_profile(profile, T0.date())
    expected = {
        (str(n.category), str(n.severity), n.department) for n in derive_needs(checked, T0.date())
    }
    household = app.get(Household, household_id)
    assert expected == {("food_security", "high", "DSD")}
    assert {(n.category, n.severity, n.department) for n in household.open_needs} == expected
    events, _ = app.history(Household, household_id)
    kinds = [type(e) for e in events]
    assert kinds[:3] == [Household.Registered, Household.ProfileSubmitted, Household.RiskScored]
    scored = next(e for e in events if isinstance(e, Household.RiskScored))
    risk = score_risk(checked, T0.date())
    assert (scored.score, scored.rule_version) == (risk.score, risk.rule_version)
    identified = [e for e in events if isinstance(e, Household.NeedIdentified)]
    assert [e.source for e in identified] == [NEEDS_RULE_VERSION]
    assert household.status == HouseholdStatus.ACTIVE


def test_a_profile_without_problems_derives_no_needs(app: Sukuma) -> None:
    household_id = registered(app)

    app.submit_profile(household_id, dict(make_profile()), None, ctx())

    assert app.get(Household, household_id).needs == {}


def test_a_deactivated_field_worker_cannot_submit_a_profile(app: Sukuma) -> None:
    worker_id = uuid4()
    app.register_field_worker(
        worker_id=worker_id, name="Nomvula", cadre="ccg", employer=None, phone=None, ctx=ctx()
    )
    app.assign_field_worker(worker_id, WARD, ctx())
    app.deactivate_field_worker(worker_id, "resigned", ctx(1))
    household_id = registered(app)

    with pytest.raises(RuleViolation) as refused:
        app.submit_profile(household_id, dict(make_profile()), str(worker_id), ctx(2))

    assert refused.value.rule == "field-worker-active"
    assert app.get(Household, household_id).version == 1


# ---- referrals --------------------------------------------------------------------------------


def test_a_referral_gets_its_due_dates_from_the_service_standard(app: Sukuma) -> None:
    household_id, need_id = profiled_hungry(app)
    referral_id = uuid4()

    app.make_referral(
        referral_id=referral_id,
        household_id=household_id,
        need_id=need_id,
        department_code="DSD",
        personal_data_shared=False,
        note="parcels",
        ctx=ctx(1),
    )

    referral = app.get(Referral, referral_id)
    standard = service_standard("DSD", "food_security")
    made_on = (T0 + timedelta(days=1)).date()
    assert referral.ack_by == made_on + timedelta(days=standard.ack_within_days)
    assert referral.deliver_by == made_on + timedelta(days=standard.deliver_within_days)
    assert referral.standard_version == standard.version
    assert (referral.category, referral.severity, referral.from_ward_id) == (
        "food_security",
        "high",
        WARD,
    )
    assert app.get(Household, household_id).need(need_id).open_referral_id == str(referral_id)


def test_a_need_with_an_open_referral_cannot_be_referred_again(app: Sukuma) -> None:
    household_id, need_id, _ = referred(app)
    position = last_position(app)

    with pytest.raises(RuleViolation) as refused:
        app.make_referral(
            referral_id=uuid4(),
            household_id=household_id,
            need_id=need_id,
            department_code="SASSA",
            personal_data_shared=False,
            note=None,
            ctx=ctx(2),
        )

    assert refused.value.rule == "one-open-referral-per-need"
    assert last_position(app) == position


def test_the_full_referral_lifecycle_resolves_the_need_at_close(app: Sukuma) -> None:
    household_id, need_id, referral_id = referred(app)

    app.acknowledge_referral(referral_id, None, ctx(2))
    app.deliver_referral(
        referral_id=referral_id,
        intervention_id=uuid4(),
        kind="food_parcel",
        description=None,
        ctx=ctx(3),
    )
    app.verify_referral(referral_id, "received", ctx(4))
    assert app.get(Household, household_id).need(need_id).is_open
    app.close_referral(referral_id, "done", ctx(5))

    referral = app.get(Referral, referral_id)
    need = app.get(Household, household_id).need(need_id)
    assert referral.status == ReferralStatus.CLOSED
    assert need.status == NeedStatus.RESOLVED and need.open_referral_id is None
    events, _ = app.history(Household, household_id)
    assert [type(e) for e in events][-2:] == [Household.NeedReferralEnded, Household.NeedResolved]


def test_delivering_a_referral_records_the_household_intervention(app: Sukuma) -> None:
    household_id, need_id, referral_id = referred(app)
    app.acknowledge_referral(referral_id, None, ctx(2))
    intervention_id = uuid4()

    app.deliver_referral(
        referral_id=referral_id,
        intervention_id=intervention_id,
        kind="food_parcel",
        description="one parcel",
        ctx=ctx(3),
    )

    household = app.get(Household, household_id)
    [intervention] = household.interventions
    assert intervention.intervention_id == str(intervention_id)
    assert (intervention.need_id, intervention.referral_id) == (need_id, str(referral_id))
    assert intervention.provider == "DSD"
    assert household.need(need_id).interventions == 1
    assert app.get(Referral, referral_id).intervention_id == str(intervention_id)


def test_delivery_before_acknowledgement_changes_neither_aggregate(app: Sukuma) -> None:
    household_id, _, referral_id = referred(app)
    position = last_position(app)

    with pytest.raises(RuleViolation) as refused:
        app.deliver_referral(
            referral_id=referral_id,
            intervention_id=uuid4(),
            kind="food_parcel",
            description=None,
            ctx=ctx(2),
        )

    assert refused.value.rule == "referral-lifecycle"
    assert last_position(app) == position
    assert app.get(Household, household_id).interventions == []


def test_rejection_releases_the_need_for_a_new_referral(app: Sukuma) -> None:
    household_id, need_id, referral_id = referred(app)

    app.reject_referral(referral_id, "wrong_department", None, ctx(2))

    assert app.get(Referral, referral_id).status == ReferralStatus.REJECTED
    need = app.get(Household, household_id).need(need_id)
    assert need.is_open and need.open_referral_id is None
    second = uuid4()
    app.make_referral(
        referral_id=second,
        household_id=household_id,
        need_id=need_id,
        department_code="SASSA",
        personal_data_shared=False,
        note=None,
        ctx=ctx(3),
    )
    assert app.get(Household, household_id).need(need_id).open_referral_id == str(second)


def test_escalation_keeps_the_due_dates(app: Sukuma) -> None:
    _, _, referral_id = referred(app)
    before = app.get(Referral, referral_id)

    app.escalate_referral(referral_id, 2, "overdue", ctx(9))

    after = app.get(Referral, referral_id)
    assert after.escalation_level == 2
    assert (after.ack_by, after.deliver_by) == (before.ack_by, before.deliver_by)


# ---- idempotency and concurrency ----------------------------------------------------------------


def test_registering_again_with_the_same_content_appends_nothing(app: Sukuma) -> None:
    household_id = uuid4()
    first = app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(),
    )
    position = last_position(app)

    again = app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(1),
    )

    assert (again.id, again.version) == (first.id, first.version)
    assert last_position(app) == position


def test_registering_an_existing_id_with_other_content_is_refused(app: Sukuma) -> None:
    household_id = uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(),
    )
    position = last_position(app)

    with pytest.raises(AlreadyExists):
        app.register_household(
            household_id=household_id,
            ward_id=OTHER_WARD,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=ctx(),
        )

    assert last_position(app) == position


def test_a_retried_referral_returns_the_same_result_and_appends_nothing(app: Sukuma) -> None:
    household_id, need_id = profiled_hungry(app)
    referral_id = uuid4()
    first = app.make_referral(
        referral_id=referral_id,
        household_id=household_id,
        need_id=need_id,
        department_code="DSD",
        personal_data_shared=False,
        note=None,
        ctx=ctx(1),
    )
    position = last_position(app)

    again = app.make_referral(
        referral_id=referral_id,
        household_id=household_id,
        need_id=need_id,
        department_code="DSD",
        personal_data_shared=False,
        note=None,
        ctx=ctx(1),
    )

    assert (again.id, again.version) == (first.id, first.version)
    assert last_position(app) == position
    with pytest.raises(AlreadyExists):
        app.make_referral(
            referral_id=referral_id,
            household_id=household_id,
            need_id=need_id,
            department_code="SASSA",
            personal_data_shared=False,
            note=None,
            ctx=ctx(1),
        )
    assert last_position(app) == position


def test_an_id_of_another_aggregate_type_is_refused(app: Sukuma) -> None:
    household_id = registered(app)

    with pytest.raises(AlreadyExists):
        app.register_field_worker(
            worker_id=household_id,
            name="Nomvula",
            cadre="ccg",
            employer=None,
            phone=None,
            ctx=ctx(),
        )
    with pytest.raises(NotFoundError):
        app.get(Referral, household_id)


def test_a_stale_expected_version_raises_a_version_conflict(app: Sukuma) -> None:
    _, _, referral_id = referred(app)
    position = last_position(app)

    with pytest.raises(VersionConflict) as conflict:
        app.acknowledge_referral(referral_id, None, ctx(2, expected_version=2))

    assert (conflict.value.expected, conflict.value.current) == (2, 1)
    assert last_position(app) == position
    written = app.acknowledge_referral(referral_id, None, ctx(2, expected_version=1))
    assert written.version == 2


# ---- history ----------------------------------------------------------------------------------


def test_history_as_of_a_time_returns_the_events_and_state_then(app: Sukuma) -> None:
    household_id = registered(app)
    time.sleep(0.002)
    between = datetime.now(tz=UTC)
    time.sleep(0.002)
    app.submit_profile(household_id, dict(make_profile(food_security=HUNGRY)), None, ctx(1))

    events, then = app.history(Household, household_id, as_of=between)

    assert [type(e) for e in events] == [Household.Registered]
    assert then is not None
    assert then.version == 1 and then.status == HouseholdStatus.REGISTERED and then.needs == {}
    all_events, now = app.history(Household, household_id)
    assert now == app.get(Household, household_id)
    assert len(all_events) == now.version > 1
    assert app.history(Household, household_id, as_of=between - timedelta(days=1)) == ([], None)


# ---- war rooms --------------------------------------------------------------------------------


def test_a_ward_has_one_war_room(app: Sukuma) -> None:
    written = app.establish_war_room(WARD, "Ward 1 war room", 7, ctx())
    position = last_position(app)

    again = app.establish_war_room(WARD, "Ward 1 war room", 7, ctx(1))

    assert written.id == again.id == war_room_id(WARD)
    assert last_position(app) == position
    with pytest.raises(AlreadyExists):
        app.establish_war_room(WARD, "Another war room", 7, ctx(2))
    assert app.get(WarRoom, war_room_id(WARD)).name == "Ward 1 war room"
    assert app.establish_war_room(OTHER_WARD, "Ward 2", 7, ctx()).id == war_room_id(OTHER_WARD)
